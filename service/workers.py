"""Query worker processes: the time limit that actually frees the CPU.

pyoxigraph cannot cancel a query, so queries run in separate processes
("spawn"), each holding an in-memory snapshot of the store loaded from an
N-Quads dump the main process writes. A worker runs the query and serialises
the result itself; when the time limit passes, the main process kills that
worker (SIGKILL), answers with a timeout error and starts a replacement, so
other requests keep being served by the other workers meanwhile.
"""

from __future__ import annotations

import multiprocessing
import queue
import shutil
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from graph.store import Store
from service.errors import ApiError
from service.executor import Answer, QueryRequest, execute

START_TIMEOUT_S = 120.0
_CONTEXT = multiprocessing.get_context("spawn")


def _worker_main(snapshot: str, conn: Connection) -> None:
    """Worker loop: load the snapshot, then answer (request) with ("ok", Answer) or ("error", fields)."""
    import pyoxigraph as ox

    from graph.store import OxigraphStore

    oxstore = ox.Store()
    oxstore.bulk_load(path=snapshot, format=ox.RdfFormat.N_QUADS)
    store = OxigraphStore(oxstore)
    conn.send(("ready", None))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", execute(store, request)))
        except ApiError as error:
            conn.send(("error", (error.status, error.title, error.message, error.details)))
        except Exception as error:  # noqa: BLE001 - reported to the main process as a 400, never a crash
            conn.send(("error", (400, "Query evaluation failed", str(error), {})))


class Worker:
    """One worker process and the main process's end of its pipe."""

    def __init__(self, snapshot: Path) -> None:
        self.conn, child = _CONTEXT.Pipe()
        self.process: BaseProcess = _CONTEXT.Process(
            target=_worker_main, args=(str(snapshot), child), name="coopgraph-query-worker", daemon=True
        )
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float) -> None:
        try:
            ready = self.conn.poll(timeout) and self.conn.recv()[0] == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.kill()
            raise RuntimeError("a query worker failed to start")

    def kill(self) -> None:
        """SIGKILL: the only way to stop a running pyoxigraph query."""
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class WorkerPool:
    """`size` workers over a snapshot of `store`; `run` enforces `timeout_s` per query."""

    def __init__(self, store: Store, *, size: int, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.size = size
        self.generation = 0
        self._folder = Path(tempfile.mkdtemp(prefix="coopgraph-snapshot-"))
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        self._all: set[Worker] = set()
        self._threads: list[threading.Thread] = []
        self.refresh(store)

    def refresh(self, store: Store) -> None:
        """Write a new snapshot generation and replace every worker (for writes, later)."""
        with self._lock:
            self.generation += 1
            snapshot = self._folder / f"snapshot-{self.generation}.nq"
            snapshot.write_bytes(store.dump(format="nquads"))
            self.snapshot = snapshot
            old = []
            while not self._idle.empty():
                old.append(self._idle.get_nowait())
            fresh = [Worker(snapshot) for _ in range(self.size)]
            self._all.update(fresh)
            for worker in fresh:
                worker.wait_ready(START_TIMEOUT_S)
                self._idle.put(worker)
        for worker in old:
            self._kill(worker)

    def pids(self) -> list[int]:
        """The idle workers' process ids (for tests and diagnostics)."""
        return [w.process.pid for w in list(self._idle.queue) if w.process.pid is not None]

    def run(self, request: QueryRequest) -> Answer:
        """Run on a free worker; past the time limit, kill it, start a replacement and raise a 503."""
        deadline = time.monotonic() + self.timeout_s
        try:
            worker = self._idle.get(timeout=self.timeout_s)
        except queue.Empty:
            raise self._timeout("no query worker became free within the time limit") from None
        try:
            worker.conn.send(request)
            if worker.conn.poll(max(deadline - time.monotonic(), 0.0)):
                status, payload = worker.conn.recv()
            else:
                status, payload = "timeout", None
        except (EOFError, OSError):
            status, payload = "crashed", None
        if status in ("ok", "error"):
            self._idle.put(worker)
            if status == "error":
                code, title, message, details = payload
                raise ApiError(code, title, message, **details)
            assert isinstance(payload, Answer)
            return payload
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
                    self._idle.put(worker)

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
        for worker in workers:
            self._kill(worker)
        for thread in self._threads:
            thread.join(timeout=30)
        shutil.rmtree(self._folder, ignore_errors=True)
