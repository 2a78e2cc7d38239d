"""The build: files written, the default-graph rule, materialisation, VoID/DCAT, determinism."""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import hashlib
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from ldpub.build import cli as build_cli
from ldpub.build.dataset import build_dataset
from ldpub.build.materialise import DEFAULT, by_graph
from ldpub.errors import BuildError
from ldpub.ns import RDF_TYPE

KZM = "https://w3id.org/kz-masimov/def#"
CLAIM = ox.NamedNode(KZM + "Claim")
STATUS = ox.NamedNode(KZM + "status")

# The rule under test (issue 2): only these two statuses may put assertions in the default graph.
FACTUAL_STATUSES = frozenset({"official-statement", "reported-fact"})

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BASE = "https://w3id.org/kz-masimov/"
DUMPS = ["dataset.ttl", "dataset.nt", "dataset.trig", "dataset.nq", "dataset.jsonld"]
N = ox.NamedNode


def _status_of(quads) -> dict:
    return {q.subject: q.object.value.rsplit("/", 1)[1] for q in quads if q.predicate == STATUS and isinstance(q.graph_name, ox.DefaultGraph)}


def test_files_written(build_result):
    names = set(build_result.paths)
    expected = {*DUMPS, *(d + ".gz" for d in DUMPS), "context.jsonld", "shapes.ttl", "ontology.ttl", "void.ttl", "SHA256SUMS"}
    assert expected <= names
    assert all(p.stat().st_size > 0 for p in build_result.paths.values())


def test_counts(build_result):
    c = build_result.counts
    assert c["named_graphs"] >= 20
    assert c["quads"] == sum(build_result.graph_counts.values())
    assert c["default_graph_triples"] == build_result.graph_counts[""]


def test_sha256sums(build_result):
    out = build_result.out_dir
    lines = (out / "SHA256SUMS").read_text().splitlines()
    listed = {}
    for line in lines:
        digest, name = line.split("  ", 1)
        listed[name] = digest
    assert set(listed) == set(build_result.paths) - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name


def test_gzip_is_deterministic_and_complete(build_result):
    for name in DUMPS:
        raw = (build_result.out_dir / (name + ".gz")).read_bytes()
        assert raw[4:8] == b"\0\0\0\0", "mtime must be 0"
        assert not raw[3] & 0x08, "no file name in the header"
        assert gzip.decompress(raw) == (build_result.out_dir / name).read_bytes()


def test_two_builds_are_byte_identical(build_result, ldpub_settings, tmp_path):
    again = build_dataset(ldpub_settings, tmp_path / "again")
    assert set(again.paths) == set(build_result.paths)
    for name, path in again.paths.items():
        assert path.read_bytes() == build_result.paths[name].read_bytes(), name


# ---------------------------------------------------------------- the default-graph rule


def _graphs_by_status(quads):
    statuses = _status_of(quads)
    graphs = by_graph(quads)
    factual = set().union(*(t for g, t in graphs.items() if g != DEFAULT and statuses.get(g) in FACTUAL_STATUSES))
    other = {g: t for g, t in graphs.items() if g != DEFAULT and statuses.get(g) not in FACTUAL_STATUSES}
    return graphs, factual, other


def _leaks(default: set, factual: set, other: dict) -> list:
    return sorted(str(t) for g, triples in other.items() for t in triples if t in default and t not in factual)


def test_non_factual_triples_stay_in_their_graph(built_quads):
    graphs, factual, other = _graphs_by_status(built_quads)
    assert len(other) >= 10  # author-assessment, unnamed-source, forecast, speculation claims exist
    assert set(_status_of(built_quads).values()) >= {"author-assessment", "unnamed-source", "forecast", "speculation"}
    assert _leaks(graphs[DEFAULT], factual, other) == []


@pytest.mark.parametrize("dump", ["dataset.ttl", "dataset.nt"])
def test_non_factual_triples_absent_from_triple_dumps(build_result, built_quads, dump):
    _, factual, other = _graphs_by_status(built_quads)
    path = build_result.out_dir / dump
    default = {(q.subject, q.predicate, q.object) for q in ox.parse(path=str(path), format=ox.RdfFormat.from_extension(path.suffix[1:]))}
    assert _leaks(default, factual, other) == []


def test_factual_assertions_are_copied_to_the_default_graph(built_quads):
    graphs, factual, _ = _graphs_by_status(built_quads)
    assert factual and factual <= graphs[DEFAULT]


