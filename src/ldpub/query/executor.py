"""Query execution behind a small interface, so that another store (a remote SPARQL endpoint)
can be plugged in: a QueryJob in, a Result or a domain error (ldpub.errors) out. No HTTP here.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

from ldpub.errors import QuerySyntaxError


@dataclass(frozen=True)
class QueryJob:
    query: str
    media_type: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    limit: int = 10000
    max_bytes: int = 16 << 20

    def message(self) -> bytes:
        protocol_dataset = bool(self.default_graphs or self.named_graphs)
        return json.dumps(
            {
                "q": self.query,
                "dg": list(self.default_graphs) if protocol_dataset else None,
                "ng": list(self.named_graphs) if protocol_dataset else None,
                "mt": self.media_type,
                "limit": self.limit,
                "max_bytes": self.max_bytes,
            }
        ).encode("utf-8")


@dataclass(frozen=True)
class Result:
    body: bytes
    truncated: bool = False


class QueryExecutor(Protocol):
    """Runs QueryJobs. `client` names who asks (an address), for fairness between clients; an
    execution cancelled (the client left) stops evaluating."""

    async def start(self) -> None: ...

    async def execute(self, job: QueryJob, client: str = "") -> Result: ...

    def cached(self, job: QueryJob) -> Result | None: ...

    async def close(self) -> None: ...


def syntax_error(message: str) -> QuerySyntaxError:
    """400 with the parser's message, and line/column pulled out when the message has them."""
    detail: dict[str, object] = {}
    # pyoxigraph says "error at LINE:COLUMN: expected ..."
    _head, sep, rest = message.partition("error at ")
    if sep:
        pos, _, _ = rest.partition(": ")
        line, _, column = pos.partition(":")
        if line.isdigit() and column.isdigit():
            detail = {"line": int(line), "column": int(column)}
            message = rest.partition(": ")[2]
    where = f" at line {detail['line']}, column {detail['column']}" if detail else ""
    return QuerySyntaxError(f"Query syntax error{where}: {message}", detail=detail)


class CachingExecutor:
    """Answers repeated identical jobs from memory. Exact, because the served files never change
    while the server runs; bounded by entry count and total bytes (answers and the query texts
    that key them: a stream of large distinct queries must not grow memory past the bound)."""

    def __init__(self, inner: QueryExecutor, max_entries: int = 512, max_bytes: int = 16 << 20) -> None:
        self.inner = inner
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.size = 0
        self.entries: OrderedDict[QueryJob, Result] = OrderedDict()

    async def start(self) -> None:
        await self.inner.start()

    async def close(self) -> None:
        await self.inner.close()

    def cached(self, job: QueryJob) -> Result | None:
        """The stored answer, without waiting: a hit needs no evaluation at all."""
        hit = self.entries.get(job)
        if hit is not None:
            self.entries.move_to_end(job)
        return hit

    async def execute(self, job: QueryJob, client: str = "") -> Result:
        hit = self.cached(job)
        if hit is not None:
            return hit
        result = await self.inner.execute(job, client)
        cost = _cost(job, result)
        if cost <= self.max_bytes // 8:
            self.entries[job] = result
            self.size += cost
            while len(self.entries) > self.max_entries or self.size > self.max_bytes:
                self.size -= _cost(*self.entries.popitem(last=False))
        return result


def _cost(job: QueryJob, result: Result) -> int:
    """Bytes an entry holds: the answer and everything that keys it (the query text and the
    protocol's graph IRIs, which a client chooses freely)."""
    return (len(result.body) + len(job.query) + len(job.media_type)
            + sum(len(g) for g in (*job.default_graphs, *job.named_graphs)))
