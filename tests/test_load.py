"""`ldpub load` at scale: the VoID statistics computed in fewer scans give what VoID's definitions
(written here as plain SPARQL over the union of all graphs) give; the load reports progress per chunk
and stays idempotent; a remote load stores the same statistics as a folder load."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import ROOT
from ldpub.build.load import CHUNK
from ldpub.ns import DCTERMS, OA, RDF_TYPE, SD, VOID
from ldpub.query.description import sd_triples
from ldpub.remote import RemoteStore
from ldpub.settings import load_settings
from ldpub.store import open_disk_store, read_metadata
from ldpub.void import GRAPHS_LISTED, Statistics, census, void_quads

SYNTH = ROOT / "bench" / "synth.py"
UNION = "{ SELECT DISTINCT ?s ?p ?o WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } } }"


def reference(store: ox.Store, uri_space: str) -> dict[str, object]:
    """VoID's counts, partitions and most-described subjects, each by its own query."""

    def one(query: str) -> int:
        return int(next(iter(store.query(query)))[0].value)

    counts = {
        "triples": one(f"SELECT (COUNT(*) AS ?n) WHERE {UNION}"),
        "distinctSubjects": one(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {UNION}"),
        "distinctObjects": one(f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {UNION}"),
        "entities": one(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {UNION} FILTER(isIRI(?s) && "
                        f"STRSTARTS(STR(?s), \"{uri_space}\")) }}"),
        "classes": one(f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ {UNION} FILTER(?p = {RDF_TYPE}) }}"),
        "properties": one(f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {UNION}"),
    }
    classes = {(r["c"].value, int(r["n"].value)) for r in store.query(
        f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {UNION} FILTER(?p = {RDF_TYPE} && isIRI(?o)) "
        "BIND(?o AS ?c) } GROUP BY ?c")}
    properties = {(r["p"].value, int(r["n"].value)) for r in store.query(
        f"SELECT ?p (COUNT(*) AS ?n) WHERE {UNION} GROUP BY ?p")}
    top = [r["s"].value for r in store.query(
        f"SELECT ?s (COUNT(*) AS ?n) WHERE {UNION} GROUP BY ?s HAVING(isIRI(?s)) ORDER BY DESC(?n) ?s LIMIT 4")]
    return {"counts": counts, "classes": classes, "properties": properties, "top": top}


def article_reference(store: ox.Store, settings) -> dict[str, tuple[int, int]]:
    """Per article: the claims quoting it and their graphs' triples, by one SPARQL join."""
    return {r["a"].value: (int(r["claims"].value), int(r["n"].value)) for r in store.query(
        f"SELECT ?a (COUNT(DISTINCT ?c) AS ?claims) (COUNT(?s) AS ?n) WHERE {{ "
        f"?c <{settings.iris.term('evidence')}> ?e . ?e <{OA}hasSource> ?a . "
        "OPTIONAL { GRAPH ?c { ?s ?p ?o } } } GROUP BY ?a")}


def article_subsets(quads: list[ox.Quad]) -> dict[str, tuple[int, int]]:
    """The same, read back from void_quads' article subsets."""
    by = ox.Store()
    by.extend(quads)
    out = {}
    for q in by.quads_for_pattern(None, ox.NamedNode(DCTERMS + "source"), None):
        description = next(by.quads_for_pattern(q.subject, ox.NamedNode(DCTERMS + "description"), None)).object.value
        triples = next(by.quads_for_pattern(q.subject, ox.NamedNode(VOID + "triples"), None)).object.value
        claims = re.match(r"The (\d+) claims? quoting", description)
        assert claims, description
        out[q.object.value] = (int(claims[1]), int(triples))
    return out


def computed(quads: list[ox.Quad]) -> dict[str, object]:
    """The same, read back from void_quads' description."""
    by = ox.Store()
    by.extend(quads)

    def objects(s: ox.NamedNode | None, p: str) -> list[ox.Term]:
        return [q.object for q in by.quads_for_pattern(s, ox.NamedNode(VOID + p), None)]

    ds = next(q.subject for q in by.quads_for_pattern(None, ox.NamedNode(VOID + "uriSpace"), None))
    assert isinstance(ds, ox.NamedNode)
    counts = {name: int(objects(ds, name)[0].value) for name in
              ("triples", "distinctSubjects", "distinctObjects", "entities", "classes", "properties")}
    classes = {(objects(p, "class")[0].value, int(objects(p, "entities")[0].value))
               for p in objects(ds, "classPartition")}
    properties = {(objects(p, "property")[0].value, int(objects(p, "triples")[0].value))
                  for p in objects(ds, "propertyPartition")}
    return {"counts": counts, "classes": classes, "properties": properties,
            "examples": {e.value for e in objects(ds, "exampleResource")}}


def synth(out: Path, triples: int) -> Path:
    subprocess.run([sys.executable, SYNTH, "--triples", str(triples), "--out", out], check=True, capture_output=True)
    return out / "synth.trig"


# The same triples in the default graph and in several named graphs, subjects found only in named
# graphs (one of them in two), a blank-node subject, a type asserted only in a named graph.
OVERLAPPING = """
@prefix id: <https://w3id.org/kz-masimov/id/> .
@prefix ex: <https://example.org/> .
id:a a ex:Person ; ex:name "A" ; ex:knows id:b .
_:x ex:name "A" ; ex:knows id:a .
id:g1 { id:a a ex:Person ; ex:knows id:b , id:c . id:c ex:name "C" . id:d a ex:Org ; ex:name "A" . }
id:g2 { id:a ex:knows id:c . id:c ex:name "C" , "C2" . id:d a ex:Org , ex:Person . }
id:g3 { id:e ex:knows id:e . }
"""


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("where", ["memory", "disk"])
def test_census_counts_each_triple_once_whichever_graphs_hold_it(where, seed, tmp_path):
    # Quads added one by one in a shuffled order: the census relies on no order of insertion.
    quads = list(ox.parse(OVERLAPPING.encode(), format=ox.RdfFormat.TRIG))
    random.Random(seed).shuffle(quads)
    store = ox.Store(str(tmp_path / "db")) if where == "disk" else ox.Store()
    for quad in quads:
        store.add(quad)
    counted = census(store, "https://w3id.org/kz-masimov/id/", 2)
    triples = {(q.subject, q.predicate, q.object) for q in store}  # the straightforward way: a set
    ex, ids = "https://example.org/", "https://w3id.org/kz-masimov/id/"
    assert len(triples) == 12
    assert counted.counts == {"triples": 12, "distinctSubjects": 5, "distinctObjects": 9,
                              "entities": 4}
    assert counted.sizes == {None: 5, ids + "g1": 6, ids + "g2": 5, ids + "g3": 1} == {
        g: sum(1 for q in store if (None if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value) == g)
        for g in counted.sizes}
    assert {c.value: n for c, n in counted.classes.items()} == {ex + "Person": 2, ex + "Org": 1}
    assert {p.value: n for p, n in counted.properties.items()} == {
        p.value: sum(1 for t in triples if t[1] == p) for p in {t[1] for t in triples}}
    assert counted.ranked == [ids + "a", ids + "d"]  # 4 triples, 3 (c and e: 2 and 1)


@pytest.mark.parametrize("data", ["article", "synthetic", "overlapping"])
def test_void_statistics_equal_their_definitions(data, build_result, tmp_path):
    settings = load_settings(ROOT)
    store = ox.Store()
    if data == "overlapping":
        store.load(OVERLAPPING.encode(), format=ox.RdfFormat.TRIG)
    else:
        path = build_result.out_dir / "dataset.nq" if data == "article" else synth(tmp_path, 3000)
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS if data == "article" else ox.RdfFormat.TRIG)
    quads = void_quads(store, settings)
    want, got = reference(store, settings.iris.ids), computed(quads)
    subsets = article_subsets(quads)  # the articles (subjects of textFile), each with what quotes it
    assert {a: n for a, n in subsets.items() if n[0]} == article_reference(store, settings)
    assert data == "overlapping" or sum(n for _, n in subsets.values()) > 0
    assert got["counts"] == want["counts"] and want["counts"]["triples"] > 0
    assert got["classes"] == want["classes"] and got["properties"] == want["properties"]
    # The examples: the articles first, then the most described subjects (none picked twice).
    articles = {q.subject.value for q in store.quads_for_pattern(
        None, ox.NamedNode(settings.iris.term("textFile")), None, ox.DefaultGraph())}
    assert got["examples"] == set((sorted(articles) + [s for s in want["top"] if s not in articles])[:3])


def test_load_reports_progress_per_chunk_and_is_idempotent(tmp_path):
    trig = synth(tmp_path / "synth", 2 * CHUNK + 20_000)
    env = {**os.environ, "LDPUB_ROOT": str(ROOT)}
    runs = []
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "ldpub.cli", "load", "--from", str(trig), str(tmp_path / "store")],
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        runs.append((done.stderr, read_metadata(tmp_path / "store")))
    (stderr, meta), (_, again) = runs
    counts = [int(m[1].replace(",", "")) for m in re.finditer(r"^ldpub load: ([\d,]+) quads \(\d+\.\d s\)$", stderr, re.M)]
    assert counts[:2] == [CHUNK, 2 * CHUNK] and counts[-1] == meta["quads"] > 2 * CHUNK, stderr
    assert again == meta  # the second load gives the same store and statistics
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store", "synth"]


def test_remote_load_stores_the_folder_loads_statistics(oxigraph_server, tmp_path, build_result):
    dump = build_result.out_dir / "dataset.nq"
    env = {**os.environ, "LDPUB_ROOT": str(ROOT)}
    for args in ([str(tmp_path / "store")], ["--into", oxigraph_server.update_url, "--query-url",
                                            oxigraph_server.query_url]):
        done = subprocess.run([sys.executable, "-m", "ldpub.cli", "load", "--from", str(dump), *args],
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    remote = RemoteStore(load_settings(ROOT), oxigraph_server.query_url).metadata()
    local = read_metadata(tmp_path / "store")
    for key in ("quads", "named_graphs", "default_graph_triples", "void"):
        assert remote[key] == local[key], key
    # Beside the folder's store the per-graph lists are left out: the store answers for its graphs.
    assert "graphs" not in local and "sizes" not in local
    stats = Statistics.from_json(local, open_disk_store(tmp_path / "store"))
    assert sorted(stats.graph_names) == remote["graphs"] and dict(stats.sizes.items()) == dict(map(tuple, remote["sizes"]))


def test_statistics_survive_their_json(build_result):
    settings = load_settings(ROOT)
    store = ox.Store()
    store.bulk_load(path=str(build_result.out_dir / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    stats = Statistics.of(store, settings)
    again = Statistics.from_json(json.loads(json.dumps(stats.to_json())))
    assert again.graph_names == stats.graph_names and len(stats.graph_names) > 1
    assert again.sizes == stats.sizes and None in again.sizes
    assert set(again.void) == set(stats.void) and again.quads == stats.quads == len(store)


def test_the_service_description_lists_a_bounded_number_of_graphs_and_counts_the_rest():
    """Past GRAPHS_LISTED named graphs the description lists the first by name, says how many there
    are and how to list them all; the statistics stored beside a disk store keep only those."""
    settings = load_settings(ROOT)
    store = ox.Store()
    total = GRAPHS_LISTED + 250
    for i in random.Random(7).sample(range(total), total):  # inserted out of order
        graph = ox.NamedNode(f"{settings.iris.ids}claim/g{i:05d}")
        store.add(ox.Quad(ox.NamedNode(f"{settings.iris.ids}thing-{i}"), RDF_TYPE, ox.NamedNode(VOID + "Dataset"), graph))
    stats = Statistics.of(store, settings)
    stored = stats.to_json(graphs=False)
    assert [g for g, _ in stored["listed"]] == [f"{settings.iris.ids}claim/g{i:05d}" for i in range(GRAPHS_LISTED)]
    again = Statistics.from_json(json.loads(json.dumps(stored)), store)
    for described in (stats, again):
        triples = sd_triples(settings, "http://example.org/sparql", described)
        named = [t for t in triples if t.predicate.value == SD + "namedGraph"]
        count = [t.object.value for t in triples if t.predicate.value.endswith("#namedGraphCount")]
        assert len(named) == GRAPHS_LISTED and count == [str(total)]
        sizes = [t.object.value for t in triples if t.predicate == ox.NamedNode(VOID + "triples")]
        assert sizes.count("1") == GRAPHS_LISTED  # each listed graph with its one triple
