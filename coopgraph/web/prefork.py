"""Pre-forked request processes: the server `coopgraph serve` runs (and the benchmark's do-nothing peer).

The supervisor binds the listening socket and starts `processes` request
processes; each runs a WSGI app under waitress with `threads` threads on that
shared socket (the kernel hands each new connection to one of them). Each has
its own GIL, and the app runs queries in its own threads against its own
in-memory store: no hop to another process on the request path.

Why processes: pyoxigraph cannot cancel a query, so the time limit frees the
CPU by ending the process that runs it. A request process whose query
overran *retires* (`RequestProcess.begin`): it stops accepting connections, tells
the supervisor (which starts its replacement at once), answers its other
requests with `Connection: close` for at most RETIRE_GRACE_S, and exits.

Supervisor and request process talk over a socket pair: the supervisor sends
the app's configuration (one JSON line), the process answers `ready` and,
later, `retiring`. When the supervisor dies, that socket closes and its
request processes exit too (no orphans).

The app factory is named as "module:function" and called in the request
process as `function(config, retire)`, `retire` being the callable that
starts the retirement; it returns the WSGI app.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import json
import logging
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RETIRE_GRACE_S = 0.5
"""Most seconds a retiring process keeps serving the requests it already has (the runaway query burns meanwhile)."""
START_TIMEOUT_S = 600.0
"""Most seconds a request process may take to load its data and say `ready`."""
MAX_FAILED_STARTS = 3
"""Request processes that may die in a row before becoming ready before the supervisor gives up."""
BACKLOG = 1024
ANSWER_KEY = "coopgraph.answer"
"""WSGI environ key of `answer(environ, status, headers, body)`: answers a request whose own thread is stuck
(a query past its time limit) through the server, then the request thread must never answer it itself."""
ROOT = Path(__file__).resolve().parents[2]
"""The folder holding the `coopgraph` package (a source tree or site-packages), first on a request process's path."""
MALLOC_TUNABLES = ("glibc.malloc.tcache_count=256",)
"""glibc malloc settings of the request processes (ignored by other C libraries). pyoxigraph allocates and
frees many small blocks per query; glibc's per-thread cache keeps 7 of each size by default, and the
overflow goes through its slower shared bins. A deeper cache makes pyoxigraph's part of a point query ~30%
and the whole request ~15% cheaper (`bench/bench_request_path.py` measures both ways side by side). A setting
of the same name already in GLIBC_TUNABLES wins; the variable must be set before a process starts."""

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
AppFactory = Callable[[Mapping[str, Any], Callable[[], None]], WSGIApp]


class StartError(RuntimeError):
    """The request processes could not be started (the message says why)."""


# --- the request process ---------------------------------------------------------------------------------------


