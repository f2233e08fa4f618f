"""The HTTP front of `coopgraph serve`: connections, limits, admission and the one time limit.

One asyncio process, never killed, that holds the on-disk store and runs no
query. It reads each request with h11 (a complete HTTP/1.1 parser), refuses
what breaks a limit before reading more of it, and hands the rest to a pool
of worker processes (coopgraph/web/workers.py), one request per worker at a
time. A worker is the only thing ever killed: past the time limit, or past
its memory, its client alone gets the answer (503, 507) and a fresh worker
is forked from the data holder in milliseconds. No neighbour's request is
ever lost with it, since a worker has no neighbours.

Limits on connections, like Oxigraph server's but tighter: at most
`max_connections` open (and `client_connections` from one address); a
request's head must arrive within HEADER_TIMEOUT_S and its body within
BODY_TIMEOUT_S; a kept-alive connection may idle IDLE_TIMEOUT_S; an answer
must be taken within SEND_TIMEOUT_S. A body whose Content-Length passes
`max_body_bytes` is refused before a byte of it is read.

Admission, per client address:

- A request that runs past LONG_AFTER_S becomes *long*. At most
  `long_workers` long requests run at once, each in a worker set to the
  lowest CPU priority (nice 19), so they cannot take the CPU from short
  ones. A request that turns long while those slots are taken is stopped at
  once: 503 with Retry-After.
- A client whose request overran the time limit, or was stopped that way,
  is *slow* for SLOW_PENALTY_S: its requests then run only in the long
  slots, one at a time; a second one gets 429 with Retry-After (as the
  Wikidata Query Service does), and one sent again before its Retry-After
  has passed waits TARPIT_S before that answer.
- Anyone else may have CLIENT_INFLIGHT requests queued or running at once.
- A request with a valid write token (coopgraph/web/writes.py) is never
  made long nor shed: writes are few and authenticated, and a write that
  validates a large record may take more than half a second.

The time limit is one path: a ticker (every TICK_S) looks at the running
requests; one past `query_timeout_s` has its worker killed and its client
answered 503. Every refusal is the service's JSON error, with the security
headers, in the client's language (Accept-Language), and echoes none of the
request.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

import h11

from coopgraph.core.loading import default_data_dir
from coopgraph.core.store import EngineError, OxigraphStore, SparqlStore
from coopgraph.core.vocab import Text
from coopgraph.core.writes.delta import Delta
from coopgraph.core.writes.journal import Journal
from coopgraph.core.writes.tokens import TokenBook, TokenError
from coopgraph.web.engine import EngineConfig
from coopgraph.web.errors import client_language, engine_error, error_document
from coopgraph.web.headers import COMMIT_HEADER, completed
from coopgraph.web.relay import EngineRelay
from coopgraph.web.workers import FRAME

log = logging.getLogger(__name__)

HEADER_TIMEOUT_S = 10.0
"""Most seconds from a connection's first byte (or from its first request) to the end of a request's head."""
IDLE_TIMEOUT_S = 15.0
"""Most seconds a kept-alive connection may wait for its next request."""
BODY_TIMEOUT_S = 30.0
"""Most seconds to receive a request's body."""
SEND_TIMEOUT_S = 60.0
"""Most seconds a client may take to receive an answer."""
MAX_HEAD_BYTES = 64 * 1024
"""Largest request line plus headers (431 past it)."""
LONG_AFTER_S = 0.5
"""A request running this long is a long request (see the module docstring)."""
SLOW_PENALTY_S = 60.0
"""Seconds a client stays slow after a request of its overran or was stopped."""
CLIENT_INFLIGHT = 16
"""Requests one (not slow) client may have queued or running at once."""
TARPIT_S = 1.0
"""Delay of a 429 to a client that came back before its Retry-After."""
TICK_S = 0.05
"""How often running and queued requests are checked against their limits."""
EXIT_WAIT_S = 2.0
"""Most seconds to wait for the holder's report of how a worker ended."""
MAX_CLIENTS = 65_536
"""Client addresses remembered (least recently seen forgotten first): a bounded table."""
ROOT = Path(__file__).resolve().parents[2]
"""The folder holding the `coopgraph` package, first on the holder's import path."""


class StartError(RuntimeError):
    """The service could not start (the message says why)."""


