"""The example queries of data/queries/ answer what the article says (expected answers written by hand)."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from ldpub.build.validate import iri_shortener
from ldpub.ns import namespaces as prefixes

QUERIES = Path(__file__).resolve().parents[1] / "data" / "queries"
ALL = sorted(QUERIES.glob("*.rq"))  # top level only: federated/ needs SERVICE and lives elsewhere


@pytest.fixture(scope="module")
def store(built_quads) -> ox.Store:
    store = ox.Store()
    store.extend(built_quads)
    return store


def _cell(term, short) -> str:
    if term is None:
        return ""
    return short(term.value) if isinstance(term, ox.NamedNode) else term.value


def _expected_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    header, *rows = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    return header.split("\t"), sorted(row.split("\t") for row in rows)


def test_there_are_enough_queries():
    assert len(ALL) >= 20


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_query_is_documented(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# ") and first.endswith("?"), "the first line states the question"
    assert path.with_suffix(".expected.tsv").exists() or path.with_suffix(".expected.json").exists()


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_query_answers_as_expected(store, ldpub_settings, path):
    result = store.query(path.read_text(encoding="utf-8"))
    if isinstance(result, ox.QueryBoolean):
        assert {"boolean": bool(result)} == json.loads(path.with_suffix(".expected.json").read_text())
        return
    header, expected = _expected_rows(path.with_suffix(".expected.tsv"))
    short = iri_shortener(prefixes(ldpub_settings))
    variables = [v.value for v in result.variables]
    assert variables == header
    actual = sorted([_cell(row[v], short) for v in variables] for row in result)
    assert actual == expected
