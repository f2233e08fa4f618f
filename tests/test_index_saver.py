"""When the data holder saves its matching index and the store's snapshot (coopgraph/web/index_saver.py).

A save waits for writes to pause, but not forever: under writes that never
pause, the journal's log (every write since the last save, replayed by a
start after a crash) would grow without end. The saver runs for real here
(its child forks and writes both memory files); only its clock is ours.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from coopgraph.core.matching.facts import fingerprint
from coopgraph.core.store import OxigraphStore
from coopgraph.web import index_saver
from coopgraph.web.app import create_app
from coopgraph.web.index_saver import LONGEST_UNSAVED_S, QUIET_S, IndexSaver
from coopgraph.web.match import match_index
from coopgraph.web.state import EXTENSION


class Clock:
    """Stands for the `time` module in index_saver.py: the test says what time it is."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def served(fixtures_dir: Path) -> Iterator[Flask]:
    """An app over a small store of its own (the test writes to it), its matching index built."""
    store = OxigraphStore.in_memory()
    store.load([fixtures_dir / "good.ttl"], graph="https://w3id.org/coopgraph/graph/local")
    app = create_app({}, store=store)
    with app.app_context():
        match_index(app.extensions[EXTENSION])
    yield app
    app.extensions[EXTENSION].close()


def _write(app: Flask, saver: IndexSaver) -> None:
    """What the holder does after it applies a write: the store changed, the index patched, the saver told."""
    state = app.extensions[EXTENSION]
    state.store.changed()
    with app.app_context():
        match_index(state).signature = fingerprint(state.store)
    saver.wrote()


def _reap(saver: IndexSaver) -> bool:
    """Wait for the save under way, if any, and hand it to the saver as the holder's loop would; whether it ended
    well."""
    if saver.child is None:
        return False
    pid, status = os.waitpid(saver.child[0], 0)
    assert saver.reaped(pid, os.waitstatus_to_exitcode(status))
    return status == 0


def _sizes(handed: list[list[int]]) -> Callable[[list[int]], None]:
    """A hand-over that keeps the sizes of the memory files handed (the snapshot, the index)."""
    return lambda fds: handed.append([os.fstat(fd).st_size for fd in fds])


def test_writes_that_never_pause_are_saved_within_the_longest_wait(
    served: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    monkeypatch.setattr(index_saver, "time", clock)
    handed: list[list[int]] = []
    saver = IndexSaver(served, _sizes(handed), saved=None)
    saver.due = None  # the save a start makes of an index it built is not what this is about
    start = clock.now
    saves: list[float] = []
    for second in range(int(2 * LONGEST_UNSAVED_S) + 2):  # a write every second, never a pause
        clock.now = start + second
        _write(served, saver)
        saver.tick()
        if _reap(saver):
            saves.append(clock.now - start)
    # the first save when the write at 0 s is the longest wait old; the next when the first write after that
    # save (at LONGEST_UNSAVED_S + 1) is
    assert saves == [LONGEST_UNSAVED_S, 2 * LONGEST_UNSAVED_S + 1]
    assert len(handed) == 2 and all(snapshot > 0 and index > 0 for snapshot, index in handed)


def test_a_burst_of_writes_is_saved_once_after_it_pauses(served: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(index_saver, "time", clock)
    handed: list[list[int]] = []
    saver = IndexSaver(served, _sizes(handed), saved=None)
    saver.due = None
    for _ in range(10):  # ten writes in a second: no save while they come
        clock.now += 0.1
        _write(served, saver)
        saver.tick()
        assert saver.child is None
    clock.now += QUIET_S - 0.05
    saver.tick()
    assert saver.child is None
    clock.now += 0.1
    saver.tick()
    assert _reap(saver)
    assert len(handed) == 1
    clock.now += 10 * LONGEST_UNSAVED_S  # nothing written since: nothing more to save
    saver.tick()
    assert saver.child is None and saver.wait_s() is None