@dataclass
class Reply:
    """An answer to send: status, headers and the whole body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


class Client:
    """What the front remembers of one client address."""

    __slots__ = ("connections", "inflight", "retry_until", "slow_until")

    def __init__(self) -> None:
        self.connections = 0
        self.inflight = 0
        self.slow_until = 0.0
        self.retry_until = 0.0


class Clients:
    """Client addresses, at most MAX_CLIENTS; the least recently seen idle ones are forgotten first."""

    def __init__(self, limit: int = MAX_CLIENTS) -> None:
        self.limit = limit
        self._table: OrderedDict[str, Client] = OrderedDict()

    def __len__(self) -> int:
        return len(self._table)

    def get(self, key: str) -> Client:
        client = self._table.get(key)
        if client is None:
            client = self._table[key] = Client()
            if len(self._table) > self.limit:
                self._forget()
        else:
            self._table.move_to_end(key)
        return client

    def _forget(self) -> None:
        for key, client in list(self._table.items())[: len(self._table) // 8 + 1]:
            if not client.connections and not client.inflight:
                del self._table[key]


@dataclass(eq=False)
class Job:
    """A request read in full, waiting for (or running in) a worker."""

    head: dict[str, Any]
    body: bytes
    client: Client
    lang: str | None
    slow: bool
    future: asyncio.Future[Reply]
    queued_at: float
    trusted: bool = False
    """Sent with a valid write token: never shed as a long request (the time limit still holds)."""


@dataclass(eq=False)
class Worker:
    """A worker process as the front sees it."""

    pid: int
    pidfd: int | None
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    job: Job | None = None
    started: float = 0.0
    long: bool = False
    verdict: str | None = None
    """Why the front killed it mid-request: 'timeout' or 'shed'."""
    version: int = 0
    """The version of the data it holds (the journal's count of committed writes when it was forked)."""
    stale_since: int | None = None
    """The first write it applied without being able to patch its matching index (whose tables had to be built
    again): it serves that older index until the holder has built the new one, then a fork of the holder replaces
    it (`_replaceable`)."""


def error_reply(status: int, title: str, message: Text, lang: str | None, **details: Any) -> Reply:
    """The service's JSON error as a Reply (security headers are added when it is sent)."""
    document = error_document(status, title, message(lang or "en"), message_es=message.es, message_en=message.en)
    document["error"].update({key: value for key, value in details.items() if value is not None})
    body = json.dumps(document, separators=(",", ":")).encode() + b"\n"
    headers = [("Content-Type", "application/json")]
    if "retry_after_s" in details:
        headers.append(("Retry-After", str(int(details["retry_after_s"]))))
    return Reply(status, headers, body)


TIMEOUT = Text(
    "la consulta superó el tiempo límite ({limit:g} s) y se detuvo",
    "the query ran longer than the time limit ({limit:g} s) and was stopped",
)
BUSY = Text(
    "el servicio está ocupado con consultas largas; vuelva a intentarlo en {retry} s",
    "the service is busy with long-running queries; try again in {retry} s",
)
SLOW = Text(
    "una consulta suya superó hace poco el tiempo límite: mientras tanto, sus consultas se atienden de una en una; "
    "vuelva a intentarlo en {retry} s",
    "a query of yours recently overran the time limit: meanwhile your queries are run one at a time; "
    "try again in {retry} s",
)
TOO_MANY = Text(
    "demasiadas solicitudes suyas en curso (máximo {limit}); vuelva a intentarlo en {retry} s",
    "too many requests of yours in progress (at most {limit}); try again in {retry} s",
)
MEMORY = Text(
    "la consulta necesitó más memoria que su límite ({limit} MB) y se detuvo; acótela (LIMIT, FILTER)",
    "the query needed more memory than its limit ({limit} MB) and was stopped; narrow it (LIMIT, FILTER)",
)
CRASHED = Text(
    "el proceso que atendía la solicitud terminó de forma inesperada; se reemplazó",
    "the process serving the request ended unexpectedly; it was replaced",
)


UNKNOWN_OUTCOME = Text(
    "la escritura no se confirmó: el motor pudo aplicarla entera o no aplicarla (nunca a medias); "
    "lea los datos antes de reintentar",
    "the write was not acknowledged: the engine may have applied all of it or none of it (never a part); "
    "read the data before retrying",
)
CONFLICT = Text(
    "otra escritura cambió los mismos recursos mientras se preparaba esta; vuelva a leerlos y reintente",
    "another write changed the same resources while this one was being prepared; read them again and retry",
)
RECENT_WRITES = 1024
"""Committed writes whose changed resources the front remembers, to decide conflicts."""
LAST_SAVE_S = 60.0
"""How long a stop waits for the holder's last save (~8 s at 100k actors on 2 cores, at a low priority)."""
APPLY_TIMEOUT_S = 120.0
"""Most seconds the front waits for the data holder to apply a committed write."""
KEPT_CHANGES = 16
"""Committed writes the front keeps, to bring workers that missed them up to date (one further behind is
replaced by a fork of the data holder)."""


def _text(template: Text, **values: Any) -> Text:
    return Text(template.es.format(**values), template.en.format(**values))


class Pool:
    """The data holder and its workers: start, hand out requests, keep the time limit, replace the dead.

    `workers` processes serve short requests; each long one (at most `long_workers`) runs in a worker of its
    own, replaced among the short-request workers as soon as it turns long, and retired when it ends.
    """

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.settings = settings
        self.size = int(settings["workers"])
        self.long_slots = int(settings["long_workers"])
        self.timeout_s = float(settings["query_timeout_s"])
        self.memory_mb = int(settings["query_memory_mb"])
        self.workers: set[Worker] = set()
        self.idle: list[Worker] = []
        self.main: deque[Job] = deque()
        self.slow: deque[Job] = deque()
        self.long_count = 0
        self.pending_forks = 0
        self.exits: OrderedDict[int, int] = OrderedDict()
        self._exit_waiters: dict[int, asyncio.Future[int]] = {}
        self._holder: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._ready: asyncio.Future[list[str]] | None = None
        self._saved: asyncio.Future[None] | None = None
        """Set while stopping: done when the holder has handed over its last save (`_last_save`)."""
        self._ticker: asyncio.Task[None] | None = None
        self._closing = False
        self.layers: list[str] = []
        self.journal: Journal | None = None
        self.version = 0
        self.recent: deque[tuple[int, frozenset[str]]] = deque(maxlen=RECENT_WRITES)
        self._write_lock = asyncio.Lock()
        self._applied: dict[int, asyncio.Future[bool]] = {}
        self._watchers: set[asyncio.Task[None]] = set()
        self.built = 0
        """The last write after which the holder built its matching tables again (workers stale since are replaced)."""
        self.changes: OrderedDict[int, bytes] = OrderedDict()
        """The last KEPT_CHANGES committed writes by version, as a worker applies them (`_catch_up`)."""
        self.relay: EngineRelay | None = None
        self.engine_store: SparqlStore | None = None
        """The engine's store, through which writes are committed (with `--store sparql`)."""
        self.index_folder: Path | None = None
        """The on-disk store's folder, where the holder's matching index is saved (coopgraph/core/matching/saved.py)."""
        self._index_writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="index")
        """Installs the saved indexes the holder hands over, one at a time, in the order they came."""

    # --- the holder ---

    async def start(self, store: OxigraphStore | SparqlStore, engine: EngineConfig | None = None) -> list[str]:
        """Replay the journal, start the holder, stream it the store (or name the snapshot saved of it), wait until
        it is ready, fork the workers; the sandbox layers. With an `engine` there is no journal and nothing to
        stream: the holder reaches the engine through the relay started here (coopgraph/web/relay.py)."""
        loop = asyncio.get_running_loop()
        if isinstance(store, OxigraphStore):
            sync = bool(self.settings.get("sync_writes", True))
            self.journal = await loop.run_in_executor(
                None, lambda: Journal(store.oxigraph, store.path, sync=sync, keep=True)
            )
            self.version = self.journal.version
            self.index_folder = store.path
        if isinstance(store, SparqlStore):
            self.engine_store = store
        if engine is not None:
            self.relay = EngineRelay(engine.urls())
            await self.relay.start()
        control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        data_read, data_write = os.pipe()
        command = [
            sys.executable,
            "-c",
            "from coopgraph.web.workers import holder_main; holder_main()",
            "--control-fd",
            str(theirs.fileno()),
            "--data-fd",
            str(data_read),
        ]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        self._holder = subprocess.Popen(
            command, pass_fds=(theirs.fileno(), data_read), stdin=subprocess.DEVNULL, env=env
        )
        theirs.close()
        os.close(data_read)
        config: dict[str, Any] = {
            "settings": {
                key: (str(value) if key == "data_dir" and value else value) for key, value in self.settings.items()
            },
            "sandbox": bool(self.settings["sandbox"]),
            "memory_bytes": self.memory_mb << 20,
        }
        if self.index_folder is not None:
            config["index_folder"] = str(self.index_folder)
        if engine is not None and self.relay is not None:
            config["engine"] = {"config": engine.to_json(), "routes": self.relay.routes}
        snapshot, replay = None, None
        if isinstance(store, OxigraphStore):  # checked while the holder starts (its imports take as long)
            snapshot, replay = await loop.run_in_executor(None, self._snapshot, store)
            config["snapshot"] = snapshot
        control.send(json.dumps(config).encode())
        control.setblocking(False)
        self._control = control
        self._ready = loop.create_future()
        loop.add_reader(control.fileno(), self._on_control)
        if isinstance(store, OxigraphStore) and not snapshot:
            await loop.run_in_executor(None, _stream, store, data_write)
        else:
            os.close(data_write)  # the holder reads the snapshot, or the engine, instead
        self.layers = await self._ready
        if replay is not None:  # the holder applies it before it forks the workers (they hold every write)
            self._propagate(self.version, *replay.to_nquads())
        if self.relay is not None and self.layers:
            targets = ", ".join(f"{host}:{port}" for host, port in self.relay.targets)
            self.layers.append(f"the engine alone ({targets}) through the front")
        self._ticker = asyncio.create_task(self._tick())
        self._fork(self.size)
        while len(self.workers) < self.size:
            if self._holder.poll() is not None:
                raise StartError("the data holder exited while starting the workers")
            await asyncio.sleep(0.01)
        return self.layers

    def _snapshot(self, store: OxigraphStore) -> tuple[str | None, Delta | None]:
        """The saved snapshot of the store's content the holder is to read instead of the N-Quads streamed from
        the store (see coopgraph/core/matching/saved.py), and the change to apply to it then: None when it is of
        the store as it is now; else the journal's writes since it was saved (after a stop with no save since
        them: a kill, a crash), when the log holds them all. (None, None): there is no such snapshot. The log
        keeps only the writes after the snapshot used (none without one)."""
        from coopgraph.core.matching.saved import snapshot_of, store_key

        if store.path is None or self.journal is None:  # an in-memory store: nothing was saved
            return None, None
        found = snapshot_of(store.path, store_key(store))
        replay = None
        if found is not None and found[1] < self.version:
            replay = self.journal.changes_since(found[1])
            if replay is None:
                log.warning("the journal lacks writes made since the saved snapshot: copying the store instead")
                found = None
            else:  # a kill, a crash, or a stop whose last save did not end in time
                log.warning("store: the saved snapshot, and the %d write(s) made since it", self.version - found[1])
        self.journal.forget_through(found[1] if found is not None else self.version)
        return (str(found[0]), replay) if found is not None else (None, None)

    def _fork(self, count: int) -> None:
        if count <= 0 or self._control is None or self._closing:
            return
        self.pending_forks += count
        with contextlib.suppress(OSError):
            self._control.send(b"fork" * count)

    def _on_control(self) -> None:
        assert self._control is not None
        while True:
            try:
                message, fds, _flags, _address = socket.recv_fds(self._control, 4096, 4)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                message, fds = b"", []
            if not message:
                self._holder_gone()
                return
            word, _, rest = message.decode().partition(" ")
            if word == "worker" and fds:  # still pending until _add_worker counts it among the workers
                number, _, version = rest.partition(" ")
                asyncio.get_running_loop().create_task(self._add_worker(int(number), fds[0], int(version or 0)))
            elif word == "applied":
                number, _, patched = rest.partition(" ")
                applied = self._applied.pop(int(number), None)
                if applied is not None and not applied.done():
                    applied.set_result(patched == "patched")
                if patched != "patched":
                    self.built = max(self.built, int(number))
                    self._replace_stale()
            elif word == "exit":
                pid, status = (int(part) for part in rest.split())
                self.exits[pid] = status
                self._gone_while_idle(pid)
                while len(self.exits) > 4096:
                    self.exits.popitem(last=False)
                waiter = self._exit_waiters.pop(pid, None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(status)
            elif word == "index" and len(fds) == 2 and self.index_folder is not None and self._installing():
                self._index_writer.submit(_install_saved, [os.dup(fd) for fd in fds], self.index_folder, self.journal)
            elif word == "saved" and self._saved is not None and not self._saved.done():
                self._saved.set_result(None)
            elif word == "ready" and self._ready is not None and not self._ready.done():
                self._ready.set_result(list(json.loads(rest)["sandbox"]))
            elif word == "error" and self._ready is not None and not self._ready.done():
                self._ready.set_exception(StartError(f"the data holder could not start: {json.loads(rest)}"))
            for fd in fds[1:] if word == "worker" else fds:
                os.close(fd)

    def _gone_while_idle(self, pid: int) -> None:
        """A worker that ended with no request in hand (killed from outside, say): replace it."""
        for worker in self.idle:
            if worker.pid == pid:
                self.idle.remove(worker)
                log.warning("worker %d ended while idle; starting another", pid)
                self._retire(worker)
                return

    def _holder_gone(self) -> None:
        loop = asyncio.get_running_loop()
        if self._control is not None:
            loop.remove_reader(self._control.fileno())
            self._control.close()
            self._control = None
        if self._ready is not None and not self._ready.done():
            self._ready.set_exception(StartError("the data holder exited before it was ready"))
        if self._saved is not None and not self._saved.done():
            self._saved.set_result(None)
        if not self._closing:
            log.error("the data holder exited (status %s): no new workers can start", self._holder_status())

    def _holder_status(self) -> int | None:
        return self._holder.poll() if self._holder is not None else None

    async def _add_worker(self, pid: int, fd: int, version: int) -> None:
        sock = socket.socket(fileno=fd)
        sock.setblocking(False)
        reader, writer = await asyncio.open_connection(sock=sock, limit=1 << 20)
        pidfd = None
        with contextlib.suppress(OSError, AttributeError):
            pidfd = os.pidfd_open(pid)
        worker = Worker(pid, pidfd, reader, writer, version=version)
        self.pending_forks -= 1
        if self._closing:
            self._kill(worker)
            return
        self.workers.add(worker)
        if pid in self.exits:  # it died before it could be counted
            self._retire(worker)
            return
        self._ready_for_work(worker)

    def _ready_for_work(self, worker: Worker) -> None:
        """Give an idle worker requests, once it holds the latest committed write (or replace it, when the holder
        has built the matching tables it could not patch)."""
        if worker.version < self.version:
            asyncio.get_running_loop().create_task(self._catch_up(worker))
            return
        if self._replaceable(worker):
            self._retire(worker)
            return
        self.idle.append(worker)
        self._dispatch()

    def _replaceable(self, worker: Worker) -> bool:
        return worker.stale_since is not None and worker.stale_since <= self.built

    def _replace_stale(self) -> None:
        """Replace the idle workers whose matching index the holder has now built anew (the busy ones are replaced
        when their request ends): forks of the holder share its new tables."""
        stale = [worker for worker in self.idle if self._replaceable(worker)]
        self.idle = [worker for worker in self.idle if not self._replaceable(worker)]
        for worker in stale:
            self._retire(worker)

    # --- requests ---

    def submit(self, job: Job) -> None:
        (self.slow if job.slow else self.main).append(job)
        self._dispatch()

    def _dispatch(self) -> None:
        while self.idle:
            job = self._next_job()
            if job is None:
                return
            worker = self.idle.pop()
            worker.job, worker.started, worker.verdict = job, time.monotonic(), None
            if job.slow:
                self._make_long(worker)
            asyncio.get_running_loop().create_task(self._run(worker, job))

    def _next_job(self) -> Job | None:
        while self.slow and self.long_count < self.long_slots:
            job = self.slow.popleft()
            if not job.future.done():
                return job
        while self.main:
            job = self.main.popleft()
            if not job.future.done():
                return job
        return None

    def _make_long(self, worker: Worker) -> None:
        """A long request keeps its worker, at the lowest CPU priority; a new fork takes its place among the
        workers for short requests (so long requests never shrink them)."""
        worker.long = True
        self.long_count += 1
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, worker.pid, 19)
        self._fork(self._missing())

    def _missing(self) -> int:
        return self.size + self.long_count - len(self.workers) - self.pending_forks

    async def _run(self, worker: Worker, job: Job) -> None:
        reply: Reply | None = None
        try:
            head = json.dumps(job.head, separators=(",", ":")).encode()
            worker.writer.write(FRAME.pack(b"Q", len(head)) + head + FRAME.pack(b"B", len(job.body)) + job.body)
            reply = await _read_reply(worker.reader)
        except (asyncio.IncompleteReadError, ConnectionError, OSError, ValueError):
            reply = await self._ended(worker, job)
        finally:
            self._finish(worker, job, reply)

    async def _ended(self, worker: Worker, job: Job) -> Reply:
        """The worker's socket closed mid-request: killed by us, or it died. The reply its client gets."""
        self.workers.discard(worker)
        if worker.verdict == "timeout":
            job.client.slow_until = time.monotonic() + SLOW_PENALTY_S
            return error_reply(
                503, "Query timeout", _text(TIMEOUT, limit=self.timeout_s), job.lang, timeout_s=self.timeout_s
            )
        if worker.verdict == "shed":
            retry = _retry_after(self.timeout_s)
            job.client.slow_until = time.monotonic() + SLOW_PENALTY_S
            return error_reply(503, "Service Unavailable", _text(BUSY, retry=retry), job.lang, retry_after_s=retry)
        status = await self._exit_status(worker.pid)
        signalled = status is not None and os.WIFSIGNALED(status)
        number = os.WTERMSIG(status) if signalled and status is not None else None
        if number in (signal.SIGABRT, signal.SIGKILL):  # the allocator's abort at RLIMIT_AS, or the OOM killer
            log.warning("worker %d ended by signal %s: over its memory limit", worker.pid, number)
            return error_reply(
                507,
                "Insufficient Storage",
                _text(MEMORY, limit=self.memory_mb),
                job.lang,
                memory_limit_mb=self.memory_mb,
            )
        log.error("worker %d ended unexpectedly (status %s) during %s", worker.pid, status, job.head["path"])
        return error_reply(503, "Service Unavailable", CRASHED, job.lang)

    async def _exit_status(self, pid: int) -> int | None:
        if pid in self.exits:
            return self.exits.pop(pid)
        waiter = asyncio.get_running_loop().create_future()
        self._exit_waiters[pid] = waiter
        try:
            return await asyncio.wait_for(waiter, EXIT_WAIT_S)
        except TimeoutError:
            return None
        finally:
            self._exit_waiters.pop(pid, None)
            self.exits.pop(pid, None)

    def _finish(self, worker: Worker, job: Job, reply: Reply | None) -> None:
        job.client.inflight -= 1
        if not job.future.done():
            job.future.set_result(
                reply if reply is not None else error_reply(503, "Service Unavailable", CRASHED, None)
            )
        worker.job = None
        if worker.long:
            self.long_count -= 1
        if worker in self.workers and not worker.long and not self._closing:
            self._ready_for_work(worker)
        else:  # dead, killed, or niced for a long request (only root could raise its priority again)
            self._retire(worker)
        self._dispatch()

    async def _catch_up(self, worker: Worker) -> None:
        """Send a worker the committed writes it misses, one at a time (it applies each to its copy and patches its
        caches), then give it requests: the next read finds a warm process. One whose matching tables would have
        to be built again serves its older index meanwhile (`stale_since`: seconds at 100k actors, built once by
        the holder); a worker that cannot apply a write, is too far behind, stops answering or dies is replaced
        by a fork of the data holder, which holds every write."""
        current = True
        try:
            while worker.version < self.version and worker in self.workers and not self._closing:
                change = self.changes.get(worker.version + 1)
                applied = await self._apply_in(worker, change) if change is not None else b"0"
                if applied == b"0":
                    current = False
                    break
                worker.version += 1
                if applied == b"2" and worker.stale_since is None:
                    worker.stale_since = worker.version
        except (asyncio.IncompleteReadError, ConnectionError, OSError, TimeoutError, ValueError):
            current = False
        if current and worker in self.workers and not self._closing:
            self._ready_for_work(worker)  # requests, another catch-up, or (stale, the holder done) a replacement
        else:
            self._kill(worker)
            self._retire(worker)

    async def _apply_in(self, worker: Worker, change: bytes) -> bytes:
        """Send one committed write to a worker; its answer within the time limit: b"1" applied, b"2" applied but
        its matching index left as it was (its tables must be built again), b"0" not applied."""
        worker.writer.write(FRAME.pack(b"A", len(change)) + change)
        kind, size = FRAME.unpack(await asyncio.wait_for(worker.reader.readexactly(FRAME.size), self.timeout_s))
        answer = await worker.reader.readexactly(size)
        return answer if kind == b"A" and answer in (b"1", b"2") else b"0"

    def _retire(self, worker: Worker) -> None:
        if worker in self.workers:
            self.workers.discard(worker)
            worker.writer.close()  # the worker exits when its socket closes
        if worker.pidfd is not None:
            os.close(worker.pidfd)
            worker.pidfd = None
        self._fork(self._missing())

    def _kill(self, worker: Worker) -> None:
        try:
            if worker.pidfd is not None:
                signal.pidfd_send_signal(worker.pidfd, signal.SIGKILL)
            else:
                os.kill(worker.pid, signal.SIGKILL)
        except (ProcessLookupError, OSError):
            pass
        worker.writer.close()

    async def _tick(self) -> None:
        """The one time limit, the long-request slots, and queue waits, every TICK_S."""
        while True:
            await asyncio.sleep(TICK_S)
            now = time.monotonic()
            for worker in list(self.workers):
                if worker.job is None or worker.verdict is not None:
                    continue
                elapsed = now - worker.started
                if elapsed >= self.timeout_s:
                    worker.verdict = "timeout"
                    self._kill(worker)
                elif elapsed >= LONG_AFTER_S and not worker.long and not worker.job.trusted:
                    if self.long_count < self.long_slots:
                        self._make_long(worker)
                    else:
                        worker.verdict = "shed"
                        self._kill(worker)
            for queue in (self.main, self.slow):
                while queue and now - queue[0].queued_at >= self.timeout_s:
                    job = queue.popleft()
                    if not job.future.done():
                        job.client.inflight -= 1
                        retry = _retry_after(self.timeout_s)
                        job.future.set_result(
                            error_reply(
                                503, "Service Unavailable", _text(BUSY, retry=retry), job.lang, retry_after_s=retry
                            )
                        )

    # --- writes ---

    async def commit(self, reply: Reply, lang: str | None) -> Reply:
        """Commit the write a worker prepared (coopgraph/web/writes.py), make every process see it, and give the
        client's answer: the worker's summary, or 409 when a write committed since the worker's copy changed
        the same resources. On a SPARQL engine the change goes to the engine as one update instead of the
        journal (`_send_to_engine`).

        The answer goes out first: the change is sent to the holder and the stale workers start catching up from
        the event loop's next turn (`call_soon`, in commit order), after the caller has written the answer.
        Sent at once, the holder's apply (a collection, the index patch) took the CPU from this process before
        it answered, on a machine with fewer cores than processes. No request sees the write missing meanwhile:
        the version is raised and the stale workers leave the idle list here."""
        prepared = json.loads(reply.body)
        subjects = frozenset(prepared["subjects"])
        base = int(prepared["base"])
        async with self._write_lock:
            if base != self.version and self._conflicts(base, subjects):
                return error_reply(409, "Conflict", CONFLICT, lang, version=self.version)
            delta = Delta.from_nquads(prepared["added"], prepared["removed"])
            loop = asyncio.get_running_loop()
            failure: Reply | None = None
            if self.journal is not None:
                version = await loop.run_in_executor(None, self.journal.commit, delta)
            else:
                failure = await self._send_to_engine(delta, lang)
                if failure is not None and failure.status == 400:
                    return failure  # the engine refused it: nothing changed
                version = self.version + 1  # committed, or maybe (an unknown outcome): every cache is refreshed
            self.recent.append((version, subjects))
            self._keep(version, prepared["added"], prepared["removed"])
            loop.call_soon(self._propagate, version, prepared["added"], prepared["removed"])
            self.version = version
            stale = [worker for worker in self.idle if worker.version < version]
            self.idle = [worker for worker in self.idle if worker.version >= version]
            for worker in stale:  # out of the idle list until they hold this write (`_catch_up`)
                loop.call_soon(self._ready_for_work, worker)
        if failure is not None:
            return failure
        body = json.dumps(prepared["body"], ensure_ascii=False).encode() + b"\n"
        return Reply(int(prepared["status"]), [("Content-Type", "application/json")], body)

    async def _send_to_engine(self, delta: Delta, lang: str | None) -> Reply | None:
        """Send the change to the engine as one update; None once it answered 2xx, else the client's error
        (never retried: after a timeout or a broken connection the outcome is unknown, and said so)."""
        from coopgraph.core.writes.remote import Unsupported, update_text  # (rdflib's SPARQL: an engine's alone)

        assert self.engine_store is not None
        try:
            text = update_text(delta)
            await asyncio.get_running_loop().run_in_executor(None, self.engine_store.update, text)
        except Unsupported as error:  # the worker checked this already
            return error_reply(501, "Not Implemented", error.text, lang)
        except EngineError as error:
            refused = engine_error(error)
            details = {key: value for key, value in refused.details.items() if not key.startswith("message_")}
            message = refused.text or Text(refused.message, refused.message)
            if refused.status != 400:
                message = Text(f"{message.es}. {UNKNOWN_OUTCOME.es}", f"{message.en}. {UNKNOWN_OUTCOME.en}")
            return error_reply(refused.status, refused.title, message, lang, **details)
        return None

    def _keep(self, version: int, added: str, removed: str) -> None:
        self.changes[version] = json.dumps({"version": version, "added": added, "removed": removed}).encode()
        while len(self.changes) > KEPT_CHANGES:
            self.changes.popitem(last=False)

    def _conflicts(self, base: int, subjects: frozenset[str]) -> bool:
        """Whether a write committed after version `base` changed one of `subjects` (or is forgotten)."""
        if not self.recent or self.recent[0][0] > base + 1:
            return True  # writes since `base` are no longer remembered: refuse rather than guess
        return any(version > base and subjects & changed for version, changed in self.recent)

    def _propagate(self, version: int, added: str, removed: str) -> None:
        """Send the committed change to the holder, without waiting: it applies the changes in the order they
        came and forks workers after applying the ones before (they hold the write); the workers forked before
        get it from `_catch_up`, and requests wait for a worker that holds it (read-your-writes)."""
        if self._control is None:
            log.error("write %d committed, but the data holder is gone: restart coopgraph serve", version)
            return
        fd = os.memfd_create("coopgraph-write")
        try:
            os.write(fd, json.dumps({"added": added, "removed": removed}).encode())
            os.lseek(fd, 0, os.SEEK_SET)
            waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            self._applied[version] = waiter
            socket.send_fds(self._control, [f"apply {version}".encode()], [fd])
        finally:
            os.close(fd)
        watcher = asyncio.get_running_loop().create_task(self._applied_within(version, waiter))
        self._watchers.add(watcher)  # the loop keeps only a weak reference to a task
        watcher.add_done_callback(self._watchers.discard)

    async def _applied_within(self, version: int, waiter: asyncio.Future[bool]) -> None:
        """Log a holder that did not apply write `version` within APPLY_TIMEOUT_S (its workers cannot see it)."""
        try:
            await asyncio.wait_for(waiter, APPLY_TIMEOUT_S)
        except TimeoutError:
            self._applied.pop(version, None)
            log.error("the data holder did not apply write %d within %g s", version, APPLY_TIMEOUT_S)

    async def close(self) -> None:
        """Kill every worker, let the holder save its index if it changed since its last save, and stop it."""
        self._closing = True
        if self._ticker is not None:
            self._ticker.cancel()
        for worker in list(self.workers):
            self._kill(worker)
        self.workers.clear()
        self.idle.clear()  # (their ends, reported while the last save runs, are no loss to make up for)
        await self._last_save()
        if self._control is not None:
            asyncio.get_running_loop().remove_reader(self._control.fileno())
            self._control.close()
            self._control = None
        await asyncio.get_running_loop().run_in_executor(None, self._index_writer.shutdown)  # before the lock goes
        if self.journal is not None:
            self.journal.close()
            self.journal = None
        if self.relay is not None:
            await self.relay.close()
            self.relay = None
        if self._holder is not None and self._holder.poll() is None:
            self._holder.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                await asyncio.get_running_loop().run_in_executor(None, self._holder.wait, 10)
            if self._holder.poll() is None:
                self._holder.kill()
                self._holder.wait()

    def _installing(self) -> bool:
        """Whether a save the holder hands over is installed: always, but once stopping, only its last save."""
        return not self._closing or (self._saved is not None and not self._saved.done())

    async def _last_save(self) -> None:
        """Ask the holder to save its matching index and the store's snapshot now if a write changed them since
        its last save (it saves a burst of writes once they pause: a stop within a save's time of a write would
        leave the next start to build the index, ~30 s at 100k actors, instead of loading it in ~5 s), and wait
        for it, at most LAST_SAVE_S."""
        if self._control is None or self.index_folder is None or self._holder_status() is not None:
            return
        self._saved = asyncio.get_running_loop().create_future()
        try:
            self._control.send(b"save")
        except OSError:
            return
        try:  # nothing to save: the holder says so at once
            await asyncio.wait_for(asyncio.shield(self._saved), 1.0)
            return
        except TimeoutError:
            log.warning("saving the partner-matching index before stopping (at most %g s)", LAST_SAVE_S)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._saved), LAST_SAVE_S)


