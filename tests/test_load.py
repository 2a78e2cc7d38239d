"""`ldpub load` at scale: the VoID statistics computed in fewer scans give what VoID's definitions
(written here as plain SPARQL over the union of all graphs) give; the load reports progress per chunk
and stays idempotent; a remote load stores the same statistics as a folder load."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import ROOT
from ldpub.build.load import CHUNK
from ldpub.ns import RDF_TYPE, VOID
from ldpub.remote import RemoteStore
from ldpub.settings import load_settings
from ldpub.store import read_metadata
from ldpub.void import Statistics, void_quads

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


@pytest.mark.parametrize("data", ["article", "synthetic"])
def test_void_statistics_equal_their_definitions(data, build_result, tmp_path):
    settings = load_settings(ROOT)
    path = build_result.out_dir / "dataset.nq" if data == "article" else synth(tmp_path, 3000)
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS if data == "article" else ox.RdfFormat.TRIG)
    want, got = reference(store, settings.iris.ids), computed(void_quads(store, settings))
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
    for key in ("quads", "graphs", "sizes", "void"):
        assert remote[key] == local[key], key


def test_statistics_survive_their_json(build_result):
    settings = load_settings(ROOT)
    store = ox.Store()
    store.bulk_load(path=str(build_result.out_dir / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    stats = Statistics.of(store, settings)
    again = Statistics.from_json(json.loads(json.dumps(stats.to_json())))
    assert again.graph_names == stats.graph_names and len(stats.graph_names) > 1
    assert again.sizes == stats.sizes and None in again.sizes
    assert set(again.void) == set(stats.void) and again.quads == stats.quads == len(store)
