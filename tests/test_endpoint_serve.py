"""Issue 3, point 6: `ldpub serve` as a generic publisher of RDF files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pyoxigraph as ox
import pytest

from conftest import ENDPOINT_TEST_ENV, FIXTURES, ROOT, free_port, serve_process
from ldpub.settings import load_settings
from ldpub.web import server

ID = "https://w3id.org/kz-masimov/id/"
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"


def values(url: str, query: str, var: str) -> list[str]:
    r = httpx.get(url + "/sparql", params={"query": query}, timeout=10)
    assert r.status_code == 200, r.text
    return [b[var]["value"] for b in r.json()["results"]["bindings"]]


def test_serves_every_rdf_syntax_and_keeps_named_graphs(tmp_path):
    quads = list(ox.parse(path=str(FIXTURES / "endpoint.trig"), format=ox.RdfFormat.TRIG))
    claim = [q for q in quads if q.graph_name == ox.NamedNode(ID + "claim/c03")]
    default = [q.triple for q in quads if isinstance(q.graph_name, ox.DefaultGraph)]
    files = {
        "claims.nq": ox.serialize([q for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)],
                                  format=ox.RdfFormat.N_QUADS),
        "c03.jsonld": ox.serialize(claim, format=ox.RdfFormat.JSON_LD),
        "half.ttl": ox.serialize(default[:20], format=ox.RdfFormat.TURTLE),
        "rest.nt": ox.serialize(default[20:], format=ox.RdfFormat.N_TRIPLES),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    with serve_process([tmp_path / n for n in files], ENDPOINT_TEST_ENV, log_dir=tmp_path) as served:
        assert values(served.url, GRAPHS, "g") == [ID + f"claim/c0{i}" for i in (1, 2, 3)]
        assert values(served.url, COUNT_ALL, "n") == [str(len(quads))]
        assert values(served.url, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "n") == [str(len(default))]


def test_unknown_file_or_suffix_fails_clearly(tmp_path):
    (tmp_path / "data.docx").write_text("x")
    for arg, message in ((tmp_path / "missing.ttl", "no such file"), (tmp_path / "data.docx", "unknown RDF file suffix")):
        done = subprocess.run([sys.executable, "-m", "ldpub.cli", "serve", str(arg)],
                              capture_output=True, text=True, timeout=30)
        assert done.returncode != 0
        assert message in done.stderr
        assert "Traceback" not in done.stderr


def test_missing_built_dataset_says_so(tmp_path):
    """No files and no dist/dataset.trig in a folder that cannot be built: a clear message naming
    what is missing and what to do, and a non-zero exit (no traceback)."""
    settings = load_settings(tmp_path)
    with pytest.raises(SystemExit) as exc:
        server.default_files(settings)
    message = str(exc.value.code)
    assert "dataset.trig is missing and building it failed" in message
    assert "context.jsonld is missing" in message
    assert "ldpub serve FILE" in message


@pytest.mark.skipif(not (ROOT / "dist" / "dataset.trig").is_file(), reason="needs `ldpub build` first")
def test_no_files_serves_the_built_dataset(tmp_path):
    expected = len(list(ox.parse(path=str(ROOT / "dist" / "dataset.trig"), format=ox.RdfFormat.TRIG)))
    with serve_process([], log_dir=tmp_path) as served:
        assert values(served.url, COUNT_ALL, "n") == [str(expected)]


def test_serve_help_lists_host_and_port():
    done = subprocess.run([sys.executable, "-m", "ldpub.cli", "serve", "--help"], capture_output=True,
                          text=True, timeout=30)
    assert "--host" in done.stdout and "--port" in done.stdout and "FILE" in done.stdout


def test_make_serve_serves_on_the_host_and_port_given(tmp_path):
    """`make serve HOST=… PORT=…` (the README's command) answers there, and installs nothing:
    serving needs none of the test tools (no apt-get in what it would run)."""
    dry = subprocess.run(["make", "-n", "serve"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "ldpub serve" in dry.stdout and "apt-get" not in dry.stdout
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(["make", "--no-print-directory", "serve", "HOST=127.0.0.1", f"PORT={port}"],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK {}"}, timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None, (tmp_path / "serve.log").read_text()
                time.sleep(0.2)
        else:
            raise AssertionError("make serve did not answer in time")
        assert answer.status_code == 200 and answer.json()["boolean"] is True
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()