def _install_saved(fds: list[int], folder: Path, journal: Journal | None) -> None:
    """Install what the holder saved into memory files (the store's snapshot, then the matching index: the index
    file names the snapshot) in the data folder, then close them; the journal's log forgets the writes the
    snapshot holds."""
    from coopgraph.core.matching.saved import INDEX_FILE, SNAPSHOT_FILE, install, saved_version

    try:
        for fd, name in zip(fds, (SNAPSHOT_FILE, INDEX_FILE), strict=True):
            with os.fdopen(fd, "rb", closefd=False) as source:
                install(source, folder, name)
        version = saved_version(folder)
        if journal is not None and version is not None:
            journal.forget_through(version)
    except OSError as error:  # the index is built (and the store copied) at the next start instead
        log.warning("could not save the partner-matching index in %s: %s", folder, error)
    finally:
        for fd in fds:
            os.close(fd)


def _stream(store: OxigraphStore, fd: int) -> None:
    """Write the store's N-Quads into the holder's pipe, then close it (the holder reads to its end)."""
    import pyoxigraph as ox

    with os.fdopen(fd, "wb", buffering=1 << 20) as out, contextlib.suppress(BrokenPipeError):
        store.oxigraph.dump(output=out, format=ox.RdfFormat.N_QUADS)


