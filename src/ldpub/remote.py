"""A remote SPARQL 1.1 store: how to reach it (URL, credentials from the environment, dialect) and
the few synchronous requests `ldpub load` and `ldpub serve` make to it. /sparql's queries go
through ldpub.query.remote (async, bounded, cancellable). Domain errors only (StoreError).

Credentials never come from the command line (they would show in `ps`) nor from ldpub.toml (often
committed): LDPUB_STORE_USER and LDPUB_STORE_PASSWORD, checked as `store_auth` says (basic or
digest: Virtuoso's /sparql-auth asks for digest).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import httpx
import pyoxigraph as ox

from ldpub.errors import StoreError
from ldpub.settings import Settings
from ldpub.store import ENV_PASSWORD, ENV_USER

XML_RESULTS = "application/sparql-results+xml"
N_TRIPLES = "application/n-triples"
# Virtuoso 7.2 answers ASK as a one-row SELECT of this variable (an integer 0/1), in every format.
VIRTUOSO_ASK = "__ASK_RETVAL"


def credentials(settings: Settings) -> tuple[str, str] | None:
    """(user, password) from LDPUB_STORE_USER / LDPUB_STORE_PASSWORD, or None when unset."""
    user, password = os.environ.get(ENV_USER), os.environ.get(ENV_PASSWORD)
    return (user, password or "") if user else None


def auth(settings: Settings) -> httpx.Auth | None:
    """The credentials, as `store_auth` says they are checked, for httpx (load and the pages)."""
    given = credentials(settings)
    if given is None:
        return None
    if settings.store_auth == "digest":
        return httpx.DigestAuth(*given)
    return httpx.BasicAuth(*given)


def describe_failure(url: str, exc: Exception | None = None, status: int = 0, text: str = "") -> str:
    """One line saying why a request to the store failed: unreachable, refused (an HTTP `status`
    with its `text`), or its message."""
    if status:
        if status in (401, 403):
            return (f"{url} refused our credentials (HTTP {status}): set {ENV_USER} and "
                    f"{ENV_PASSWORD} (and store_auth)")
        return f"{url} answered HTTP {status}: {' '.join(text.split())[:300]}"
    if isinstance(exc, (httpx.TimeoutException, TimeoutError)):
        return f"{url} did not answer in time"
    return f"{url} cannot be reached: {exc}"


@dataclass
class RemoteStore:
    """A SPARQL endpoint: `query_url` for queries, `update_url` for SPARQL Update (loading only)."""

    settings: Settings
    query_url: str
    update_url: str = ""
    timeout: float = 60.0

    def client(self) -> httpx.Client:
        return httpx.Client(auth=auth(self.settings), timeout=self.timeout, trust_env=False)

    def _post(self, client: httpx.Client, url: str, data: dict[str, str | list[str]], accept: str) -> httpx.Response:
        try:
            response = client.post(url, data=data, headers={"Accept": accept})
        except httpx.HTTPError as exc:
            raise StoreError(describe_failure(url, exc)) from None
        if response.status_code >= 400:
            raise StoreError(describe_failure(url, status=response.status_code, text=response.text))
        return response

    def select(self, client: httpx.Client, query: str) -> list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]]:
        """The rows of a SELECT query (small answers only: loading and start-up)."""
        response = self._post(client, self.query_url, {"query": query}, XML_RESULTS)
        try:
            solutions = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.XML)
        except SyntaxError as exc:
            raise StoreError(f"{self.query_url}: its answer is not SPARQL results XML: {exc}") from None
        assert isinstance(solutions, ox.QuerySolutions)
        names = [v.value for v in solutions.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in solutions]

    def count(self, client: httpx.Client, pattern: str) -> int:
        rows = self.select(client, f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
        return int(rows[0]["n"].value) if rows and "n" in rows[0] else 0

    def update(self, client: httpx.Client, update: str) -> None:
        # Virtuoso's /sparql-auth takes updates as `query`; SPARQL 1.1 endpoints as `update`.
        key = "query" if self.settings.store_default_graph else "update"
        self._post(client, self.update_url or self.query_url, {key: update}, XML_RESULTS)

    def check(self) -> None:
        """Reachable and answering SPARQL: else StoreError in one line."""
        with self.client() as client:
            self.select(client, "SELECT ?x WHERE { BIND(1 AS ?x) }")

    def metadata(self) -> dict:
        """What `ldpub load --into` stored in the metadata graph (StoreError when nothing was)."""
        graph = self.settings.iris.store_metadata
        with self.client() as client:
            rows = self.select(client, f"SELECT ?m WHERE {{ GRAPH <{graph}> {{ <{graph}> ?p ?m }} }}")
        if not rows:
            raise StoreError(f"{self.query_url}: holds no data loaded by `ldpub load --into` "
                             f"(no graph <{graph}>): load it first")
        try:
            return json.loads(rows[0]["m"].value)
        except ValueError:
            raise StoreError(f"{self.query_url}: the metadata in <{graph}> is not JSON; load again") from None


def insert_batches(quads: Iterable[ox.Quad], default_graph: str | None, size: int) -> Iterator[tuple[int, str]]:
    """INSERT DATA requests of about `size` quads each, with how many each holds. Default-graph
    quads go to `default_graph` when given (a store whose default graph is the union of all)."""
    batch: dict[str, list[str]] = {}
    count = 0
    for quad in quads:
        graph = default_graph if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        line = f"{quad.subject} {quad.predicate} {quad.object} ."  # pyoxigraph's str() is N-Triples syntax
        batch.setdefault(graph or "", []).append(line)
        count += 1
        if count >= size:
            yield count, _insert(batch)
            batch, count = {}, 0
    if count:
        yield count, _insert(batch)


def _insert(batch: dict[str, list[str]]) -> str:
    parts = [("\n".join(lines) if not graph else f"GRAPH <{graph}> {{\n" + "\n".join(lines) + "\n}")
             for graph, lines in batch.items()]
    return "INSERT DATA {\n" + "\n".join(parts) + "\n}"