def test_prepared_decision_exists_only_in_its_claim(built_quads):
    decision = N(BASE + "id/akorda-decision")
    where = {q.graph_name for q in built_quads if q.subject == decision and q.predicate == RDF_TYPE}
    assert where and DEFAULT not in where


def test_claims_are_described_in_the_default_graph(built_quads):
    graphs = by_graph(built_quads)
    claims = {s for s, p, o in graphs[DEFAULT] if p == RDF_TYPE and o == CLAIM}
    assert {g for g in graphs if g != DEFAULT} <= claims


# ---------------------------------------------------------------- materialisation


def test_alignment_types_and_names_in_the_default_graph(built_quads):
    default = by_graph(built_quads)[DEFAULT]
    masimov = N(BASE + "id/karim-masimov")
    assert (masimov, RDF_TYPE, N("https://schema.org/Person")) in default
    assert (masimov, RDF_TYPE, N("http://xmlns.com/foaf/0.1/Person")) in default
    assert any(s == masimov and p == N("https://schema.org/name") for s, p, o in default)
    assert any(s == masimov and p == N("http://www.w3.org/2000/01/rdf-schema#label") for s, p, o in default)
    city = N(BASE + "id/kyzylorda")
    assert (city, RDF_TYPE, N("https://schema.org/Place")) in default  # City < Place < schema:Place


def test_alignment_is_applied_inside_each_graph(built_quads):
    c22 = N(BASE + "id/claim/c22")
    decision = N(BASE + "id/akorda-decision")
    assert ox.Quad(decision, RDF_TYPE, N("https://schema.org/CreativeWork"), c22) in built_quads
    assert ox.Quad(decision, RDF_TYPE, N("https://schema.org/CreativeWork"), DEFAULT) not in built_quads


def test_no_domain_or_range_inference(built_quads):
    """kzm:post has range kzm:Post and ORG ranges would make posts organisations: neither is inferred."""
    organisation = N("http://www.w3.org/ns/org#Organization")
    posts = {q.subject for q in built_quads if q.predicate == RDF_TYPE and q.object == N(KZM + "Post")}
    assert posts
    assert not any(q.subject in posts and q.predicate == RDF_TYPE and q.object == organisation for q in built_quads)
    # kzm:status has domain kzm:Claim; a status concept must not become a claim
    status = N(BASE + "id/status/forecast")
    assert ox.Quad(status, RDF_TYPE, CLAIM, DEFAULT) not in built_quads


def test_mentions_and_inverse(built_quads):
    c08, serikbaev = N(BASE + "id/claim/c08"), N(BASE + "id/n-serikbaev")
    assert ox.Quad(c08, N(KZM + "mentions"), serikbaev, DEFAULT) in built_quads
    assert ox.Quad(serikbaev, N(KZM + "mentionedIn"), c08, DEFAULT) in built_quads
    assert ox.Quad(c08, N("https://schema.org/mentions"), serikbaev, DEFAULT) in built_quads


def test_shapes_are_published_apart(build_result, built_quads):
    shacl = "http://www.w3.org/ns/shacl#"
    assert not any(q.predicate.value.startswith(shacl) or q.object == N(shacl + "NodeShape") for q in built_quads)
    shapes = set(ox.parse(path=str(build_result.out_dir / "shapes.ttl"), format=ox.RdfFormat.TURTLE))
    assert any(q.subject == N(BASE + "shapes#ClaimShape") for q in shapes)
    ontology = set(ox.parse(path=str(build_result.out_dir / "ontology.ttl"), format=ox.RdfFormat.TURTLE))
    assert ox.Quad(N(KZM + "Claim"), RDF_TYPE, N("http://www.w3.org/2002/07/owl#Class"), DEFAULT) in ontology


# ---------------------------------------------------------------- VoID and DCAT


@pytest.fixture(scope="module")
def void(build_result) -> ox.Store:
    store = ox.Store()
    store.load(path=str(build_result.out_dir / "void.ttl"), format=ox.RdfFormat.TURTLE)
    return store


PREFIXES = """PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX void: <http://rdfs.org/ns/void#>
PREFIX spdx: <http://spdx.org/rdf/terms#> PREFIX dcterms: <http://purl.org/dc/terms/>
"""