def _retry_after(timeout_s: float) -> int:
    return max(1, round(timeout_s))


async def _read_reply(reader: asyncio.StreamReader) -> Reply:
    kind, size = FRAME.unpack(await reader.readexactly(FRAME.size))
    if kind != b"H":
        raise ValueError(f"unexpected frame {kind!r}")
    head = json.loads(await reader.readexactly(size))
    parts = []
    while True:
        kind, size = FRAME.unpack(await reader.readexactly(FRAME.size))
        if kind == b"E":
            break
        if kind != b"D":
            raise ValueError(f"unexpected frame {kind!r}")
        parts.append(await reader.readexactly(size))
    return Reply(int(head["status"]), [(str(k), str(v)) for k, v in head["headers"]], b"".join(parts))


# --- HTTP --------------------------------------------------------------------------------------------------------


class _Close(Exception):
    """End this connection (after whatever was already sent)."""


class Front:
    """The HTTP server: accept, read with limits, admit, hand to the pool, answer."""

    def __init__(self, settings: Mapping[str, Any], pool: Pool) -> None:
        self.settings = settings
        self.pool = pool
        self.max_connections = int(settings["max_connections"])
        self.client_connections = int(settings["client_connections"])
        self.max_body = int(settings["max_body_bytes"])
        self.clients = Clients()
        self.connections = 0
        folder = settings.get("data_dir")
        self.tokens = TokenBook(Path(folder) if folder else default_data_dir())

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One connection, from accept to close."""
        peer = writer.get_extra_info("peername") or ("", 0)
        client = self.clients.get(str(peer[0]))
        if self.connections >= self.max_connections or client.connections >= self.client_connections:
            await self._refuse_connection(writer, own=client.connections >= self.client_connections)
            return
        self.connections += 1
        client.connections += 1
        try:
            await self._serve(reader, writer, client, peer)
        except (_Close, ConnectionError, TimeoutError, h11.LocalProtocolError):
            pass
        except Exception:
            log.exception("connection from %s failed", peer[0])
        finally:
            self.connections -= 1
            client.connections -= 1
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _refuse_connection(self, writer: asyncio.StreamWriter, *, own: bool) -> None:
        limit = self.client_connections if own else self.max_connections
        message = Text(
            f"demasiadas conexiones abiertas{' desde su dirección' if own else ''} (máximo {limit}); "
            "vuelva a intentarlo más tarde",
            f"too many open connections{' from your address' if own else ''} (at most {limit}); try again later",
        )
        await _send_raw(writer, error_reply(503, "Service Unavailable", message, None, retry_after_s=1))

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, client: Client, peer: tuple[Any, ...]
    ) -> None:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD_BYTES)
        server = writer.get_extra_info("sockname") or ("", 0)
        idle = HEADER_TIMEOUT_S
        while True:
            try:
                request = await self._read_head(conn, reader, idle)
            except h11.RemoteProtocolError as error:
                await self._protocol_error(conn, writer, error)
                return
            if request is None:
                return
            if (
                len(request.target) + sum(len(name) + len(value) + 4 for name, value in request.headers)
                > MAX_HEAD_BYTES
            ):
                # h11 bounds only a head still arriving: one sent in a single piece is measured here
                await self._protocol_error(
                    conn, writer, h11.RemoteProtocolError("head too large", error_status_hint=431)
                )
                return
            idle = IDLE_TIMEOUT_S
            headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in request.headers]
            lang = client_language(_header(headers, "accept-language"))
            method = request.method.decode("ascii", "replace")
            target = request.target.decode("latin-1")
            path = target.partition("?")[0]
            reply, close = await self._answer(conn, reader, writer, request, headers, lang, client, peer, server)
            writer.write(self._encode(conn, reply, path, method, close=close))
            await asyncio.wait_for(writer.drain(), SEND_TIMEOUT_S)
            if close or conn.our_state is h11.MUST_CLOSE or conn.their_state is not h11.DONE:
                return
            conn.start_next_cycle()

    async def _read_head(self, conn: h11.Connection, reader: asyncio.StreamReader, idle: float) -> h11.Request | None:
        """The next request's head, or None when the client closed or idled out before sending one."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + idle
        started = False
        while True:
            event = conn.next_event()
            if isinstance(event, h11.Request):
                return event
            if event is h11.PAUSED or isinstance(event, h11.ConnectionClosed):
                return None
            assert event is h11.NEED_DATA
            try:
                async with asyncio.timeout_at(deadline):
                    data = await reader.read(65536)
            except TimeoutError:
                return None
            if data and not started:
                started = True
                deadline = min(deadline, loop.time() + HEADER_TIMEOUT_S)
            conn.receive_data(data)
            if not data:
                return None

    async def _answer(
        self,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        request: h11.Request,
        headers: list[tuple[str, str]],
        lang: str | None,
        client: Client,
        peer: tuple[Any, ...],
        server: tuple[Any, ...],
    ) -> tuple[Reply, bool]:
        """The reply to a request whose head was read, and whether to close the connection after it."""
        declared = _header(headers, "content-length")
        if declared is not None and int(declared) > self.max_body:
            return self._too_large(lang), True
        body = await self._read_body(conn, reader, writer, lang)
        if isinstance(body, Reply):
            return body, True
        target = request.target.decode("latin-1")
        if not target.startswith("/"):
            message = Text("la solicitud debe nombrar una ruta (/sparql…)", "the request must name a path (/sparql…)")
            return error_reply(400, "Bad Request", message, lang), True
        path, _, query = target.partition("?")
        refusal = self._admit(client, lang)
        if refusal is not None:
            if client.retry_until > time.monotonic():  # told to wait, and back early
                await asyncio.sleep(TARPIT_S)
            client.retry_until = time.monotonic() + int(dict(refusal.headers).get("Retry-After", "1"))
            return refusal, False
        head = {
            "method": request.method.decode("ascii"),
            "path": path,
            "query": query,
            "version": request.http_version.decode("ascii"),
            "headers": headers,
            "client": [str(peer[0]), int(peer[1]) if len(peer) > 1 else 0],
            "server": [str(server[0]), int(server[1]) if len(server) > 1 else 0],
        }
        job = Job(
            head,
            body,
            client,
            lang,
            client.slow_until > time.monotonic(),
            asyncio.get_running_loop().create_future(),
            time.monotonic(),
            trusted=self._trusted(_header(headers, "authorization")),
        )
        client.inflight += 1
        self.pool.submit(job)
        reply = await job.future
        if any(name == COMMIT_HEADER for name, _ in reply.headers):
            reply = await self.pool.commit(reply, lang)
        return reply, False

    def _trusted(self, authorization: str | None) -> bool:
        """Whether the request carries a valid write token (its holder's writes are not shed; the worker still
        checks the token and its scope)."""
        scheme, _, secret = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return False
        try:
            return self.tokens.verify(secret.strip()) is not None
        except TokenError:
            return False

    def _admit(self, client: Client, lang: str | None) -> Reply | None:
        """A 429 when the client has too much in progress, else None."""
        if client.slow_until > time.monotonic():
            if client.inflight >= 1:
                retry = _retry_after(self.pool.timeout_s)
                return error_reply(429, "Too Many Requests", _text(SLOW, retry=retry), lang, retry_after_s=retry)
        elif client.inflight >= CLIENT_INFLIGHT:
            return error_reply(
                429, "Too Many Requests", _text(TOO_MANY, limit=CLIENT_INFLIGHT, retry=1), lang, retry_after_s=1
            )
        return None

    def _too_large(self, lang: str | None) -> Reply:
        message = Text(
            f"el cuerpo de la solicitud pasa del máximo de {self.max_body} bytes",
            f"the request body is larger than the limit of {self.max_body} bytes",
        )
        return error_reply(413, "Payload Too Large", message, lang, max_body_bytes=self.max_body)

    async def _read_body(
        self, conn: h11.Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, lang: str | None
    ) -> bytes | Reply:
        """The whole body (at most max_body_bytes, within BODY_TIMEOUT_S), or the Reply refusing it."""
        if conn.they_are_waiting_for_100_continue:
            writer.write(conn.send(h11.InformationalResponse(status_code=100, headers=[])))
        parts: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(BODY_TIMEOUT_S):
                while True:
                    event = conn.next_event()
                    if isinstance(event, h11.Data):
                        size += len(event.data)
                        if size > self.max_body:
                            return self._too_large(lang)
                        parts.append(bytes(event.data))
                    elif isinstance(event, h11.EndOfMessage):
                        return b"".join(parts)
                    elif event is h11.NEED_DATA:
                        data = await reader.read(65536)
                        if not data:
                            raise _Close
                        conn.receive_data(data)
                    else:
                        raise _Close
        except TimeoutError:
            message = Text(
                f"el cuerpo de la solicitud no llegó en {BODY_TIMEOUT_S:g} s",
                f"the request body did not arrive within {BODY_TIMEOUT_S:g} s",
            )
            return error_reply(408, "Request Timeout", message, lang)
        except h11.RemoteProtocolError:
            message = Text("el cuerpo de la solicitud está mal formado", "the request body is malformed")
            return error_reply(400, "Bad Request", message, lang)

    async def _protocol_error(self, conn: h11.Connection, writer: asyncio.StreamWriter, error: Exception) -> None:
        """Answer a request h11 could not read (431 for a head too large, else 400), then close."""
        status = getattr(error, "error_status_hint", 400)
        if status == 431:
            message = Text(
                f"la línea de solicitud y las cabeceras pasan de {MAX_HEAD_BYTES} bytes",
                f"the request line and headers are larger than {MAX_HEAD_BYTES} bytes",
            )
            title = "Request Header Fields Too Large"
        else:
            status = 400
            message = Text("la solicitud HTTP está mal formada", "the HTTP request is malformed")
            title = "Bad Request"
        if conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
            await _send_raw(writer, error_reply(status, title, message, None))

    @staticmethod
    def _encode(conn: h11.Connection, reply: Reply, path: str, method: str, *, close: bool) -> bytes:
        environ = {"PATH_INFO": path, "REQUEST_METHOD": method}
        headers = [
            (k, v) for k, v in reply.headers if k.lower() not in ("content-length", "transfer-encoding", "connection")
        ]
        headers = completed(environ, headers)
        if method != "HEAD" or not any(k.lower() == "content-length" for k, _ in reply.headers):
            headers.append(("Content-Length", str(len(reply.body))))
        else:
            headers += [(k, v) for k, v in reply.headers if k.lower() == "content-length"]
        if close:
            headers.append(("Connection", "close"))
        reason = HTTPStatus(reply.status).phrase.encode() if reply.status in _STATUSES else b""
        out = conn.send(h11.Response(status_code=reply.status, headers=headers, reason=reason)) or b""
        if method != "HEAD" and reply.body:
            out += conn.send(h11.Data(data=reply.body)) or b""
        out += conn.send(h11.EndOfMessage()) or b""
        return out


