"""Validation: the real data conforms; every broken fixture fails with the message it is about."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from ldpub import cli
from ldpub.build.dataset import validate_files
from ldpub.build.materialise import Terms
from ldpub.build.sources import load_sources
from ldpub.build.validate import Index, article_texts, check_quotes, extra_checks
from ldpub.ns import OA

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BROKEN = sorted((FIXTURES / "broken").glob("*.trig"))
MINIMAL = FIXTURES / "minimal" / "minimal.trig"
EDITORS = FIXTURES / "minimal" / "editors.trig"
EXACT = ox.NamedNode(OA + "exact")


def expected_message(path: Path) -> str:
    """Each broken fixture says, in a `# expect:` line, which message it must produce."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect: "):
            return line.removeprefix("# expect: ")
    raise AssertionError(f"{path.name} has no '# expect:' line")


def test_real_data_conforms(build_result):
    report = build_result.report
    assert report.conforms, report.text()
    assert report.count("Violation") == 0


def test_minimal_fixture_conforms(ldpub_settings):
    report = validate_files(ldpub_settings, [MINIMAL])
    assert report.conforms, report.text()


def test_editors_reading_fixture_conforms(ldpub_settings):
    """An editors' reading has no source document but its reason, the editors and the passage read."""
    report = validate_files(ldpub_settings, [EDITORS])
    assert report.conforms, report.text()
    e01 = ox.NamedNode("https://w3id.org/kz-masimov/id/claim/e01")
    described = {q.predicate.value: q.object for q in ox.parse(path=str(EDITORS), format=ox.RdfFormat.TRIG)
                 if q.subject == e01}
    assert described["https://w3id.org/kz-masimov/def#status"].value.endswith("/status/editorial-inference")
    assert "https://w3id.org/kz-masimov/def#source" not in described


def test_there_are_broken_fixtures():
    assert len(BROKEN) >= 15


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_fixture_fails_with_its_message(ldpub_settings, path):
    report = validate_files(ldpub_settings, [path])
    assert not report.conforms
    expected = expected_message(path)
    violations = report.messages("Violation")
    assert any(expected in m for m in violations), f"expected {expected!r} among {violations}"


def test_real_quotes_match_the_seed(ldpub_settings, built_quads):
    findings = extra_checks(sorted(built_quads, key=str), ldpub_settings)
    assert findings == []


def _with_changed_quote(quads: set, claim_quote: ox.Quad, position: int) -> list[ox.Quad]:
    text = claim_quote.object.value
    changed = text[:position] + ("X" if text[position] != "X" else "Y") + text[position + 1:]
    replaced = ox.Quad(claim_quote.subject, claim_quote.predicate, ox.Literal(changed), claim_quote.graph_name)
    return [q for q in quads if q != claim_quote] + [replaced]


def test_changing_one_character_of_any_real_quote_fails(ldpub_settings, built_quads):

    quotes = sorted((q for q in built_quads if q.predicate == EXACT), key=str)
    assert len(quotes) >= 20
    for quote in quotes:
        for position in (0, len(quote.object.value) // 2, len(quote.object.value) - 1):
            index = Index(_with_changed_quote(built_quads, quote, position))
            texts, _ = article_texts(index, ldpub_settings)
            findings = check_quotes(index, texts, Terms(ldpub_settings.iris))
            claim = quote.subject.value.split("#")[0]
            assert [f.focus for f in findings] == [claim], (quote, position)
            assert "does not match the article text" in findings[0].message


def test_report_is_readable(ldpub_settings):
    report = validate_files(ldpub_settings, [FIXTURES / "broken" / "claim-two-statuses.trig"])
    text = report.text({"kzm": "https://w3id.org/kz-masimov/def#", "claim": "https://w3id.org/kz-masimov/id/claim/"})
    assert text.startswith("Validation: FAILS")
    assert "[VIOLATION] A claim has more than one epistemic status" in text
    assert "focus: claim:c04" in text
    assert "path:  kzm:status" in text


def test_cli_exit_codes(capsys):
    assert cli.main(["validate", str(FIXTURES / "broken" / "bad-date.trig")]) == 1
    assert "must be one valid xsd:date" in capsys.readouterr().out
    assert cli.main(["validate", str(MINIMAL)]) == 0


def test_sources_exclude_queries_and_tests(ldpub_settings):
    files = {p.relative_to(ldpub_settings.root).as_posix() for p in load_sources(ldpub_settings).files}
    assert all(not f.startswith(("data/queries", "tests")) for f in files)
    assert {"ontology/kzm.ttl", "ontology/shapes.ttl", "data/articles/rise-of-karim-masimov", "data/entities.ttl"} <= files


def test_a_quote_past_the_articles_end_is_a_violation(ldpub_settings, built_quads):
    """Issue 9.9: the article ends at kzm:textEnd (the seed goes on with its comment form). The
    real quotes all lie before it; moved earlier, the end leaves the last quotes outside the
    article, and an end past the file is a violation of its own."""
    text_end = ox.NamedNode(ldpub_settings.iris.term("textEnd"))
    article = ox.NamedNode(ldpub_settings.iris.article)
    ends = [q for q in built_quads if q.predicate == text_end]
    assert [(q.subject, q.object.value) for q in ends] == [(article, "2658")]
    assert extra_checks(sorted(built_quads, key=str), ldpub_settings) == []

    def findings_with_end(value: str) -> list:
        quads = [q for q in built_quads if q.predicate != text_end]
        quads.append(ox.Quad(article, text_end, ox.Literal(value, datatype=ends[0].object.datatype)))
        return extra_checks(sorted(quads, key=str), ldpub_settings)

    cut = findings_with_end("2600")  # before c25's quote, the article's last sentence
    assert cut and all(f.check == "quote" for f in cut)
    assert any("claim/c25" in f.focus for f in cut)
    past = findings_with_end("99999")
    assert any("past the end" in f.message for f in past)