def test_void_has_one_distribution_per_dump(void, build_result):
    rows = list(void.query(PREFIXES + """SELECT ?url ?size ?sum ?type ?cs WHERE {
        <https://w3id.org/kz-masimov/id/dataset> dcat:distribution ?d .
        ?d dcat:downloadURL ?url ; dcat:byteSize ?size ; dcat:mediaType ?type ; spdx:checksum ?cs .
        ?cs spdx:algorithm spdx:checksumAlgorithm_sha256 ; spdx:checksumValue ?sum }"""))
    by_name = {r["url"].value.removeprefix(BASE + "download/"): r for r in rows}
    assert set(by_name) == {*DUMPS, *(d + ".gz" for d in DUMPS)}
    for name, row in by_name.items():
        data = (build_result.out_dir / name).read_bytes()
        assert int(row["size"].value) == len(data)
        assert row["sum"].value == hashlib.sha256(data).hexdigest()
        assert isinstance(row["cs"], ox.NamedNode)
    assert by_name["dataset.ttl"]["type"].value.endswith("/text/turtle")


def test_void_counts_licence_source_and_endpoint(void, build_result):
    ask = PREFIXES + """ASK {
        <https://w3id.org/kz-masimov/id/dataset> void:triples ?t ; dcterms:license <https://creativecommons.org/licenses/by/4.0/> ;
            dcterms:source <https://w3id.org/kz-masimov/id/article> ; dcterms:bibliographicCitation ?cite ;
            void:sparqlEndpoint <https://w3id.org/kz-masimov/sparql> ; void:classPartition ?p .
        ?p void:class <https://w3id.org/kz-masimov/def#Claim> ; void:entities ?n ; void:triples ?pt .
        FILTER (?n >= 20 && ?pt > ?n) }"""
    assert void.query(ask)
    assert not any(isinstance(t, ox.BlankNode) for q in void for t in (q.subject, q.object))


def test_void_says_what_each_count_counts(void, build_result, built_quads):
    """Issue 9.8: void:triples counts distinct triples over all graphs; the default graph and the claims'
    named graphs are void:subsets, each with its title, description and void:triples; void:entities
    counts the subjects in void:uriSpace, not every subject."""
    c = build_result.counts
    subsets = {r["title"].value: int(r["n"].value) for r in void.query(PREFIXES + """SELECT ?title ?n WHERE {
        <https://w3id.org/kz-masimov/id/dataset> void:subset ?s .
        ?s a void:Dataset ; dcterms:title ?title ; dcterms:description ?d ; void:triples ?n }""")}
    named = c["quads"] - c["default_graph_triples"]
    # and one subset per article (issue 11): the shipped one article's claims are all the named graphs
    assert subsets == {"the default graph": c["default_graph_triples"], "the named graphs": named,
                       "the claims of “On the rise of Karim Masimov”": named}
    (row,) = list(void.query(PREFIXES + """SELECT ?t ?e ?space WHERE {
        <https://w3id.org/kz-masimov/id/dataset> void:triples ?t ; void:entities ?e ; void:uriSpace ?space }"""))
    triples = {(q.subject, q.predicate, q.object) for q in built_quads}
    assert int(row["t"].value) == len(triples) == c["distinct_triples"]
    subjects = {q.subject.value for q in built_quads if isinstance(q.subject, ox.NamedNode)}
    assert int(row["e"].value) == len({s for s in subjects if s.startswith(row["space"].value)}) < len(subjects)


def test_build_log_uses_the_void_words(ldpub_settings, tmp_path, capsys):
    assert build_cli.run_build(argparse.Namespace(out=tmp_path / "dist", report=False)) == 0
    first = capsys.readouterr().out.splitlines()[0]
    c = build_dataset(ldpub_settings, tmp_path / "again").counts
    named = c["quads"] - c["default_graph_triples"]
    assert (f"{c['quads']} quads: {c['default_graph_triples']} triples in the default graph + {named} triples in "
            f"the named graphs ({c['named_graphs']}, one per claim); {c['distinct_triples']} distinct triples "
            "(void:triples)") in first


def test_citation_invents_no_author_or_date(void):
    (row,) = list(void.query(PREFIXES + "SELECT ?c WHERE { ?d dcterms:bibliographicCitation ?c }"))
    citation = row["c"].value
    assert "On the rise of Karim Masimov" in citation
    assert not any(ch.isdigit() for ch in citation.split("Text:")[0]), citation


# ---------------------------------------------------------------- failing loudly


def test_build_fails_loudly_on_a_violation(ldpub_settings, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURES / "broken" / "claim-two-statuses.trig", data / "claims.trig")
    settings = dataclasses.replace(ldpub_settings, data_dir=str(data))
    with pytest.raises(BuildError, match="more than one epistemic status"):
        build_dataset(settings, tmp_path / "dist")
    assert not (tmp_path / "dist").exists()
