"""Real SPARQL engines for the tests: `oxigraph serve` started as a process on a free loopback port.

The tests stop, freeze (SIGSTOP) and restart these processes to see what a
client meets when an engine goes down, hangs, or comes back.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from tools import oxigraph_program

from coopgraph.core.store import SparqlStore

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


class OxigraphServer:
    """One `oxigraph serve` process (in memory, or on disk at `location`), by default with the union default graph."""

    def __init__(self, *, location: Path | None = None, union: bool = True, port: int | None = None) -> None:
        self.location, self.union = location, union
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def start(self) -> None:
        """Start (or restart, on the same port and location) and wait until it answers."""
        command = [oxigraph_program(), "serve", "--bind", f"{HOST}:{self.port}"]
        command += ["--location", str(self.location)] if self.location is not None else []
        command += ["--union-default-graph"] if self.union else []
        self.log = tempfile.TemporaryFile()  # noqa: SIM115  # lives as long as the server; not a pipe, which can fill
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"oxigraph serve exited: {self.log.read().decode(errors='replace')[-1000:]}")
            try:
                with urllib.request.urlopen(self.url("/query?query=ASK%7B%7D"), timeout=2):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("oxigraph serve did not answer within 30 s")

    def stop(self) -> None:
        """End this process (by its id) and wait for it."""
        if self.process is not None and self.process.poll() is None:
            self.thaw()
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()

    def freeze(self) -> None:
        """SIGSTOP: the kernel still accepts connections, nothing answers (a hung engine)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def endpoints(self, *, gsp: bool = True) -> dict[str, str | None]:
        """Its Query, Update and (unless `gsp` is False) Graph Store Protocol URLs, as EngineConfig names them."""
        return {
            "query_url": self.url("/query"),
            "update_url": self.url("/update"),
            "gsp_url": self.url("/store") if gsp else None,
        }

    def store(self, *, gsp: bool = True, **options: Any) -> SparqlStore:
        """A SparqlStore on this server (with its Graph Store Protocol endpoint unless `gsp` is False)."""
        return SparqlStore(
            query_url=self.url("/query"),
            update_url=self.url("/update"),
            gsp_url=self.url("/store") if gsp else None,
            **options,
        )


class Engine(Protocol):
    """What the tests need of a running SPARQL engine: its endpoints, a store on it, a way to end it."""

    def endpoints(self, *, gsp: bool = True) -> dict[str, str | None]: ...

    def store(self, *, gsp: bool = True, **options: Any) -> SparqlStore: ...

    def stop(self) -> None: ...


EMBEDDED = "embedded"
"""The backend that is no engine: the service's own embedded Oxigraph store."""
ENGINES: dict[str, Callable[[Path], Engine]] = {
    "oxigraph": lambda folder: OxigraphServer(location=folder / "data"),
}
"""The engines the service tests also run on, each started afresh in a folder of its own (on disk, union default
graph). Another engine is one more entry here (and its program in tools.py)."""
BACKENDS = (EMBEDDED, *ENGINES)
"""What `store_backend` runs over in a module marked `backends` (tests/conftest.py)."""
