"""The embedded executor: each query runs in one of max_concurrent worker processes
(ldpub.query.worker). On the time limit the worker is SIGKILLed and replaced: the only real way
to cancel a pyoxigraph query.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import struct
import subprocess
import sys
from collections import Counter, deque
from collections.abc import Sequence
from pathlib import Path

from ldpub.errors import QueryEvaluationError, QueryTimeout, Unavailable
from ldpub.query.executor import (
    CachingExecutor,
    QueryExecutor,
    QueryJob,
    Result,
    syntax_error,
)
from ldpub.query.protocol import predeclared, query_base
from ldpub.query.worker import EVALUATION_ERROR, OK, READY, SYNTAX_ERROR
from ldpub.settings import Settings
from ldpub.store import DISK, StoreSpec

log = logging.getLogger("ldpub.store")
_LEN = struct.Struct(">I")
GROW_AFTER = 0.02  # seconds a request waits for a busy pool before another worker starts


def worker_command(files: Sequence[str | Path], settings: Settings) -> list[str]:
    """The worker's command line: offline unless SERVICE is allowlisted, memory capped."""
    flags = ["--offline"] if workers_offline(settings) else []
    flags += ["--memory-limit", str(settings.worker_memory_limit)]
    flags += ["--prefixes", json.dumps(dict(predeclared(settings))), "--base", query_base(settings)]
    return [sys.executable, "-m", "ldpub.query.worker", *flags, *(str(f) for f in files)]


def workers_offline(settings: Settings) -> bool:
    """With no SERVICE allowed, workers drop their network: a lexer gap cannot become an SSRF."""
    return not settings.service_allowlist


def prespawn(files: Sequence[str | Path], settings: Settings) -> subprocess.Popen:
    """Start the first worker before the event loop exists, so it loads the data while the main
    process is still importing the web stack (start-up time); WorkerPool adopts it."""
    return subprocess.Popen(worker_command(files, settings),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)


class _Adopted:
    """A subprocess.Popen seen through the few asyncio.subprocess.Process members Worker uses."""

    def __init__(self, popen: subprocess.Popen) -> None:
        self.popen = popen
        self.pid = popen.pid

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    def kill(self) -> None:
        self.popen.kill()

    async def wait(self) -> int:
        while self.popen.poll() is None:
            await asyncio.sleep(0.01)
        return self.popen.returncode


class Worker:
    """One worker process and its pipes."""

    def __init__(self, proc: asyncio.subprocess.Process | _Adopted, stdin: asyncio.StreamWriter,
                 stdout: asyncio.StreamReader) -> None:
        self.proc = proc
        self.stdin = stdin
        self.stdout = stdout

    @classmethod
    async def spawn(cls, files: list[str], settings: Settings) -> Worker:
        proc = await asyncio.create_subprocess_exec(
            *worker_command(files, settings), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        assert proc.stdin is not None and proc.stdout is not None
        try:
            return await cls(proc, proc.stdin, proc.stdout).ready()
        except BaseException:  # failed, or cancelled by close(): never leave the process behind
            if proc.returncode is None:
                proc.kill()
            raise

    @classmethod
    async def adopt(cls, popen: subprocess.Popen) -> Worker:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), popen.stdout)
        transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, popen.stdin)
        writer = asyncio.StreamWriter(transport, protocol, reader, loop)
        return await cls(_Adopted(popen), writer, reader).ready()

    async def ready(self) -> Worker:
        kind, _, body = await self.receive()
        if kind != READY:
            raise RuntimeError(f"query worker failed to start: {body[:200]!r}")
        return self

    async def receive(self) -> tuple[int, bool, bytes]:
        head = await self.stdout.readexactly(4)
        (size,) = _LEN.unpack(head)
        frame = await self.stdout.readexactly(size)
        return frame[0], bool(frame[1]), frame[2:]

    async def ask(self, message: bytes) -> tuple[int, bool, bytes]:
        self.stdin.write(_LEN.pack(len(message)) + message)
        await self.stdin.drain()
        return await self.receive()

    def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()


