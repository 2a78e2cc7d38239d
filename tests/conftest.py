"""Shared pytest fixtures. Keep them generic; add new ones below (append, don't rewrite)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from ldpub.build.dataset import BuildResult, build_dataset
from ldpub.build.sources import load_sources
from ldpub.settings import Settings, load_settings
from ldpub.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ServedProcess:
    url: str  # base URL, e.g. http://127.0.0.1:PORT
    proc: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def serve_process(
    files: list[Path | str], env: dict[str, str] | None = None, log_dir: Path | None = None,
    timeout: float = 30.0,
) -> Iterator[ServedProcess]:
    """`ldpub serve` on a free loopback port as a subprocess (its own process group); yields once
    it answers a query, and kills the whole group (server and query workers) afterwards."""
    port = free_port()
    log_dir = log_dir or ROOT / "tests" / "artifacts"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"serve-{port}.log"
    full_env = {**os.environ, "LDPUB_ROOT": str(ROOT), **(env or {})}
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ldpub.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
             *map(str, files)],
            env=full_env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
    served = ServedProcess(f"http://127.0.0.1:{port}", proc, log_path)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"ldpub serve exited with {proc.returncode}:\n{served.log()}")
            try:
                if httpx.get(served.url + "/sparql", params={"query": "ASK {}"}, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"ldpub serve not ready after {timeout} s:\n{served.log()}")
            time.sleep(0.05)
        yield served
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# Settings of the endpoint test server: small limits so the limit tests run fast.
ENDPOINT_TEST_ENV = {
    "LDPUB_QUERY_TIMEOUT": "2",
    "LDPUB_RESULT_LIMIT": "20",
    "LDPUB_MAX_QUERY_LENGTH": "4096",
    "LDPUB_MAX_CONCURRENT": "4",
    "LDPUB_MAX_QUEUED": "64",
    # These tests send everything from one address: let it use the whole pool.
    "LDPUB_CLIENT_CONCURRENT": "4",
    "LDPUB_CLIENT_QUEUED": "64",
    "LDPUB_SERVICE_ALLOWLIST": "",
}


@pytest.fixture(scope="session")
def endpoint() -> Iterator[ServedProcess]:
    """The endpoint serving tests/fixtures/endpoint.trig (session-wide, real uvicorn)."""
    with serve_process([FIXTURES / "endpoint.trig"], ENDPOINT_TEST_ENV) as served:
        yield served


# ---------------------------------------------------------------- Wikidata stand-in (issue 5, tests/test_linking*.py)
WIKIDATA_FIXTURE = FIXTURES / "wikidata" / "wikidata.ttl"


@pytest.fixture(scope="session")
def wikidata_stand_in(tmp_path_factory) -> Iterator[str]:
    """SPARQL URL of a local `oxigraph serve-read-only` loaded with tests/fixtures/wikidata/wikidata.ttl:
    a real SPARQL server in Wikidata's data model, on loopback (never the internet)."""
    exe = Path(sys.executable).parent / "oxigraph"
    if not exe.exists():
        pytest.skip("the oxigraph CLI is not installed in the venv (pip install oxigraph)")
    store = tmp_path_factory.mktemp("wikidata-store")
    subprocess.run([exe, "load", "--location", store, "--file", WIKIDATA_FIXTURE], check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen([exe, "serve-read-only", "--location", store, "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/query"
    try:
        wait_for_sparql(url, proc, 15, "oxigraph serve-read-only")
        yield url
    finally:
        stop(proc)


# ---------------------------------------------------------------- build and dumps (tests/test_build*.py, test_dumps*.py, test_queries*.py)
@pytest.fixture(scope="session")
def ldpub_settings():

    return load_settings(ROOT)


@pytest.fixture(scope="session")
def build_result(tmp_path_factory, ldpub_settings):
    """`build_dataset` run once per session into a temporary folder (never the real dist/)."""

    return build_dataset(ldpub_settings, tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def built_quads(ldpub_settings) -> set:
    """The built dataset (materialised, all graphs) as a set of pyoxigraph quads."""

    return set(load_sources(ldpub_settings).dataset)


# ---------------------------------------------------------------- linked-data site (issue 4, tests/test_pages*.py, tests/test_browser*.py)
SITE_FIXTURE = FIXTURES / "site" / "dataset.trig"  # follows docs/modelling.md; has a hostile label
SITE_ENV = {"LDPUB_DATA_DIR": str(FIXTURES / "site")}  # its example queries: tests/fixtures/site/queries


class NoQueries:
    """Executor stand-in for in-process page tests (they never run SPARQL)."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def cached(self, job):
        return None

    async def execute(self, job, client=""):
        raise RuntimeError("no SPARQL in page tests")


def site_client(files: list[Path], **overrides):
    """A TestClient on create_app(files) with the real routes and no query workers."""

    # the client stands where a local reverse proxy would, so its X-Forwarded-* headers are believed
    return TestClient(create_app(load_settings(ROOT, **overrides), files, executor=NoQueries()),
                      client=("127.0.0.1", 50000))


@pytest.fixture(scope="session")
def site_server() -> Iterator[ServedProcess]:
    """`ldpub serve tests/fixtures/site/dataset.trig` (session-wide, real uvicorn)."""
    with serve_process([SITE_FIXTURE], SITE_ENV) as served:
        yield served


@pytest.fixture(scope="session")
def dist_server(build_result) -> Iterator[ServedProcess]:
    """`ldpub serve` of the freshly built dataset, its dumps under /download/."""
    with serve_process([build_result.out_dir / "dataset.trig"], {"LDPUB_DIST_DIR": str(build_result.out_dir)}) as served:
        yield served


# ---------------------------------------------------------------- faults (tests/test_build_atomic.py, tests/test_input_faults.py)
def copy_project(dest: Path) -> Path:
    """A project of its own to break: what a build reads (ontology/, data/, seeds/, ldpub.toml).
    Run the CLI on it with LDPUB_ROOT=dest."""
    dest.mkdir(parents=True)
    for name in ("ontology", "data", "seeds"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copy(ROOT / "ldpub.toml", dest / "ldpub.toml")
    return dest


def run_ldpub(root: Path, *args: str, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    """`python -m ldpub.cli ARGS` on the project at root, output captured as text."""
    return subprocess.run([sys.executable, "-m", "ldpub.cli", *args], env={**os.environ, "LDPUB_ROOT": str(root)},
                          capture_output=True, text=True, timeout=timeout, **kwargs)


# ---------------------------------------------------------------- a publication of two articles (issue 11)
# The one place that says what makes it: the shipped project, plus the second (test) article in the
# compact form and a status with no colour (the site's fallback; used by no claim).
SECOND_ARTICLE = FIXTURES / "second-article" / "fall-of-karim-masimov"
SECOND_ARTICLE_IRI = "https://w3id.org/kz-masimov/id/article/fall-of-karim-masimov"
UNCOLOURED_STATUS = FIXTURES / "second-article" / "uncoloured-status.ttl"


@dataclass
class TwoArticles:
    settings: Settings  # of the temporary project; settings.dist_path is the build
    build: BuildResult


@pytest.fixture(scope="session")
def two_articles(tmp_path_factory) -> TwoArticles:
    """The real data plus the second article, built into a temporary project's dist/ (never the real one)."""
    root = copy_project(tmp_path_factory.mktemp("two-articles") / "project")
    shutil.copytree(SECOND_ARTICLE, root / "data" / "articles" / SECOND_ARTICLE.name)
    shutil.copy(UNCOLOURED_STATUS, root / "data" / UNCOLOURED_STATUS.name)
    settings = load_settings(root)
    return TwoArticles(settings, build_dataset(settings, settings.dist_path))


@pytest.fixture(scope="session")
def two_article_publication(two_articles) -> Settings:
    """The settings of the two-article project (its dist/ is built)."""
    return two_articles.settings


@pytest.fixture(scope="session")
def two_articles_server(two_articles) -> Iterator[ServedProcess]:
    """`ldpub serve` (real uvicorn) of the two-article build."""
    with serve_process([two_articles.settings.dist_path / "dataset.trig"],
                       {"LDPUB_ROOT": str(two_articles.settings.root)}) as served:
        yield served


# ---------------------------------------------------------------- real stores (issue 12, tests/test_stores.py)
@dataclass
class RealStore:
    """A SPARQL server the tests started: where to query it, where to load into it, and the
    environment `ldpub load` / `ldpub serve` need to talk to it."""

    name: str
    query_url: str
    update_url: str
    env: dict[str, str]
    proc: subprocess.Popen


def wait_for_sparql(url: str, proc: subprocess.Popen, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            said = proc.stderr.read().decode(errors="replace")[:500] if proc.poll() is not None and proc.stderr else ""
            raise RuntimeError(f"{what} not serving at {url} (exit status {proc.poll()}) {said}")
        time.sleep(0.1)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory) -> Iterator[RealStore]:
    """`oxigraph serve` (PyPI's oxigraph, in the venv) on a free loopback port, empty, on disk in a
    temporary folder; read-write so that `ldpub load --into` can fill it."""
    exe = Path(sys.executable).parent / "oxigraph"
    if not exe.exists():
        pytest.fail("the oxigraph CLI is not installed in the venv: pip install -e '.[test]'")
    folder = tmp_path_factory.mktemp("oxigraph-server")
    port = free_port()
    # --timeout-s: Oxigraph reads no per-request time limit and does not stop a query whose client
    # left, so its own bound (query_timeout of the tests that use it + 1) ends what ldpub cancelled.
    proc = subprocess.Popen([exe, "serve", "--location", folder, "--bind", f"127.0.0.1:{port}", "--timeout-s", "3"],
                            stdout=subprocess.DEVNULL, stderr=(folder.parent / "oxigraph-server.log").open("wb"))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_sparql(base + "/query", proc, 20, "oxigraph serve")
        yield RealStore("oxigraph", base + "/query", base + "/update", {}, proc)
    finally:
        stop(proc)


VIRTUOSO = Path("/usr/bin/virtuoso-t")
VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{isql_port}
DirsAllowed = {dir}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
MaxClientConnections = 8
ServerThreads = 8
[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
"""


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory) -> Iterator[RealStore]:
    """Virtuoso open source 7.2 (Debian's virtuoso-opensource; `make sysdeps` installs it) from a
    temporary folder with its own virtuoso.ini: its own database files, loopback ports only,
    DirsAllowed that folder. Loaded through /sparql-auth (digest, the fresh database's dba/dba)."""
    if not VIRTUOSO.exists():
        pytest.fail("Virtuoso is not installed: apt-get install -y virtuoso-opensource (make sysdeps does it)")
    folder = tmp_path_factory.mktemp("virtuoso")
    http_port, isql_port = free_port(), free_port()
    (folder / "virtuoso.ini").write_text(VIRTUOSO_INI.format(dir=folder, isql_port=isql_port, http_port=http_port))
    proc = subprocess.Popen([VIRTUOSO, "+configfile", folder / "virtuoso.ini", "+foreground"], cwd=folder,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{http_port}"
    env = {"LDPUB_STORE_USER": "dba", "LDPUB_STORE_PASSWORD": "dba", "LDPUB_STORE_AUTH": "digest",
           "LDPUB_STORE_DEFAULT_GRAPH": "true"}
    try:
        wait_for_sparql(base + "/sparql", proc, 60, "virtuoso-t")
        yield RealStore("virtuoso", base + "/sparql", base + "/sparql-auth", env, proc)
    finally:
        stop(proc)
