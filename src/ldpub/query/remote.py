"""The remote executor: /sparql's checked queries forwarded to a SPARQL 1.1 endpoint (`store = URL`).

Same contract as the worker pool (ldpub.query.executor.QueryExecutor): the query arrives sealed (no
SERVICE, no update, no LOAD: refused before), the time limit is passed on (`timeout`, in ms, which
Virtuoso reads; Oxigraph ignores it) and enforced here by closing the connection, which cancels the
request; the answer is read as a stream and cut at result_limit rows and about result_max_bytes,
then written in the format asked, by the same writer as the workers'. Remote failures become
domain errors (StoreUnavailable, QuerySyntaxError, QueryTimeout), never a traceback.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections import Counter

import aiohttp
import pyoxigraph as ox

from ldpub.errors import QuerySyntaxError, QueryTimeout, StoreUnavailable, Unavailable
from ldpub.formats import RESULT_TYPES
from ldpub.query.executor import CachingExecutor, QueryExecutor, QueryJob, Result, syntax_error
from ldpub.query.protocol import predeclared, query_base
from ldpub.query.results import write_answer
from ldpub.remote import N_TRIPLES, VIRTUOSO_ASK, XML_RESULTS, credentials, describe_failure
from ldpub.settings import Settings
from ldpub.void import Statistics

# Virtuoso's "anytime query" state: the `timeout` passed, the results are incomplete.
VIRTUOSO_INCOMPLETE = "S1TAT"
# Read past the byte budget by this factor before cutting: the wire format (XML, N-Triples) is
# wordier than what the budget counts.
WIRE_FACTOR = 4
# Only a query that says GRAPH can see a named graph. The word anywhere (in a literal, a comment, an
# IRI) counts too: that costs bytes, never a different answer.
SAYS_GRAPH = re.compile(r"graph|\\u", re.IGNORECASE)  # \u too: SPARQL reads \uXXXX escapes before parsing


def prologue(settings: Settings) -> str:
    """BASE and the predeclared prefixes, written out: a remote engine knows neither. The query's
    own BASE and PREFIX come after them in the prologue, so they win (SPARQL 1.1, 4.1.1)."""
    lines = [f"BASE <{query_base(settings)}>"]
    lines += [f"PREFIX {name}: <{iri}>" for name, iri in predeclared(settings)]
    return "\n".join(lines) + "\n"


class RemoteExecutor:
    """Up to max_concurrent queries at once to the remote store (one HTTP connection each); a
    client runs at most client_concurrent, with client_queued more waiting: beyond, 503."""

    def __init__(self, settings: Settings, url: str, stats: Statistics) -> None:
        self.settings = settings
        self.url = url
        self.stats = stats
        self.named = sorted(stats.graph_names)
        self.prologue = prologue(settings)
        self.slots = asyncio.Semaphore(settings.max_concurrent)
        self.waiting = 0
        self.mine: Counter[str] = Counter()
        self.per_client: dict[str, asyncio.Semaphore] = {}
        self.client: aiohttp.ClientSession | None = None

    def cached(self, job: QueryJob) -> Result | None:
        return None

    async def start(self) -> None:
        # aiohttp, not httpx's async client: 0.5 ms less per query, 1 to 2 ms less on one that
        # takes the store 10 ms (README, "Dependencies and why").
        given = credentials(self.settings)
        digest = given is not None and self.settings.store_auth == "digest"
        self.client = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self.settings.max_concurrent),
            auth=aiohttp.BasicAuth(*given) if given and not digest else None,
            middlewares=(aiohttp.DigestAuthMiddleware(*given, preemptive=False),) if given and digest else (),
            timeout=aiohttp.ClientTimeout(total=self.settings.query_timeout + 5), trust_env=False)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()

    def params(self, job: QueryJob) -> list[tuple[str, str]]:
        data = [("query", self.prologue + job.query), ("timeout", str(int(self.settings.query_timeout * 1000)))]
        default, named = list(job.default_graphs), list(job.named_graphs)
        if self.settings.store_default_graph and not (default or named):
            # The store's default graph is the union of all its graphs (Virtuoso): name ours, and our
            # named graphs only when the query can see them (60 bytes each: 2.5 MB at 41k graphs).
            default = [self.settings.iris.store_default_graph]
            named = self.named if SAYS_GRAPH.search(job.query) else []
        if default or named:
            data += [("default-graph-uri", g) for g in default or [self.settings.iris.graph("none")]]
            data += [("named-graph-uri", g) for g in named]
        return data

    async def execute(self, job: QueryJob, client: str = "") -> Result:
        settings = self.settings
        if self.mine[client] >= settings.client_concurrent + settings.client_queued:
            raise Unavailable("Too many queries from your address at once: retry shortly",
                              headers={"Retry-After": "1"})
        if self.waiting >= settings.max_queued and self.slots.locked():
            raise Unavailable("Too many queries at once: retry shortly", headers={"Retry-After": "1"})
        self.mine[client] += 1
        own = self.per_client.setdefault(client, asyncio.Semaphore(settings.client_concurrent))
        self.waiting += 1
        try:
            async with asyncio.timeout(settings.query_timeout):
                # Its own turn first: one client never holds more than client_concurrent slots.
                async with own, self.slots:
                    self.waiting -= 1
                    try:
                        return await self._forward(job)
                    finally:
                        self.waiting += 1
        except TimeoutError:
            # Leaving the stream's block closed the connection: the remote request is cancelled.
            raise QueryTimeout(f"Query time limit hit: stopped after {settings.query_timeout:g} s (query_timeout)",
                               headers={"X-SPARQL-Timeout": f"{settings.query_timeout:g}"}) from None
        finally:
            self.waiting -= 1
            self.mine[client] -= 1
            if not self.mine[client]:
                del self.mine[client]
                del self.per_client[client]

    async def _forward(self, job: QueryJob) -> Result:
        assert self.client is not None, "start() first"
        select = job.media_type in RESULT_TYPES
        accept = XML_RESULTS if select else N_TRIPLES
        wire_budget = job.max_bytes * WIRE_FACTOR + (1 << 20)
        chunks: list[bytes] = []
        size, cut = 0, False
        try:
            async with self.client.post(self.url, data=self.params(job), headers={"Accept": accept}) as response:
                if response.status >= 400:
                    raise self._refusal(response.status, await response.text(errors="replace"))
                if response.headers.get("x-sql-state") == VIRTUOSO_INCOMPLETE:
                    # Virtuoso stopped at our `timeout` and answers 200 with what it had: not an answer.
                    raise TimeoutError
                async for chunk in response.content.iter_any():
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > wire_budget:  # enough: stop reading, the connection is closed
                        cut = True
                        response.close()
                        break
        except aiohttp.ClientError as exc:
            raise StoreUnavailable(f"The store behind this endpoint failed: {describe_failure(self.url, exc)}",
                                   headers={"Retry-After": "5"}) from None
        body = b"".join(chunks)
        truncated, answer = self._rewrite(body, select, job)
        return Result(answer, truncated or cut)

    def _refusal(self, status: int, text: str) -> Exception:
        if status == 400:
            message = " ".join(text.split())[:500]
            # Line numbers of the query as the client wrote it, not after our prologue.
            shift = self.prologue.count("\n")
            message = re.sub(r"error at (\d+):(\d+)", lambda m: f"error at {max(1, int(m[1]) - shift)}:{m[2]}", message)
            error = syntax_error(message)
            return QuerySyntaxError(error.message.replace("Query syntax error", "The store refused the query", 1),
                                    detail=error.detail)
        return StoreUnavailable(f"The store behind this endpoint failed: {describe_failure(self.url, status=status, text=text)}",
                                headers={"Retry-After": "5"})

    def _rewrite(self, body: bytes, select: bool, job: QueryJob) -> tuple[bool, bytes]:
        """The remote answer (maybe cut mid-way) parsed as it streams and written like a local one."""
        try:
            if select:
                parsed = ox.parse_query_results(io.BytesIO(body), format=ox.QueryResultsFormat.XML)
                if isinstance(parsed, ox.QuerySolutions) and [v.value for v in parsed.variables] == [VIRTUOSO_ASK]:
                    row = next(iter(parsed), None)
                    parsed = ox.parse_query_results(
                        b"true" if row is not None and row[0] is not None and row[0].value not in ("0", "false")
                        else b"false", format=ox.QueryResultsFormat.TSV)
                    assert isinstance(parsed, ox.QueryBoolean)
                return write_answer(_Partial(parsed) if isinstance(parsed, ox.QuerySolutions) else parsed,
                                    job.media_type, job.limit, job.max_bytes)
            triples = _triples(body)
            return write_answer(triples, job.media_type, job.limit, job.max_bytes)
        except (SyntaxError, ValueError) as exc:
            raise StoreUnavailable(f"The store's answer could not be read: {exc}", headers={"Retry-After": "5"}) from None


class _Partial:
    """A QuerySolutions whose input may end mid-way (cut by the byte bound): rows up to the cut."""

    def __init__(self, solutions: ox.QuerySolutions) -> None:
        self.solutions = solutions
        self.variables = solutions.variables

    def __iter__(self):  # type: ignore[no-untyped-def]
        try:
            yield from self.solutions
        except SyntaxError:
            return


def _triples(body: bytes) -> list[ox.Triple]:
    """N-Triples up to the last complete line (the body may have been cut)."""
    end = body.rfind(b"\n")
    whole = body[:end + 1] if end >= 0 else b""
    return [q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(whole, format=ox.RdfFormat.N_TRIPLES)]


def make_remote_executor(settings: Settings, url: str, stats: Statistics) -> QueryExecutor:
    """The remote executor, behind the result cache unless result_cache = 0 (exact while the
    remote data does not change under the server: reload means restart)."""
    remote = RemoteExecutor(settings, url, stats)
    return CachingExecutor(remote, max_entries=settings.result_cache) if settings.result_cache > 0 else remote
