"""Query worker processes: the time limit that actually frees the CPU.

pyoxigraph cannot cancel a query, so queries run in separate processes
("spawn"), each holding an in-memory snapshot of the store loaded from an
N-Quads dump the main process writes. A worker runs the query and serialises
the result itself; when the time limit passes, the main process kills that
worker (SIGKILL), answers with a timeout error and starts a replacement, so
other requests keep being served by the other workers meanwhile.

The main process talks to a worker over a plain blocking socket pair
(length-prefixed pickles): one send and one receive per query, each a single
system call, which is what a cheap query's round trip costs most. The time
limit is kept by a watchdog thread that wakes every `WATCHDOG_S` and kills
any worker whose query is past its deadline; the request thread waiting on
that worker then sees its socket close and answers with the timeout error.
"""

from __future__ import annotations

import multiprocessing
import pickle
import queue
import shutil
import socket
import struct
import tempfile
import threading
import time
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from graph.store import Store
from service.errors import ApiError
from service.executor import Answer, QueryRequest, execute

START_TIMEOUT_S = 120.0
WATCHDOG_S = 0.05
"""How often the watchdog looks for queries past their deadline (a query overruns by at most this)."""
_CONTEXT = multiprocessing.get_context("spawn")
_HEADER = struct.Struct("!I")
_SMALL = 1 << 16
"""Messages below this size go out in one write, header and payload together."""


def _send(sock: socket.socket, message: Any) -> None:
    """One pickled message, length-prefixed (a plain socket: cheaper per call than multiprocessing.Connection)."""
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    header = _HEADER.pack(len(payload))
    if len(payload) < _SMALL:
        sock.sendall(header + payload)
    else:
        sock.sendall(header)
        sock.sendall(payload)


def _read(sock: socket.socket, size: int, deadline: float | None) -> bytes:
    if deadline is not None:
        sock.settimeout(max(deadline - time.monotonic(), 1e-3))
    chunk = sock.recv(size)
    if not chunk:
        raise EOFError("the other end closed the socket")
    return chunk


def _recv(sock: socket.socket, deadline: float | None = None) -> Any:
    """The next message; past `deadline` (time.monotonic) TimeoutError, on a closed socket EOFError.

    The first read uses the timeout the caller set (a message usually arrives whole: one system call).
    """
    data = sock.recv(_SMALL)
    if not data:
        raise EOFError("the other end closed the socket")
    while len(data) < _HEADER.size:
        data += _read(sock, _SMALL, deadline)
    end = _HEADER.size + _HEADER.unpack_from(data)[0]
    if len(data) < end:
        parts, have = [data], len(data)
        while have < end:
            chunk = _read(sock, min(end - have, 1 << 20), deadline)
            parts.append(chunk)
            have += len(chunk)
        data = b"".join(parts)
    return pickle.loads(memoryview(data)[_HEADER.size : end])


def _worker_main(snapshot: str, sock: socket.socket) -> None:
    """Worker loop: load the snapshot, then answer each request (QueryRequest fields) with
    ("ok", (body, media type, truncated)) or ("error", (status, title, message, details))."""
    import pyoxigraph as ox

    from graph.store import OxigraphStore

    oxstore = ox.Store()
    oxstore.bulk_load(path=snapshot, format=ox.RdfFormat.N_QUADS)
    store = OxigraphStore(oxstore)
    _send(sock, ("ready", None))
    while True:
        try:
            fields = _recv(sock)
        except (EOFError, OSError):
            return
        try:
            answer = execute(store, QueryRequest(**fields))
            reply: tuple[str, Any] = ("ok", (answer.body, answer.media_type, answer.truncated))
        except ApiError as error:
            reply = ("error", (error.status, error.title, error.message, error.details))
        except Exception as error:  # noqa: BLE001 - reported to the main process as a 400, never a crash
            reply = ("error", (400, "Query evaluation failed", str(error), {}))
        try:
            _send(sock, reply)
        except OSError:
            return


class Worker:
    """One worker process and the main process's end of its socket pair."""

    def __init__(self, snapshot: Path) -> None:
        self.lock = threading.Lock()
        self.deadline: float | None = None
        """When the query it runs must be done (time.monotonic), None while idle."""
        self.expired = False
        """Set (under `lock`) by the watchdog when it killed this worker for overrunning."""
        self.sock, child = socket.socketpair()
        self.process: BaseProcess = _CONTEXT.Process(
            target=_worker_main, args=(str(snapshot), child), name="coopgraph-query-worker", daemon=True
        )
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float) -> None:
        try:
            self.sock.settimeout(timeout)
            ready = _recv(self.sock, time.monotonic() + timeout)[0] == "ready"
            self.sock.settimeout(None)  # blocking from now on: the watchdog keeps the time limit
        except (EOFError, OSError, pickle.UnpicklingError):
            ready = False
        if not ready:
            self.kill()
            raise RuntimeError("a query worker failed to start")

    def ask(self, request: QueryRequest, deadline: float) -> tuple[str, Any]:
        """Send one request and wait for its reply: (status, payload); status "timeout" when the watchdog
        killed the worker past `deadline`, "crashed" when the worker died otherwise."""
        self.deadline = deadline
        try:
            _send(self.sock, vars(request))
            status, payload = _recv(self.sock)
        except (EOFError, OSError, pickle.UnpicklingError):
            status, payload = "crashed", None
        with self.lock:
            self.deadline = None
            if self.expired:  # killed past its deadline, even if a reply slipped out first
                return "timeout", None
        return status, payload

    def expire(self, now: float) -> None:
        """Kill the worker if its query is past its deadline (the watchdog's check)."""
        with self.lock:
            if self.deadline is not None and now >= self.deadline and not self.expired:
                self.expired = True
                self.process.kill()

    def kill(self) -> None:
        """SIGKILL: the only way to stop a running pyoxigraph query."""
        self.process.kill()
        self.process.join(timeout=5)
        self.sock.close()