class WorkerPool:
    """Up to max_concurrent workers, started on demand (one at start-up: fast start, and memory
    only for the concurrency actually used); up to max_queued requests wait for one, beyond: 503.

    Fair between clients: one client runs at most client_concurrent queries and has at most
    client_queued waiting, and a freed worker goes to the waiting clients in turn, so that a
    client sending many slow queries delays another by one query slot at most."""

    def __init__(self, files: Sequence[str | Path], settings: Settings,
                 prespawned: subprocess.Popen | None = None) -> None:
        self.files = [str(f) for f in files]
        self.prespawned = prespawned
        self.settings = settings
        self.idle: list[Worker] = []
        self.workers: set[Worker] = set()
        self.size = 0  # workers alive or starting
        self.waiters: dict[str, deque[asyncio.Future[Worker]]] = {}  # per client, in turn order
        self.running: Counter[str] = Counter()
        self.closing = False  # close() began: no new query, no new worker
        self._tasks: set[asyncio.Task] = set()

    @property
    def waiting(self) -> int:
        return sum(len(q) for q in self.waiters.values())

    def cached(self, job: QueryJob) -> Result | None:
        return None

    async def start(self) -> None:
        self.size = 1
        if self.prespawned is not None:
            worker = await Worker.adopt(self.prespawned)
        else:
            worker = await Worker.spawn(self.files, self.settings)
        self.workers.add(worker)
        self._release(worker)

    async def close(self) -> None:
        """Kill every worker (the queries they run answer 503) and wait for them; idempotent."""
        self.closing = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)  # a worker being started is killed too
        workers = list(self.workers)
        for worker in workers:
            worker.kill()
        for queue in self.waiters.values():  # the requests waiting for a worker: 503
            for future in queue:
                if not future.done():
                    future.set_exception(self._stopped())
        self.waiters.clear()
        for worker in workers:
            await worker.proc.wait()
        self.workers.clear()

    def _stopped(self) -> Unavailable:
        return Unavailable("The server is shutting down: this query was stopped before it finished",
                           headers={"Retry-After": "5"})

    def _grow(self, reap: Worker | None = None) -> None:
        """Start one more worker in the background; it joins the idle queue when loaded."""
        self.size += 1

        async def spawn() -> None:
            if reap is not None:
                await reap.proc.wait()  # collect the killed process first
            try:
                worker = await Worker.spawn(self.files, self.settings)
            except (OSError, RuntimeError, asyncio.IncompleteReadError) as exc:
                self.size -= 1
                log.error("could not start a query worker: %s", exc)
                return
            self.workers.add(worker)
            self._release(worker)

        task = asyncio.get_running_loop().create_task(spawn())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _replace(self, worker: Worker) -> None:
        """Kill a worker (the real cancellation) and start its successor at once: the pool keeps
        its size, so the next query does not wait GROW_AFTER plus a data load for the slot that
        a timed-out or abandoned query freed (the innocent's p99 under attack, bench/soak.py)."""
        worker.kill()
        self.workers.discard(worker)
        self.size -= 1
        if not self.closing:
            self._grow(reap=worker)
        else:
            task = asyncio.get_running_loop().create_task(worker.proc.wait())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _death_cause(self, worker: Worker) -> str:
        """Why a worker's pipe closed mid-query, from its exit status, in words."""
        try:
            code = await asyncio.wait_for(worker.proc.wait(), 2)
        except TimeoutError:
            return "it stopped answering"
        if code == -signal.SIGKILL:
            return "killed by SIGKILL: the out-of-memory killer or an operator"
        if code == -signal.SIGABRT:
            return (f"it ran out of memory: worker_memory_limit is {self.settings.worker_memory_limit} MB "
                    "or the engine's stack overflowed")
        if code < 0:
            return f"killed by signal {signal.Signals(-code).name}"
        return f"it exited with status {code}"

    def _busy(self, message: str) -> Unavailable:
        return Unavailable(message, headers={"Retry-After": "1"})

    def _release(self, worker: Worker) -> None:
        """A worker is free: it joins the idle ones, and the waiting clients get theirs."""
        self.idle.append(worker)
        self._dispatch()

    def _dispatch(self) -> None:
        """Hand idle workers to the waiting clients in turn, skipping a client that already runs
        client_concurrent queries (its requests wait for one of its own to end)."""
        while self.idle:
            for client, queue in list(self.waiters.items()):
                while queue and queue[0].done():  # given up already
                    queue.popleft()
                if not queue:
                    del self.waiters[client]
                    continue
                if self.running[client] >= self.settings.client_concurrent:
                    continue
                future = queue.popleft()
                del self.waiters[client]  # to the back of the turn order
                if queue:
                    self.waiters[client] = queue
                self.running[client] += 1
                future.set_result(self.idle.pop())
                break
            else:
                return

    def _grow_if_waiting(self) -> None:
        if self.waiting and self.size < self.settings.max_concurrent and not self.closing:
            self._grow()

    async def _acquire(self, client: str) -> Worker:
        if self.closing:
            raise self._stopped()
        settings = self.settings
        mine = self.running[client] + len(self.waiters.get(client, ()))
        if mine >= settings.client_concurrent + settings.client_queued:
            raise self._busy(f"Too many queries from your address at once ({self.running[client]} running, "
                             f"{mine - self.running[client]} waiting; client_concurrent = "
                             f"{settings.client_concurrent}): retry shortly")
        future: asyncio.Future[Worker] = asyncio.get_running_loop().create_future()
        queue = self.waiters.setdefault(client, deque())
        queue.append(future)
        self._dispatch()
        if future.done():  # an idle worker was free for this client
            return future.result()
        if self.waiting > settings.max_queued:
            queue.remove(future)
            if not queue:
                del self.waiters[client]
            raise self._busy(f"Too many queries at once ({self.size} running, "
                             f"{self.waiting} waiting): retry shortly")
        if self.size < settings.max_concurrent:
            # Grow only when a request has really waited: short queries then share few workers
            # (memory), a long one gets company within GROW_AFTER.
            asyncio.get_running_loop().call_later(GROW_AFTER, self._grow_if_waiting)
        handed = False
        try:
            async with asyncio.timeout(settings.query_timeout):
                worker = await future
                handed = True
                return worker
        except TimeoutError:
            raise self._busy("The endpoint is busy: no query slot freed up in time") from None
        finally:
            if not handed:  # timed out or cancelled (the client left) while waiting
                pending = self.waiters.get(client)
                if pending is not None and future in pending:
                    pending.remove(future)
                    if not pending:
                        del self.waiters[client]
                if not future.done():
                    future.cancel()
                elif not future.cancelled() and future.exception() is None:
                    # handed a worker just as this request gave up: pass it on
                    self.running[client] -= 1
                    self._release(future.result())

    async def execute(self, job: QueryJob, client: str = "") -> Result:
        worker = await self._acquire(client)
        healthy = False
        try:
            async with asyncio.timeout(self.settings.query_timeout):
                kind, truncated, body = await worker.ask(job.message())
            healthy = True
        except TimeoutError:
            raise QueryTimeout(
                f"Query time limit hit: stopped after {self.settings.query_timeout:g} s "
                "(query_timeout)",
                headers={"X-SPARQL-Timeout": f"{self.settings.query_timeout:g}"},
            ) from None
        except (asyncio.IncompleteReadError, ConnectionError, BrokenPipeError):
            if self.closing:  # close() killed it: the server is stopping, the worker did nothing wrong
                raise self._stopped() from None
            cause = await self._death_cause(worker)
            log.error("query worker %s died during a query: %s", worker.proc.pid, cause)
            raise Unavailable(f"The query worker died during this query ({cause}); it has been replaced",
                              headers={"Retry-After": "1"}) from None
        finally:
            self.running[client] -= 1
            if not self.running[client]:
                del self.running[client]
            # Anything but a complete answer (a time-out, a client gone) leaves the worker in an
            # unknown state, maybe still evaluating: replace it.
            if healthy:
                self._release(worker)
            else:
                self._replace(worker)
                self._dispatch()  # this client may run another of its waiting queries
        if kind == OK:
            return Result(body, truncated)
        message = body.decode("utf-8", "replace")
        if kind == SYNTAX_ERROR:
            raise syntax_error(message)
        if kind == EVALUATION_ERROR:
            raise QueryEvaluationError(f"Query evaluation failed: {message}")
        raise Unavailable("The query evaluator answered unexpectedly")


def worker_files(spec: StoreSpec) -> list[Path]:
    """What the workers open: the files (each parses them) or the store folder (read-only)."""
    if spec.kind == DISK:
        assert spec.path is not None
        return [spec.path]
    return list(spec.files)


def make_executor(settings: Settings, files: Sequence[str | Path],
                  prespawned: subprocess.Popen | None = None) -> QueryExecutor:
    """The default executor: the worker pool, behind the result cache unless result_cache = 0."""
    pool = WorkerPool(files, settings, prespawned)
    return CachingExecutor(pool, max_entries=settings.result_cache) if settings.result_cache > 0 else pool