class RequestProcess:
    """This request process's hooks: answer a request whose thread is stuck, and retire (at the
    supervisor's SIGTERM, or after a query overran)."""

    def __init__(self, control: socket.socket) -> None:
        self.control = control
        self.started = threading.Event()
        self.server: Any = None
        self.connections: dict[int, Any] = {}
        """waitress's map of sockets to channels (the listener and every open connection)."""

    def begin(self, tell_supervisor: bool = True) -> None:
        """Stop accepting, say `retiring`, and exit once the requests in hand are answered (or at the grace)."""
        if self.started.is_set():
            return
        self.started.set()
        if self.server is not None:
            self.server.accepting = False  # waitress stops polling the listening socket
        if tell_supervisor:
            with contextlib.suppress(OSError):
                self.control.sendall(b"retiring\n")
        threading.Thread(target=self._drain_then_exit, name="coopgraph-retire", daemon=True).start()

    def wrap(self, app: WSGIApp) -> WSGIApp:
        """The app, offered `answer` (ANSWER_KEY), answering with `Connection: close` once retiring (clients
        reconnect to another process)."""
        started = self.started
        answer = self.answer

        def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            environ[ANSWER_KEY] = answer
            if not started.is_set():
                return app(environ, start_response)

            def closing(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                headers = [(k, v) for k, v in headers if k.lower() != "connection"] + [("Connection", "close")]
                return start_response(status, headers, exc_info)

            return app(environ, closing)

        return application

    def answer(self, environ: dict[str, Any], status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        """Write a whole response for the request of `environ` from another thread, and close the connection.

        waitress keeps a connection's output in its channel, reached through
        the documented `waitress.client_disconnected` environ callable (a
        method of the channel); task threads write there with `write_soon`,
        and so does this. These are waitress 3 internals, hence the version
        bound in pyproject.toml; tests/test_service_limits.py checks the
        answer. Raises OSError when the client is gone.
        """
        from waitress.channel import ClientDisconnected

        channel = environ["waitress.client_disconnected"].__self__
        lines = [f"{environ.get('SERVER_PROTOCOL', 'HTTP/1.1')} {status}"]
        lines += [f"{name}: {value}" for name, value in headers if name.lower() != "connection"]
        head = "\r\n".join([*lines, "Connection: close", "", ""]).encode("latin-1")
        try:
            channel.write_soon(head + body)
        except ClientDisconnected as error:
            raise ConnectionResetError("the client closed the connection") from error
        channel.close_when_flushed = True
        channel.server.pull_trigger()

    def _busy(self) -> bool:
        dispatcher = self.server.task_dispatcher if self.server is not None else None
        if dispatcher is not None and (dispatcher.active_count or dispatcher.queue):
            return True
        return any(getattr(channel, "total_outbufs_len", 0) for channel in list(self.connections.values()))

    def _drain_then_exit(self) -> None:
        deadline = time.monotonic() + RETIRE_GRACE_S
        time.sleep(0.01)  # let the request that started the retirement finish handing over its answer
        while time.monotonic() < deadline and self._busy():
            time.sleep(0.01)
        os._exit(0)  # the runaway query's thread cannot be stopped otherwise


def _read_line(sock: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError("the supervisor closed the control socket")
        data += chunk
    return data


def _load_factory(name: str) -> AppFactory:
    module, _, function = name.partition(":")
    factory: AppFactory = getattr(importlib.import_module(module), function)
    return factory


def request_process(*, listen_fd: int, control_fd: int, threads: int, factory: str) -> None:
    """A request process's life: read the configuration, build the app, say `ready`, serve until retired."""
    from waitress.server import create_server

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the supervisor decides
    control = socket.socket(fileno=control_fd)
    config = json.loads(_read_line(control))
    process_hooks = RequestProcess(control)
    app = process_hooks.wrap(_load_factory(factory)(config, process_hooks.begin))
    listener = socket.socket(fileno=listen_fd)
    server = create_server(
        app,
        map=process_hooks.connections,
        sockets=[listener],
        threads=threads,
        ident="coopgraph",
    )
    process_hooks.server = server
    signal.signal(signal.SIGTERM, lambda *_: process_hooks.begin(tell_supervisor=False))

    def lifeline() -> None:
        """Exit when the supervisor is gone (its end of the control socket closes)."""
        try:
            while control.recv(4096):
                pass
        except OSError:
            pass
        os._exit(0)

    threading.Thread(target=lifeline, name="coopgraph-lifeline", daemon=True).start()
    control.sendall(b"ready\n")
    server.run()


def child_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment of a request process: `environ`, ROOT first on PYTHONPATH, MALLOC_TUNABLES."""
    env = dict(environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    given = [item for item in env.get("GLIBC_TUNABLES", "").split(":") if item]
    names = {item.partition("=")[0] for item in given}
    env["GLIBC_TUNABLES"] = ":".join(given + [item for item in MALLOC_TUNABLES if item.partition("=")[0] not in names])
    return env


# --- the supervisor --------------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Child:
    process: subprocess.Popen[bytes]
    control: socket.socket
    buffer: bytes = b""
    ready: bool = False
    retiring: bool = False


@dataclass
class Supervisor:
    """Keeps `processes` request processes serving `factory` on one listening socket."""

    factory: str
    config: Mapping[str, Any]
    processes: int = 2
    threads: int = 4
    children: set[_Child] = field(default_factory=set)
    _failed_starts: int = 0

    def serve(self, listener: socket.socket, on_ready: Callable[[], None] = lambda: None) -> None:
        """Start the request processes, call `on_ready` once all serve, then keep them serving until stopped."""
        self._listener = listener
        self._selector = selectors.DefaultSelector()
        try:
            for _ in range(self.processes):
                self._start()
            self._wait_ready()
            on_ready()
            while True:
                self._step(timeout=1.0)
        finally:
            self.stop()

    def _start(self) -> None:
        control, theirs = socket.socketpair()
        command = [
            sys.executable,
            "-c",  # not `-m coopgraph.web.prefork`: the package imports this module first, and runpy would run a second copy
            "from coopgraph.web.prefork import main; main()",
            "--listen-fd",
            str(self._listener.fileno()),
            "--control-fd",
            str(theirs.fileno()),
            "--threads",
            str(self.threads),
            "--factory",
            self.factory,
        ]
        process = subprocess.Popen(
            command,
            pass_fds=(self._listener.fileno(), theirs.fileno()),
            stdin=subprocess.DEVNULL,
            env=child_environment(os.environ),
        )
        theirs.close()
        control.sendall(json.dumps(dict(self.config)).encode() + b"\n")
        child = _Child(process, control)
        self.children.add(child)
        self._selector.register(control, selectors.EVENT_READ, child)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not all(child.ready for child in self.children):
            if time.monotonic() > deadline:
                raise StartError(f"the request processes did not start within {START_TIMEOUT_S:g} s")
            self._step(timeout=0.5, starting=True)

    def _step(self, *, timeout: float, starting: bool = False) -> None:
        """Read the request processes' messages; replace those retiring or gone."""
        for key, _ in self._selector.select(timeout):
            child: _Child = key.data
            try:
                chunk = child.control.recv(4096)
            except OSError:
                chunk = b""
            if not chunk:
                self._gone(child, starting)
                continue
            child.buffer += chunk
            while b"\n" in child.buffer:
                line, child.buffer = child.buffer.split(b"\n", 1)
                if line == b"ready":
                    child.ready = True
                    self._failed_starts = 0
                elif line == b"retiring" and not child.retiring:
                    child.retiring = True
                    log.warning(
                        "request process %d retires (a query overran the time limit)",
                        child.process.pid,
                    )
                    self._start()

    def _gone(self, child: _Child, starting: bool) -> None:
        """A request process closed its control socket: it exited (or is about to)."""
        self._selector.unregister(child.control)
        child.control.close()
        self.children.discard(child)
        code = child.process.wait()
        if child.retiring:
            return
        if not child.ready:
            self._failed_starts += 1
            if starting or self._failed_starts >= MAX_FAILED_STARTS:
                raise StartError(f"a request process exited with status {code} before it could serve")
        log.warning(
            "request process %d exited unexpectedly (status %s); starting another",
            child.process.pid,
            code,
        )
        self._start()

    def stop(self) -> None:
        """SIGTERM every request process (each finishes what it has, within the grace), then wait for them."""
        for child in self.children:
            if child.process.poll() is None:
                child.process.terminate()
        deadline = time.monotonic() + RETIRE_GRACE_S + 5
        for child in list(self.children):
            try:
                child.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
            child.control.close()
        self.children.clear()


def listen(host: str, port: int) -> socket.socket:
    """The listening socket the request processes share."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        if error.errno == errno.EADDRINUSE:
            raise StartError(
                f"port {port} on {host} is in use (another coopgraph serve?): stop it, or choose another port "
                f"with --port (make serve PORT=8080)"
            ) from None
        raise StartError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    listener.listen(BACKLOG)
    listener.set_inheritable(True)
    return listener


def serve(
    factory: str,
    config: Mapping[str, Any],
    *,
    host: str,
    port: int,
    processes: int,
    threads: int,
    on_ready: Callable[[socket.socket], None] = lambda _: None,
) -> None:
    """Serve `factory`'s app on host:port with pre-forked request processes until SIGTERM or Ctrl-C."""
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    listener = listen(host, port)
    try:
        Supervisor(factory, config, processes=processes, threads=threads).serve(listener, lambda: on_ready(listener))
    except KeyboardInterrupt:
        pass
    finally:
        listener.close()
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> None:
    """Entry point of a request process (the supervisor starts it; not meant to be run by hand)."""
    parser = argparse.ArgumentParser(description="A coopgraph request process (started by `coopgraph serve`).")
    parser.add_argument("--listen-fd", type=int, required=True)
    parser.add_argument("--control-fd", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--factory", required=True)
    args = parser.parse_args(argv)
    request_process(
        listen_fd=args.listen_fd,
        control_fd=args.control_fd,
        threads=args.threads,
        factory=args.factory,
    )