async def _send_raw(writer: asyncio.StreamWriter, reply: Reply) -> None:
    """Send `reply` and close, on a connection whose request was not (or could not be) read."""
    headers = completed({"PATH_INFO": "/", "REQUEST_METHOD": "GET"}, reply.headers)
    headers += [("Content-Length", str(len(reply.body))), ("Connection", "close")]
    head = f"HTTP/1.1 {reply.status} {HTTPStatus(reply.status).phrase if reply.status in _STATUSES else ''}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n"
    with contextlib.suppress(Exception):
        writer.write(head.encode("latin-1") + reply.body)
        await asyncio.wait_for(writer.drain(), 5)


_STATUSES = {status.value for status in HTTPStatus}


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _raise_file_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


async def serve(
    settings: Mapping[str, Any],
    store: OxigraphStore | SparqlStore,
    listener: socket.socket,
    on_ready: Callable[[socket.socket, list[str]], None],
    *,
    engine: EngineConfig | None = None,
) -> None:
    """Start the pool over `store` (or the `engine`), serve on `listener` until SIGTERM or SIGINT, then stop
    everything."""
    _raise_file_limit(int(settings["max_connections"]) + 256)
    loop = asyncio.get_running_loop()
    stop: asyncio.Future[None] = loop.create_future()

    def stopping() -> None:
        if not stop.done():
            stop.set_result(None)

    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stopping)
    pool = Pool(settings)
    try:
        starting = asyncio.ensure_future(pool.start(store, engine))
        waited: set[asyncio.Future[Any]] = {starting, stop}
        await asyncio.wait(waited, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            starting.cancel()
            return
        layers = starting.result()
        front = Front(settings, pool)
        server = await asyncio.start_server(front.handle, sock=listener, limit=MAX_HEAD_BYTES, backlog=1024)
        on_ready(listener, layers)
        async with server:
            await stop
    finally:
        await pool.close()