class WorkerPool:
    """`size` workers over a snapshot of `store`; `run` enforces `timeout_s` per query."""

    def __init__(self, store: Store, *, size: int, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.size = size
        self.generation = 0
        self._folder = Path(tempfile.mkdtemp(prefix="coopgraph-snapshot-"))
        self._idle: queue.SimpleQueue[Worker] = queue.SimpleQueue()  # in C: no Python-level lock per get/put
        self._idle_set: set[Worker] = set()
        """The idle workers, for `pids` (a SimpleQueue cannot be looked into)."""
        self._lock = threading.Lock()
        self._closed = False
        self._all: set[Worker] = set()
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self.refresh(store)
        self._watchdog = threading.Thread(target=self._watch, name="coopgraph-query-watchdog", daemon=True)
        self._watchdog.start()

    def _watch(self) -> None:
        """Every WATCHDOG_S, kill the workers whose query is past its deadline."""
        while not self._stop.wait(WATCHDOG_S):
            now = time.monotonic()
            for worker in list(self._all):
                if worker.deadline is not None:
                    worker.expire(now)

    def _put_idle(self, worker: Worker) -> None:
        self._idle_set.add(worker)
        self._idle.put(worker)

    def _get_idle(self, timeout: float) -> Worker:
        worker = self._idle.get(timeout=timeout)
        self._idle_set.discard(worker)
        return worker

    def refresh(self, store: Store) -> None:
        """Write a new snapshot generation and replace every worker (for writes, later)."""
        with self._lock:
            self.generation += 1
            snapshot = self._folder / f"snapshot-{self.generation}.nq"
            snapshot.write_bytes(store.dump(format="nquads"))
            self.snapshot = snapshot
            old = []
            while True:
                try:
                    old.append(self._get_idle(timeout=0))
                except queue.Empty:
                    break
            fresh = [Worker(snapshot) for _ in range(self.size)]
            self._all.update(fresh)
            for worker in fresh:
                worker.wait_ready(START_TIMEOUT_S)
                self._put_idle(worker)
        for worker in old:
            self._kill(worker)

    def pids(self) -> list[int]:
        """The idle workers' process ids (for tests and diagnostics)."""
        return [w.process.pid for w in list(self._idle_set) if w.process.pid is not None]

    def run(self, request: QueryRequest) -> Answer:
        """Run on a free worker; past the time limit, kill it, start a replacement and raise a 503."""
        deadline = time.monotonic() + self.timeout_s
        try:
            worker = self._get_idle(timeout=self.timeout_s)
        except queue.Empty:
            raise self._timeout("no query worker became free within the time limit") from None
        status, payload = worker.ask(request, deadline)
        if status == "ok":
            self._put_idle(worker)
            body, media_type, truncated = payload
            return Answer(body, media_type, truncated)
        if status == "error":
            self._put_idle(worker)
            code, title, message, details = payload
            raise ApiError(code, title, message, **details)
        self._kill(worker)
        self._replace()
        if status == "crashed":
            raise ApiError(503, "Query worker failed", "the query worker stopped; please retry")
        raise self._timeout(f"the query ran longer than the time limit ({self.timeout_s:g} s) and was stopped")

    def _replace(self) -> None:
        """Start a replacement worker in the background (the timed-out client is not kept waiting)."""

        def start() -> None:
            with self._lock:
                if self._closed:
                    return
                worker = Worker(self.snapshot)
                self._all.add(worker)
            try:
                worker.wait_ready(START_TIMEOUT_S)
            except RuntimeError:
                return
            with self._lock:
                if self._closed:
                    self._kill(worker)
                else:
                    self._put_idle(worker)

        thread = threading.Thread(target=start, name="coopgraph-worker-replacement", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _kill(self, worker: Worker) -> None:
        self._all.discard(worker)
        worker.kill()

    def _timeout(self, message: str) -> ApiError:
        return ApiError(503, "Query timeout", message, timeout_s=self.timeout_s)

    def close(self) -> None:
        """Stop every worker (and any replacement being started), then remove the snapshots."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
        self._stop.set()
        self._watchdog.join(timeout=5)
        for worker in workers:
            self._kill(worker)
        for thread in self._threads:
            thread.join(timeout=30)
        shutil.rmtree(self._folder, ignore_errors=True)
