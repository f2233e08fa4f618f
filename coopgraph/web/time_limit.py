"""The time limit on queries: past it the client gets a 503 `Query timeout`, and the CPU is freed.

pyoxigraph cannot cancel a query (it releases the GIL while it evaluates
one), so the limit is kept in one of two ways:

- Under `coopgraph serve` (coopgraph/web/prefork.py) the request thread runs the
  query itself. A watchdog thread of the process notices an overrun, answers
  that client through the server (the `ANSWER_KEY` callable the request
  process puts in the WSGI environ) and calls `on_overrun`, which retires the
  process: its exit frees the CPU. No hand-off on the request path: handing
  each query to another thread cost ~150 µs of CPU per query under load on
  two cores (GIL hand-offs), a fifth of a cheap query's whole cost.
- Anywhere else (the app embedded in another WSGI server, the test client)
  each request thread hands its query to a companion thread of its own and
  waits until the deadline; past it, it answers the 503 itself and calls
  `on_overrun` (there nothing can stop the query: a warning says so).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from coopgraph.core.store import Store
from coopgraph.web.errors import ApiError, error_document
from coopgraph.web.executor import Answer, QueryRequest, execute
from coopgraph.web.headers import completed
from coopgraph.web.prefork import ANSWER_KEY

WATCHDOG_S = 0.05
"""How often the watchdog looks for overruns: a query overruns its limit by at most this."""
TIMEOUT = (503, "Query timeout")

log = logging.getLogger(__name__)


def warn_overrun(timeout_s: float) -> None:
    """The default `on_overrun` outside `coopgraph serve`: nothing can stop the query, so say so."""
    log.warning(
        "a query ran past the time limit (%g s) and goes on in the background: "
        "only `coopgraph serve`, which recycles its request processes, frees that CPU",
        timeout_s,
    )


class TimeLimit:
    """Run queries within `timeout_s` seconds; `on_overrun(timeout_s)` is called after each overrun."""

    def __init__(self, timeout_s: float, on_overrun: Callable[[float], None] = warn_overrun) -> None:
        self.timeout_s = timeout_s
        self.on_overrun = on_overrun
        self._local = threading.local()
        self._watched: dict[_Watch, None] = {}
        """Queries running in request threads, for the watchdog (dict operations are atomic under the GIL)."""
        self._watchdog: threading.Thread | None = None
        self._watchdog_lock = threading.Lock()

    def run(self, store: Store, request: QueryRequest, environ: dict[str, Any] | None = None) -> Answer:
        """The query's answer, or its ApiError; past the time limit a 503 `Query timeout`.

        `environ` is the WSGI request's: when the server offers `ANSWER_KEY`,
        the query runs in this thread under the watchdog.
        """
        answer = environ.get(ANSWER_KEY) if environ is not None else None
        if answer is None:
            return self._run_on_companion(store, request)
        assert environ is not None
        watch = _Watch(time.monotonic() + self.timeout_s, answer, environ)
        self._ensure_watchdog()
        self._watched[watch] = None
        try:
            return execute(store, request)
        finally:
            if self._watched.pop(watch, False) is False:  # the watchdog took it: its client has the 503
                threading.Event().wait()  # this process is retiring; the answer must not be written twice

    def timeout_error(self) -> ApiError:
        return ApiError(*TIMEOUT, self._message(), timeout_s=self.timeout_s)

    def _message(self) -> str:
        return f"the query ran longer than the time limit ({self.timeout_s:g} s) and was stopped"

    # --- in the request thread, under the watchdog ---

    def _ensure_watchdog(self) -> None:
        if self._watchdog is None:
            with self._watchdog_lock:
                if self._watchdog is None:
                    self._watchdog = threading.Thread(target=self._watch, name="coopgraph-watchdog", daemon=True)
                    self._watchdog.start()

    def _watch(self) -> None:
        """Every WATCHDOG_S: answer the clients of overrunning queries, then report the overrun."""
        while True:
            time.sleep(WATCHDOG_S)
            now = time.monotonic()
            for watch in list(self._watched):
                if watch.deadline <= now and self._watched.pop(watch, False) is None:
                    self._answer_timeout(watch)
                    self.on_overrun(self.timeout_s)

    def _answer_timeout(self, watch: _Watch) -> None:
        status, title = TIMEOUT
        document = error_document(status, title, self._message(), timeout_s=self.timeout_s)
        body = (json.dumps(document, separators=(",", ":")) + "\n").encode()  # as Flask's jsonify writes it
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        try:
            watch.answer(watch.environ, "503 SERVICE UNAVAILABLE", completed(watch.environ, headers), body)
        except OSError as error:  # the client left: nothing to answer
            log.info("could not answer a timed-out request: %s", error)

    # --- on a companion thread ---

    def _run_on_companion(self, store: Store, request: QueryRequest) -> Answer:
        companion: _Companion | None = getattr(self._local, "companion", None)
        if companion is None:
            companion = self._local.companion = _Companion()
        companion.start(store, request)
        if not companion.done.acquire(timeout=self.timeout_s):
            self._local.companion = None  # still busy with the runaway query: the next query gets a new one
            self.on_overrun(self.timeout_s)
            raise self.timeout_error()
        outcome, companion.outcome = companion.outcome, None
        if isinstance(outcome, BaseException):
            raise outcome
        assert outcome is not None
        return outcome


class _Watch:
    """A query running in a request thread: its deadline, and how to answer its client from elsewhere."""

    __slots__ = ("answer", "deadline", "environ")

    def __init__(self, deadline: float, answer: Callable[..., None], environ: dict[str, Any]) -> None:
        self.deadline, self.answer, self.environ = deadline, answer, environ


class _Companion:
    """A thread that runs one query at a time for one request thread.

    pyoxigraph's result objects must be dropped in the thread that made them,
    so an error crosses over as a fresh exception, without the traceback whose
    frames hold them.
    """

    def __init__(self) -> None:
        self._go = threading.Lock()
        self._go.acquire()
        self.done = threading.Lock()
        self.done.acquire()
        self._job: tuple[Store, QueryRequest] | None = None
        self.outcome: Answer | BaseException | None = None
        threading.Thread(target=self._loop, name="coopgraph-query", daemon=True).start()

    def start(self, store: Store, request: QueryRequest) -> None:
        self._job = (store, request)
        self._go.release()

    def _loop(self) -> None:
        while True:
            self._go.acquire()
            assert self._job is not None
            store, request = self._job
            self._job = None
            try:
                self.outcome = execute(store, request)
            except ApiError as error:
                self.outcome = ApiError(error.status, error.title, error.message, **error.details)
            except BaseException as error:
                self.outcome = error.with_traceback(None)
                error.__context__ = error.__cause__ = None
            self.done.release()
