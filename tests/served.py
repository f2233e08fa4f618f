"""Run the real `coopgraph serve` in a subprocess on a port the system picks; find its processes.

`serving(*options)` runs the command line; `serving_config(config)` runs `coopgraph.web.serve.run` with a
settings dict (for what the command line does not offer, such as turning the guard off to test the sandbox alone).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAIN = "from coopgraph.cli.main import main; main()"
ANNOUNCED = re.compile(r"serving (http://\S+?)/ ")
RUN = """
import json, sys
from coopgraph.web.serve import run
from coopgraph.web.engine import EngineConfig
from coopgraph.web.settings import resolve
config = json.loads(sys.argv[1])
engine = EngineConfig(**config.pop("engine")) if "engine" in config else None
settings = {**resolve({k: v for k, v in config.items() if not k.isupper()}), **{k: v for k, v in config.items() if k.isupper()}}
def announce(listener, layers):
    host, port = listener.getsockname()[:2]
    print(f"coopgraph: serving http://{host}:{port}/ sandbox: {' + '.join(layers) or 'none'}", file=sys.stderr, flush=True)
run(settings, host="127.0.0.1", port=0, announce=announce, engine=engine)
"""
START_S = 300.0
"""A bounded wait for start-up (a first start on disk loads the shipped graphs), not a timing assertion."""


@dataclass
class Served:
    """A running `coopgraph serve`: its base URL, its process, and everything it wrote to stderr."""

    base: str
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    def holder(self) -> int:
        """The process id of the data holder (the front's one child)."""
        (pid,) = children(self.process.pid)
        return pid

    def request_processes(self) -> set[int]:
        """The process ids of its live workers: the holder's children (from Linux's /proc) but the one that saves
        the matching index for a few seconds after a start or a write (coopgraph/web/index_saver.py)."""
        return {pid for pid in children(self.holder()) if not holds_index_memory_file(pid)}

    def stderr(self) -> str:
        return "".join(self.lines)


def children(parent: int) -> set[int]:
    """Live (not zombie) child processes of `parent`."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, ppid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
        except OSError:
            continue
        if int(ppid) == parent and state != "Z":
            found.add(int(entry.name))
    return found


def holds_index_memory_file(pid: int) -> bool:
    """Whether process `pid` holds the memory file a saved matching index is written to (the holder's saver does,
    and nothing else should once the save has ended)."""
    try:
        links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    except (FileNotFoundError, ProcessLookupError):
        return False  # it ended meanwhile
    return any("coopgraph-match-index" in link for link in links)


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def get(url: str, timeout: float = 60) -> tuple[int, bytes]:
    """GET with urllib: (status, body), error statuses included."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


def serving(*options: str, env: dict[str, str] | None = None) -> AbstractContextManager[Served]:
    """`coopgraph serve --port 0 OPTIONS...` (`env` added to the environment) until the block ends, then SIGTERM."""
    return _serving([sys.executable, "-c", MAIN, "serve", "--port", "0", *options], env)


def serving_config(config: dict[str, object], env: dict[str, str] | None = None) -> AbstractContextManager[Served]:
    """`coopgraph.web.serve.run` with these settings (upper-case keys go to the Flask config) on a free port; an
    `engine` key (EngineConfig's fields) serves from that SPARQL engine, as `--store sparql` does."""
    return _serving([sys.executable, "-c", RUN, json.dumps(config)], env)


@contextmanager
def _serving(command: list[str], env: dict[str, str] | None) -> Iterator[Served]:
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )
    served = Served("", process)
    announced = threading.Event()

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            served.lines.append(line)
            match = ANNOUNCED.search(line)
            if match and not announced.is_set():
                served.base = match.group(1)
                announced.set()
        announced.set()  # the process ended: stop waiting

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        announced.wait(START_S)
        if not served.base:
            raise AssertionError(f"serve did not start: {served.stderr()}")
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=5)
        assert process.stderr is not None
        process.stderr.close()


def wait_until(condition: Callable[[], object], seconds: float = 60.0) -> bool:
    """Poll `condition()` every 20 ms for at most `seconds` (a bound on waiting, not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return bool(condition())


@contextmanager
def shipped_site(folder: Path) -> Iterator[str]:
    """The app (`create_app`, data folder `folder`) on its own in-memory copy of the shipped graphs, served by
    waitress until the block ends: its base URL. Lighter than `serving` (no front, holder or workers)."""
    from coopgraph.core.loading import ensure_loaded
    from coopgraph.core.store import OxigraphStore
    from coopgraph.web.app import create_app
    from coopgraph.web.state import EXTENSION
    from coopgraph.web.testing import live_server

    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        app = create_app({"data_dir": str(folder)}, store=store)
        try:
            with live_server(app) as base:
                yield base
        finally:
            app.extensions[EXTENSION].close()
