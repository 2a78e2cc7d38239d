"""Stopping without cutting answers: on SIGTERM (or Ctrl-C) `ldpub serve` drains.

    SIGTERM ─► drain begins: every new /sparql query answers 503 + Retry-After ("shutting down");
               the listener stays open, so a client gets that answer, not a refused connection
           ─► the /sparql requests in flight finish, for at most drain_timeout seconds
           ─► the server closes the listener, sends what is still being sent, and its lifespan
               kills the query workers; exit status 0
    past drain_timeout, or on a second signal, the queries still running are stopped (their
    workers killed) and answer 503 saying so. What follows the drain (answers still being sent,
    for up to timeout_graceful_shutdown = 2 s, then the workers killed) always runs, so no
    worker outlives the server.

`Drain` is the state the endpoint reads; `DrainingServer` is uvicorn's server with the drain in
front of its shutdown. uvicorn alone closes the listener at once, gives requests in flight
timeout_graceful_shutdown seconds before cancelling them (the client gets a 500), and then
re-raises the signal, so the process dies by SIGTERM (status -15) instead of exiting.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from types import FrameType

import uvicorn

from ldpub.errors import Unavailable
from ldpub.query.executor import QueryExecutor

log = logging.getLogger("ldpub.web")
RETRY_AFTER = "5"  # seconds: about what a restart takes


class Drain:
    """Whether the server is shutting down, and how many /sparql requests are in flight. Touched
    only on the event loop, but for begin(), which a signal handler calls (one assignment)."""

    def __init__(self) -> None:
        self.deadline: float | None = None
        self.in_flight = 0

    @property
    def draining(self) -> bool:
        return self.deadline is not None

    def begin(self, seconds: float) -> None:
        if self.deadline is None:
            self.deadline = time.monotonic() + seconds

    def overdue(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def check(self) -> None:
        """Unavailable (503) once the drain has begun: a new query is not evaluated."""
        if self.draining:
            raise Unavailable("The server is shutting down and takes no new queries: retry in a few seconds",
                              headers={"Retry-After": RETRY_AFTER})

    @contextlib.contextmanager
    def tracking(self) -> Iterator[None]:
        """Counts one request in flight, answer sent included."""
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1


class DrainingServer(uvicorn.Server):
    """uvicorn's server whose first SIGTERM or SIGINT starts the drain instead of the shutdown."""

    def __init__(self, config: uvicorn.Config, drain: Drain, executor: QueryExecutor, seconds: float) -> None:
        super().__init__(config)
        self.drain = drain
        self.executor = executor
        self.seconds = seconds
        self.announced = False
        self.stopped = False  # the drain is over: uvicorn's shutdown runs

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """Called in a signal handler. Unlike uvicorn's, it records no signal to re-raise at the
        end (the drained server exits with status 0), and never forces an exit that would skip
        the lifespan's shutdown, which kills the workers."""
        if not self.drain.draining:
            self.drain.begin(self.seconds)
        else:
            self.should_exit = True  # a second signal: stop draining

    async def on_tick(self, counter: int) -> bool:
        """Every 0.1 s (uvicorn's main loop): is the drain over?"""
        if self.drain.draining and not self.stopped:
            if not self.announced:
                self.announced = True
                log.info("shutting down: %d /sparql request(s) in flight may finish within %g s (drain_timeout); "
                         "new queries get 503", self.drain.in_flight, self.seconds)
            if self.drain.in_flight and (self.drain.overdue() or self.should_exit):
                log.warning("%s: stopping the %d request(s) still in flight",
                            "a second signal" if self.should_exit else f"drain_timeout ({self.seconds:g} s) passed",
                            self.drain.in_flight)
                await self.executor.close()  # their queries answer 503 (the pool is closing)
            if self.drain.in_flight == 0 or self.drain.overdue() or self.should_exit:
                self.stopped = True
                self.should_exit = True
        return await super().on_tick(counter)
