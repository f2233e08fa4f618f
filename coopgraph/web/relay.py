"""The one way out of the sandbox in remote mode: Unix sockets the front pipes to the engine's address alone.

With `--store sparql` the workers must reach the engine, yet they keep both
sandbox layers (coopgraph/web/sandbox.py: no socket but AF_UNIX, an empty
network namespace). The front, which is not sandboxed and runs no query,
listens on one Unix socket per engine address (host and port of the query,
update and Graph Store Protocol URLs), in a private folder (mode 0700), and
pipes each connection made there to that address, and to no other. The data
holder installs, before it forks, a urllib opener (`route_through`) whose
HTTP and HTTPS connections to those addresses go through the sockets (TLS
still ends at the engine: the front sees bytes), and whose connections to
anywhere else fail. SPARQLWrapper and the Graph Store Protocol client both
use urllib's installed opener, so every request to the engine takes this way.

What this allows a worker: bytes to the engine's HTTP endpoint, no more (no
DNS, no other host or port); what the engine then does with a query is the
engine's (coopgraph/web/guard.py refuses SERVICE and LOAD before a query is
sent; see the README on the engine's own SERVICE setting).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import http.client
import logging
import shutil
import socket
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
PIPE_CHUNK = 1 << 16
CONNECT_TIMEOUT_S = 10.0


def address(url: str) -> tuple[str, int]:
    """The host and port an http(s) URL connects to."""
    parts = urllib.parse.urlsplit(url)
    if parts.hostname is None:
        raise ValueError(f"no host in {url!r}")
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def route_key(host: str, port: int) -> str:
    return f"{host.lower()}:{port}"


class EngineRelay:
    """The front's side: a Unix socket per engine address, each connection piped to that address."""

    def __init__(self, urls: Iterable[str]) -> None:
        self.targets = sorted({address(url) for url in urls})
        self.folder = Path(tempfile.mkdtemp(prefix="coopgraph-engine-"))
        self.routes = {
            route_key(host, port): str(self.folder / f"{n}.sock") for n, (host, port) in enumerate(self.targets)
        }
        self._servers: list[asyncio.base_events.Server] = []
        self._pipes: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        for host, port in self.targets:
            path = self.routes[route_key(host, port)]
            server = await asyncio.start_unix_server(functools.partial(self._pipe, host=host, port=port), path=path)
            self._servers.append(server)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, host: str, port: int) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._pipes.add(task)
        try:
            try:
                async with asyncio.timeout(CONNECT_TIMEOUT_S):
                    up_reader, up_writer = await asyncio.open_connection(host, port)
            except (OSError, TimeoutError) as error:
                log.warning("the engine at %s:%d is unreachable: %s", host, port, error)
                return  # closing the worker's socket: its client reports the engine unreachable
            try:
                await asyncio.gather(_copy(reader, up_writer), _copy(up_reader, writer))
            finally:
                up_writer.close()
        finally:
            writer.close()
            if task is not None:
                self._pipes.discard(task)

    async def close(self) -> None:
        for server in self._servers:
            server.close()
        for task in list(self._pipes):
            task.cancel()
        shutil.rmtree(self.folder, ignore_errors=True)


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Bytes from `reader` to `writer` until the end (then half-close), or until either side fails."""
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        while data := await reader.read(PIPE_CHUNK):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()


# --- the workers' side --------------------------------------------------------------------------------------------


def _connect(routes: Mapping[str, str], host: str, port: int, timeout: Any) -> socket.socket:
    path = routes.get(route_key(host, port))
    if path is None:
        raise OSError(errno.EACCES, f"{host}:{port} is not the engine: no other address is reachable")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:  # type: ignore[attr-defined]
            sock.settimeout(timeout)
        sock.connect(path)
    except BaseException:
        sock.close()
        raise
    return sock


def route_through(routes: Mapping[str, str]) -> None:
    """Install, for this process and its forks, a urllib opener that reaches `routes` (host:port → Unix socket
    path) through their sockets and nothing else (proxies from the environment are ignored)."""
    table = dict(routes)

    class Connection(http.client.HTTPConnection):
        def connect(self) -> None:
            self.sock = _connect(table, self.host, self.port, self.timeout)

    class SecureConnection(http.client.HTTPSConnection):
        def connect(self) -> None:
            raw = _connect(table, self.host, self.port, self.timeout)
            self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]

    class Handler(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(Connection, req)

    class SecureHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(SecureConnection, req, context=self._context)  # type: ignore[attr-defined]

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), Handler(), SecureHandler())
    urllib.request.install_opener(opener)
