"""Every dump parses back to the built dataset: pyoxigraph, rdflib, rapper and pyld agree."""

from __future__ import annotations

import json
import shutil
import subprocess
import warnings

import pyoxigraph as ox
import pytest
from pyld import jsonld
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

DEFAULT_ONLY = ["dataset.ttl", "dataset.nt"]
ALL_GRAPHS = ["dataset.trig", "dataset.nq", "dataset.jsonld"]


def _parse(path) -> set:
    return set(ox.parse(path=str(path), format=ox.RdfFormat.from_extension(path.suffix[1:])))


def _default(quads) -> set:
    return {q for q in quads if isinstance(q.graph_name, ox.DefaultGraph)}


@pytest.mark.parametrize("name", DEFAULT_ONLY)
def test_triple_dumps_hold_exactly_the_default_graph(build_result, built_quads, name):
    assert _parse(build_result.out_dir / name) == _default(built_quads)


@pytest.mark.parametrize("name", ALL_GRAPHS)
def test_dataset_dumps_hold_every_graph(build_result, built_quads, name):
    assert _parse(build_result.out_dir / name) == built_quads


def test_rdflib_finds_the_dumps_isomorphic(build_result):

    out = build_result.out_dir
    ttl = Graph().parse(out / "dataset.ttl", format="turtle")
    nt = Graph().parse(out / "dataset.nt", format="nt")
    assert isomorphic(ttl, nt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        trig = Dataset().parse(out / "dataset.trig", format="trig")
        nq = Dataset().parse(out / "dataset.nq", format="nquads")
        assert {str(g.identifier) for g in trig.graphs()} == {str(g.identifier) for g in nq.graphs()}
        for graph in trig.graphs():
            assert isomorphic(graph, nq.graph(graph.identifier)), graph.identifier
        assert isomorphic(trig.default_graph, ttl)


@pytest.mark.skipif(shutil.which("rapper") is None, reason="rapper (raptor2-utils) is not installed")
@pytest.mark.parametrize("name,syntax", [("dataset.ttl", "turtle"), ("dataset.nt", "ntriples"),
                                         ("dataset.trig", "trig"), ("dataset.nq", "nquads"),
                                         ("shapes.ttl", "turtle"), ("ontology.ttl", "turtle"), ("void.ttl", "turtle")])
def test_rapper_accepts(build_result, built_quads, name, syntax):
    done = subprocess.run(["rapper", "-i", syntax, "-c", str(build_result.out_dir / name)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Parsing returned" in done.stderr
    if name in DEFAULT_ONLY:
        assert f"returned {len(_default(built_quads))} triples" in done.stderr


def _refuse(url, options=None):
    raise AssertionError(f"tried to load a remote JSON-LD document: {url}")


def test_jsonld_expands_offline_with_pyld(build_result, built_quads):

    doc = json.loads((build_result.out_dir / "dataset.jsonld").read_text(encoding="utf-8"))
    expanded = jsonld.expand(doc, {"documentLoader": _refuse})
    assert expanded
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": _refuse})
    assert set(ox.parse(input=nquads.encode("utf-8"), format=ox.RdfFormat.N_QUADS)) == built_quads


def test_jsonld_context_is_the_published_one(build_result, ldpub_settings):
    published = json.loads((build_result.out_dir / "context.jsonld").read_text(encoding="utf-8"))
    source = json.loads((ldpub_settings.ontology_path / "context.jsonld").read_text(encoding="utf-8"))
    assert published == source
    doc = json.loads((build_result.out_dir / "dataset.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"] == source["@context"]
    # named graphs are @graph objects named by their claim
    named = [n for n in doc["@graph"] if "@graph" in n]
    assert len(named) == sum(1 for g in build_result.graph_counts if g)
    assert all(n["@id"].startswith("claim:") for n in named)


def test_turtle_is_readable(build_result):
    text = (build_result.out_dir / "dataset.ttl").read_text(encoding="utf-8")
    prefixes = [line for line in text.splitlines() if line.startswith("@prefix")]
    assert prefixes == sorted(prefixes)
    assert "id:karim-masimov a " in text
    assert "_:" not in text
