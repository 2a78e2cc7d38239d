"""Long queries are sealed in a process of their own. The seal is linear, but 64 KB of hostile
text is still tens of milliseconds of pure Python, and in a thread of the server it holds the
GIL that every other request needs: under that one attack the soak measured the innocent
clients' p99 at 4x its quiet value, and the server's memory grew by the lexer's token lists.

The process starts with the first long query (most servers never see one) and is started again
after it dies."""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ldpub.errors import Unavailable
from ldpub.query.seal import Prefixes, Verdict, inspect_query


class SealProcess:
    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    async def inspect(self, query: str, predeclared: Prefixes, base: str | None) -> Verdict:
        """inspect_query(query, predeclared, base), evaluated in the seal's process."""
        if self._pool is None:
            # spawn, not fork: the server has threads, and a forked child would inherit their locks.
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, inspect_query, query,
                                                                    predeclared, base)
        except BrokenProcessPool:
            self._pool = None
            raise Unavailable("The query checker stopped while checking this query; retry",
                              headers={"Retry-After": "1"}) from None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
