"""A closed-loop HTTP load generator: N keep-alive connections, one thread each, latencies per request.

Why not urllib or http.client: on a 2-core machine the client shares the CPU
with the server it measures, and http.client's header parsing costs about as
much as a do-nothing Flask handler; a lighter client distorts the ratios less.
So this speaks just enough HTTP/1.1 (GET, Content-Length or chunked bodies,
keep-alive, reconnect on close) over plain sockets.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

ERROR_PAUSE_S = 0.05
"""Pause of a client after an error, before its next request."""
Check = Callable[[int, bytes, int], str | None]
"""(status, body, index of the request in the pool) -> None when correct, else the reason it is an error."""


@dataclass(frozen=True)
class Target:
    """Where to send requests: host, port, and a pool of raw GET requests sent round-robin."""

    host: str
    port: int
    requests: Sequence[bytes]
    check: Check


def get_request(host: str, port: int, path: str, *, params: dict[str, str] | None = None, accept: str = "*/*") -> bytes:
    """The bytes of one keep-alive HTTP/1.1 GET request."""
    if params:
        path += "?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params.items())
    return (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: {accept}\r\n"
        "User-Agent: coopgraph-bench\r\nConnection: keep-alive\r\n\r\n"
    ).encode("ascii")


class HttpError(Exception):
    """The server sent something this client cannot read, or closed the connection mid-response."""


class Connection:
    """One keep-alive connection; `exchange` sends a request and returns (status, body)."""

    def __init__(self, host: str, port: int, *, timeout: float, source: str | None = None) -> None:
        self.host, self.port, self.timeout, self.source = host, port, timeout, source
        self.sock: socket.socket | None = None
        self.buffer = b""

    def _connect(self) -> socket.socket:
        address = (self.source, 0) if self.source else None
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout, source_address=address)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock, self.buffer = sock, b""
        return sock

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buffer = None, b""

    def _fill(self, sock: socket.socket) -> None:
        chunk = sock.recv(65536)
        if not chunk:
            raise HttpError("connection closed by the server")
        self.buffer += chunk

    def _take(self, sock: socket.socket, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill(sock)
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def _line(self, sock: socket.socket) -> bytes:
        while (end := self.buffer.find(b"\r\n")) < 0:
            self._fill(sock)
        line, self.buffer = self.buffer[:end], self.buffer[end + 2 :]
        return line

    def exchange(self, request: bytes) -> tuple[int, bytes]:
        """Send `request`, read the whole response; reconnects first if the last one closed."""
        sock = self.sock or self._connect()
        try:
            sock.sendall(request)
            while (end := self.buffer.find(b"\r\n\r\n")) < 0:
                self._fill(sock)
            head, self.buffer = self.buffer[:end].decode("latin-1"), self.buffer[end + 4 :]
            status_line, *header_lines = head.split("\r\n")
            status = int(status_line.split(" ", 2)[1])
            headers = {}
            for line in header_lines:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if "content-length" in headers:
                body = self._take(sock, int(headers["content-length"]))
            elif "chunked" in headers.get("transfer-encoding", "").lower():
                body = self._chunked(sock)
            else:  # no length: the body runs to the end of the connection
                parts: list[bytes] = [self.buffer]
                while chunk := sock.recv(65536):
                    parts.append(chunk)
                body = b"".join(parts)
                headers["connection"] = "close"
        except (OSError, ValueError, IndexError, HttpError):
            self.close()
            raise
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body

    def _chunked(self, sock: socket.socket) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int(self._line(sock).split(b";", 1)[0], 16)
            if size == 0:
                while self._line(sock):  # trailers, up to the empty line
                    pass
                return b"".join(parts)
            parts.append(self._take(sock, size))
            self._take(sock, 2)


@dataclass
class Tally:
    """What one measured phase saw: latencies of correct responses, error count and a few reasons."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0
    capped: bool = False

    def error(self, reason: str) -> None:
        self.errors += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1

    def merge(self, other: Tally) -> None:
        self.latencies += other.latencies
        self.errors += other.errors
        for reason, count in other.reasons.items():
            self.reasons[reason] = self.reasons.get(reason, 0) + count
        self.elapsed += other.elapsed
        self.capped = self.capped or other.capped


def run(
    target: Target,
    *,
    concurrency: int,
    duration: float | None = None,
    requests: int | None = None,
    cap_s: float,
    timeout: float = 120.0,
    sources: Sequence[str] = (),
) -> Tally:
    """Keep `concurrency` requests in flight until `duration` seconds or `requests` requests, at most `cap_s`.

    Each thread owns one connection and sends its next request as soon as the
    last one is answered (closed loop). No new request starts after the stop;
    the ones in flight finish and count. Throughput = correct responses / elapsed.
    `sources`: loopback addresses the connections come from, one per thread in turn (as many clients would).
    """
    if (duration is None) == (requests is None):
        raise ValueError("give exactly one of duration and requests")
    limit_s = min(duration, cap_s) if duration is not None else cap_s
    order = itertools.count()  # next() is atomic under the GIL: a shared round-robin over the pool
    lock = threading.Lock()
    tally = Tally()
    start = time.perf_counter()
    deadline = start + limit_s

    def worker(number: int) -> None:
        source = sources[number % len(sources)] if sources else None
        connection = Connection(target.host, target.port, timeout=timeout, source=source)
        mine = Tally()
        try:
            while time.perf_counter() < deadline:
                n = next(order)
                if requests is not None and n >= requests:
                    return
                index = n % len(target.requests)
                began = time.perf_counter()
                try:
                    status, body = connection.exchange(target.requests[index])
                except (OSError, ValueError, IndexError, HttpError) as error:
                    mine.error(f"{type(error).__name__}: {error}")
                    time.sleep(ERROR_PAUSE_S)  # a client whose connection failed does not retry in a tight loop
                    continue
                latency = time.perf_counter() - began
                reason = target.check(status, body, index)
                if reason is None:
                    mine.latencies.append(latency)
                else:
                    mine.error(reason)
                    time.sleep(ERROR_PAUSE_S)
        finally:
            connection.close()
            with lock:
                tally.merge(mine)

    threads = [threading.Thread(target=worker, args=(i,), name=f"loadgen-{i}", daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tally.elapsed = time.perf_counter() - start
    if requests is not None:
        tally.capped = len(tally.latencies) + tally.errors < requests
    else:
        tally.capped = duration is not None and duration > cap_s
    return tally


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (`fraction` in 0..1) of `values`, which must not be empty."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[int(rank) - 1]
