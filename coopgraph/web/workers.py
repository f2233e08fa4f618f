"""The request processes of `coopgraph serve`: one holder of the data forks them; each answers one request at a time.

The front (coopgraph/web/front.py) starts the **holder** (`holder_main`) with
two descriptors: a control socket (AF_UNIX, SOCK_SEQPACKET) and a pipe. It
sends the settings as the first control message and streams the store's
N-Quads down the pipe; the holder loads them into an in-memory store, builds
the Flask app, warms its caches (service description, partner-matching
index: the one saved in the data folder, `index_folder` in the settings, when
it is of this store, else built), installs the sandbox (coopgraph/web/sandbox.py),
freezes its Python objects for the garbage collector, and says `ready`. No
file on disk is read after that. Whenever its matching index is not the one
saved (built at start, changed by a write) a child of the holder saves it
(coopgraph/web/index_saver.py) and the holder hands it to the front as an
`index` message with a memory file, which the front installs in the data
folder. With an engine (`--store sparql`) the settings also name
it and the front's relay sockets: nothing comes down the pipe, and the app's
store is a `SparqlStore` whose every connection goes through the relay
(coopgraph/web/relay.py), which the sandbox leaves open.

On an `apply VERSION` message (with a memory file holding a committed
change) the holder applies the change to its copy and brings its caches up
to date (the partner-matching index too), then answers `applied VERSION
patched` (its matching index patched in place) or `applied VERSION built`
(its tables built again): workers forked after that see the write, since
the holder takes its messages in order. On an engine, which holds the
change already, the holder only notes the version and brings its caches up
to date from the engine. The front answers the writer once the change is
committed, without waiting for the holder; meanwhile the workers forked
before get the same change as an `A` frame on their socket, between
requests (`serve_requests`): each applies it to its own copy and patches
its caches (`_catch_up`), or, when its matching tables would have to be
built again, is replaced by a new fork (which the holder makes once it has
applied the change and built them).

On each `fork` message the holder forks a **worker**: a copy of itself
(pages shared copy-on-write) that gets one end of a fresh socket pair, the
other end going to the front with SCM_RIGHTS. A worker runs requests one at
a time, in a thread with a large stack (deep but admitted queries recurse
in the query engine), under an address-space limit (RLIMIT_AS: its size at
birth plus `query_memory_mb`). Each `worker PID VERSION` message says which
version of the data the worker holds. The holder reaps its workers and tells the
front how each ended (`exit PID STATUS`), so that the front can tell a
memory overrun (SIGABRT from the allocator) from a crash or a kill.

Frames on a worker's socket (both ways): one type byte, a 4-byte big-endian
length, the payload. The front sends `Q` (the request head as JSON) then
`B` (the body); the worker answers `H` (status and headers as JSON), `D`
(body chunks) and `E` (end). Between requests the front may send `A` (a
committed write as JSON), answered by `A` (`1`: applied; `0`: replace this
worker). A worker exits when its socket closes.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import logging
import os
import resource
import select
import signal
import socket
import struct
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote_to_bytes

from coopgraph.web.headers import WSGIApp
from coopgraph.web.index_saver import IndexSaver

if TYPE_CHECKING:
    from coopgraph.core.matching import MatchIndex

log = logging.getLogger(__name__)

FRAME = struct.Struct("!cI")
CHUNK = 1 << 20
"""Largest body frame a worker sends."""
STACK_BYTES = 512 << 20
"""Stack of a worker's request thread (address space reserved, not memory used): an admitted query
(coopgraph/web/guard.py's size and depth limits) recurses far less deep in the engine than this allows."""
RECURSION_LIMIT = 20_000
"""Python frames a worker allows (the guard's parser recurses per bracket level; the stack above holds this)."""
MAX_HEAD_JSON = 1 << 20


# --- frames (blocking side) ------------------------------------------------------------------------------------


def send_frame(sock: socket.socket, kind: bytes, payload: bytes = b"") -> None:
    header = FRAME.pack(kind, len(payload))
    if len(payload) <= 65536:
        sock.sendall(header + payload)
    else:  # no copy of a large payload
        sock.sendall(header)
        sock.sendall(payload)


class Readable(Protocol):
    def read(self, size: int, /) -> bytes | None: ...


def _read_exactly(stream: Readable, size: int) -> bytes:
    data = stream.read(size)
    if data is None or len(data) != size:
        raise EOFError("the front closed the connection")
    return data


def read_frame(stream: Readable) -> tuple[bytes, bytes]:
    kind, size = FRAME.unpack(_read_exactly(stream, FRAME.size))
    return kind, _read_exactly(stream, size) if size else b""


# --- WSGI -------------------------------------------------------------------------------------------------------


def environ_for(head: Mapping[str, Any], body: bytes) -> dict[str, Any]:
    """The WSGI environ (PEP 3333) of a request the front read: `head` holds what it parsed."""
    path = head["path"]
    environ: dict[str, Any] = {
        "REQUEST_METHOD": head["method"],
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": head["query"],
        "SERVER_NAME": head["server"][0],
        "SERVER_PORT": str(head["server"][1]),
        "SERVER_PROTOCOL": f"HTTP/{head['version']}",
        "REMOTE_ADDR": head["client"][0],
        "REMOTE_PORT": str(head["client"][1]),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in head["headers"]:
        key = name.upper()
        if "_" in key:  # Content_Type would pose as Content-Type: dropped, as waitress and gunicorn do
            continue
        key = key.replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
            continue
        key = "HTTP_" + key
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    if body and "CONTENT_LENGTH" not in environ:  # a chunked request: the front read the whole body
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ


def call_app(app: WSGIApp, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    """Run the WSGI app on one request: (status code, headers, whole body)."""
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        started[:] = [status, headers]
        return lambda data: None  # the legacy write() callable: Flask never uses it

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = started
    return int(status.split(" ", 1)[0]), list(headers), body


def serve_requests(sock: socket.socket, app: WSGIApp, catch_up: Callable[[bytes], bytes] | None = None) -> None:
    """A worker's loop: read a request, answer it, until the front closes the socket. Between requests the
    front may send a committed write (`A`): `catch_up` applies it, and the answer (`A`, see `_catch_up`) says
    whether this worker is now up to date or must be replaced."""
    stream = sock.makefile("rb", buffering=65536)
    while True:
        try:
            kind, payload = read_frame(stream)
            if kind == b"A" and catch_up is not None:
                send_frame(sock, b"A", catch_up(payload))
                continue
            if kind != b"Q" or len(payload) > MAX_HEAD_JSON:
                raise EOFError(f"unexpected frame {kind!r}")
            head = json.loads(payload)
            kind, body = read_frame(stream)
            if kind != b"B":
                raise EOFError(f"unexpected frame {kind!r}")
        except (EOFError, OSError, ValueError):
            return
        status, headers, data = call_app(app, environ_for(head, body))
        send_frame(sock, b"H", json.dumps({"status": status, "headers": headers}).encode())
        for start in range(0, len(data), CHUNK):
            send_frame(sock, b"D", data[start : start + CHUNK])
        send_frame(sock, b"E")


# --- the worker, right after the fork -------------------------------------------------------------------------


def _vm_size() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def become_worker(
    sock: socket.socket, app: WSGIApp, memory_bytes: int, catch_up: Callable[[bytes], bytes] | None = None
) -> None:
    """In a forked child: limit the address space, serve on `sock` from a large-stack thread, then exit."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    threading.stack_size(STACK_BYTES)
    runner = threading.Thread(target=serve_requests, args=(sock, app, catch_up), name="coopgraph-worker")
    runner.start()  # its stack is reserved now, so the limit below counts it as part of the worker's size
    if memory_bytes > 0:
        limit = _vm_size() + memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    runner.join()
    os._exit(0)


# --- the holder ------------------------------------------------------------------------------------------------


def _send(control: socket.socket, message: str, fds: list[int] | None = None) -> None:
    if fds:
        socket.send_fds(control, [message.encode()], fds)
    else:
        control.send(message.encode())


def holder_main(argv: list[str] | None = None) -> None:
    """Entry point of the holder process (the front starts it; not meant to be run by hand)."""
    parser = argparse.ArgumentParser(description="The coopgraph data holder (started by `coopgraph serve`).")
    parser.add_argument("--control-fd", type=int, required=True)
    parser.add_argument("--data-fd", type=int, required=True)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the front decides
    logging.basicConfig(level=logging.WARNING, format="coopgraph holder: %(message)s")
    for name in (__name__, "coopgraph.core.matching.saved"):  # whence the matching index came, and why
        logging.getLogger(name).setLevel(logging.INFO)
    control = socket.socket(fileno=args.control_fd)
    _import_for_build()
    try:
        config = json.loads(control.recv(1 << 20))
        app, loaded = _build(config, args.data_fd)
        layers = _sandbox(bool(config["sandbox"]))
    except Exception as error:  # every start-up failure goes to the front, then this process ends
        with contextlib.suppress(OSError):
            _send(control, "error " + json.dumps(f"{type(error).__name__}: {error}"))
        raise SystemExit(1) from None
    sys.setrecursionlimit(RECURSION_LIMIT)
    # The objects built so far stay put: collections in the workers do not copy their pages. Frozen without a
    # collection first, as Python's gc.freeze documentation has it for a process that forks: a full collection
    # here walked every object (~0.4 s of a 5 s start at 100k actors) to free ~3k (the start's own garbage).
    gc.freeze()
    _send(control, "ready " + json.dumps({"sandbox": layers}))
    saved = loaded.signature if loaded is not None else None
    saver = IndexSaver(app, lambda fds: _send(control, "index", fds), saved) if config.get("index_folder") else None
    _fork_loop(control, app, int(config["memory_bytes"]), saver)


def _import_for_build() -> None:
    """Import what `_build` imports (the app, the saved index's reader, the SHACL gate) while the front checks
    the saved snapshot, before the settings come: this module stays light, since the front imports it."""
    import coopgraph.core.matching.saved
    import coopgraph.core.validation.run
    import coopgraph.web.app  # noqa: F401


def _build(config: Mapping[str, Any], data_fd: int) -> tuple[Any, MatchIndex | None]:
    """Load the store's content into memory: from the snapshot the front named (`snapshot` in the settings), or
    else the N-Quads it streams down the pipe; or, with an engine, open the store on it, reached through the
    front's relay. Build the app (its writes committed by the front) and warm its caches; the matching index
    saved in the data folder, if it was of this store and is now the app's as saved (else None: it was built, or
    completed with its name tables, and is to be saved)."""
    from coopgraph.core.matching import saved
    from coopgraph.core.store import OxigraphStore, Store
    from coopgraph.core.validation.run import warm_validation
    from coopgraph.web.app import create_app
    from coopgraph.web.engine import EngineConfig, for_requests
    from coopgraph.web.relay import route_through
    from coopgraph.web.sparql import restore_description
    from coopgraph.web.state import EXTENSION, INDEX_KEY, SERVED_KEY

    remote = config.get("engine")
    store: Store
    engine, remote_store = None, None
    found: saved.Saved | None = None
    if remote:
        os.close(data_fd)
        route_through(remote["routes"])  # before any connection: every request to the engine takes the relay
        engine = EngineConfig.from_json(remote["config"])
        store = remote_store = engine.open()
    else:
        folder = config.get("index_folder")
        # The index is unpickled, and the shapes set up, while the quads are parsed without the GIL.
        with ThreadPoolExecutor(2) as helpers:
            reading = helpers.submit(saved.read, Path(folder)) if folder else None
            shapes = helpers.submit(warm_validation)
            store = OxigraphStore(_in_memory(config.get("snapshot"), data_fd))
            found = reading.result() if reading else None
            shapes.result()
    app = create_app({**config["settings"], SERVED_KEY: True}, store=store)
    usable = saved.loaded(found, store) if isinstance(store, OxigraphStore) else None
    if usable is not None:
        state = app.extensions[EXTENSION]
        state.cache[INDEX_KEY] = usable.index
        restore_description(state, usable.description)
    named = _warm(app)
    if isinstance(store, OxigraphStore):
        log.info("partner-matching index: %s", "loaded from the data folder" if usable else "built from the store")
    if engine is not None and remote_store is not None:
        for_requests(remote_store, engine, float(config["settings"]["query_timeout_s"]))
    return app, usable.index if usable and not named else None


def _in_memory(snapshot: str | None, data_fd: int) -> Any:
    """An in-memory store holding the snapshot file's quads, or those the front streams down `data_fd`. Both
    are parsed leniently (no IRI or language tag validation: a quarter faster): they are what our own store
    dumped, which took only what its parsers had checked, and the front checked the snapshot's SHA-256."""
    import pyoxigraph as ox

    memory = ox.Store()
    if snapshot:
        os.close(data_fd)
        memory.load(path=snapshot, format=ox.RdfFormat.N_QUADS, lenient=True)
        log.info("store: read from the saved snapshot")
    else:
        with os.fdopen(data_fd, "rb", buffering=1 << 20) as data:
            memory.load(input=data, format=ox.RdfFormat.N_QUADS, lenient=True)
    return memory


def _warm(app: Any) -> bool:
    """Build what every worker would otherwise build on its first request: the service description, the
    partner-matching index (seconds at 100k actors) with the name tables its first match reads (1.4 s at 100k)
    and what its first patch for an actor reads, and the SHACL shapes a write is checked with; the workers share
    them copy-on-write. Whether the name tables had to be built (then an index loaded without them is saved
    again, with them)."""
    from coopgraph.core.matching.update_actors import ready_for_writes
    from coopgraph.core.validation.run import warm_validation
    from coopgraph.web.match import match_index
    from coopgraph.web.sparql import description_triples
    from coopgraph.web.state import EXTENSION

    with app.app_context():
        state = app.extensions[EXTENSION]
        description_triples(state)
        index = match_index(state)
        named = index.warm_names()
        ready_for_writes(index)
    warm_validation()
    return named


def _sandbox(wanted: bool) -> list[str]:
    from coopgraph.web.sandbox import install

    return install() if wanted else []


def _version(app: Any) -> int:
    from coopgraph.core.store import OxigraphStore
    from coopgraph.core.writes.journal import stored_version
    from coopgraph.web.state import EXTENSION

    state = app.extensions[EXTENSION]
    return stored_version(state.store.oxigraph) if isinstance(state.store, OxigraphStore) else int(state.version)


def _apply(app: Any, version: int, fd: int) -> bool:
    """Apply a change the front committed (JSON {"added", "removed"} N-Quads in the memory file `fd`), then
    bring the caches up to date, so that every worker forked from now on sees it; whether the matching index was
    patched in place (then the workers forked before can patch theirs too) rather than built again."""
    from coopgraph.core.writes.delta import Delta
    from coopgraph.web.match import match_index
    from coopgraph.web.state import EXTENSION

    with os.fdopen(fd, "rb") as data:
        change = json.loads(data.read())
    state = app.extensions[EXTENSION]
    with _frozen_after():
        patched = bool(state.apply(Delta.from_nquads(change["added"], change["removed"]), version))
        try:
            with app.app_context():
                match_index(state)  # every worker needs it: built here once (the service description on demand)
        except Exception as error:  # an engine that failed meanwhile: each worker builds it on first use instead
            log.warning("could not rebuild the partner-matching index after write %d: %s", version, error)
    return patched


@contextlib.contextmanager
def _frozen_after() -> Iterator[None]:
    """Collect before a write is applied, freeze what it built after it (rather than collect, then freeze, after).

    A write puts new tuples into the big dicts of the index's facts (a subject's types, its labels: ~100k entries
    at 100k actors). A collection untracks such a dict while it holds only atoms, and the write's tuples track it
    again, in the youngest generation, where the next collection walked them: the holder's collection after each
    write took ~4 ms of CPU at 100k actors, and each worker's next collection walked them too. Frozen while
    tracked, they are never walked again. The collection before the write frees the cyclic garbage of what came
    before, so that only the write's own objects are frozen (tests/test_frozen_writes.py).
    """
    gc.collect()
    try:
        yield
    finally:
        gc.freeze()


def _catch_up(app: Any, payload: bytes) -> bytes:
    """In a worker: apply a write the front committed since this worker was forked (JSON {"version", "added",
    "removed"}), patching its caches. The answer: b"1" applied; b"2" applied, but the matching index would have
    to be built again (the data holder does that once): this worker matches with its older one until the front
    replaces it by a fork of the holder; b"0" not applied (the front replaces this worker at once)."""
    from coopgraph.core.writes.delta import Delta
    from coopgraph.web.state import EXTENSION

    try:
        change = json.loads(payload)
        delta = Delta.from_nquads(change["added"], change["removed"])
        state = app.extensions[EXTENSION]
        with _frozen_after():
            patched = state.apply(delta, int(change["version"]), rebuild=False)
        if patched:
            return b"1"
        return b"2" if state.stale_index else b"0"  # (b"0": its index was dropped, a patch having failed)
    except Exception as error:  # the front replaces this worker: it never serves a copy it could not update
        log.warning("a worker could not apply a committed write: %s", error)
        return b"0"


def _fork_loop(control: socket.socket, app: Any, memory_bytes: int, saver: IndexSaver | None) -> None:
    """Fork a worker per `fork` message, apply each `apply` message's change; report each worker's end; save the
    matching index when it is not the one saved (`saver`); exit when the front goes away."""
    wake_read, wake_write = socket.socketpair()
    wake_read.setblocking(False)
    wake_write.setblocking(False)
    signal.set_wakeup_fd(wake_write.fileno())
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so that SIGCHLD wakes select() through the fd
    while True:
        if saver is not None:
            saver.tick()  # its child's end wakes select() as a worker's does
        try:
            ready, _, _ = select.select([control, wake_read], [], [], saver.wait_s() if saver else None)
        except InterruptedError:
            ready = []
        if wake_read in ready:
            with contextlib.suppress(BlockingIOError):
                while wake_read.recv(4096):
                    pass
        _reap(control, saver)
        if control in ready:
            message, fds, _flags, _address = socket.recv_fds(control, 4096, 1)
            if not message:
                return  # the front is gone: so are the workers (their sockets close), and so is this process
            if message == b"save":  # the front is stopping: it waits for `saved`
                if saver is not None:
                    saver.finish(lambda: _send(control, "saved"))
                else:
                    _send(control, "saved")
                continue
            if message.startswith(b"apply ") and fds:
                version = int(message.split()[1])
                patched = _apply(app, version, fds[0])
                _send(control, f"applied {version} {'patched' if patched else 'built'}")
                if saver is not None:
                    saver.wrote()
                continue
            for fd in fds:
                os.close(fd)
            for _ in range(message.count(b"fork")):
                ours, theirs = socket.socketpair()
                pid = os.fork()
                if pid == 0:
                    control.close()
                    wake_read.close()
                    wake_write.close()
                    signal.set_wakeup_fd(-1)
                    ours.close()
                    if saver is not None:
                        saver.forked()
                    become_worker(theirs, app.wsgi_app, memory_bytes, lambda payload: _catch_up(app, payload))
                theirs.close()
                _send(control, f"worker {pid} {_version(app)}", [ours.fileno()])
                ours.close()


def _reap(control: socket.socket, saver: IndexSaver | None = None) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if saver is not None and saver.reaped(pid, status):
            continue
        with contextlib.suppress(OSError):
            _send(control, f"exit {pid} {status}")
