"""The data holder's side of saving its matching index and a snapshot with the store (coopgraph/core/matching/saved.py).

The holder writes nothing to disk (its sandbox may not even let it): a child
forked from it, at a low CPU priority, writes the store's N-Quads into one
memory file and pickles the index (with the service description) into
another, while the holder goes on forking workers and applying writes; when
the child has ended well, the holder hands both memory files to the front
(`index` message), which installs them in the data folder. One save runs
at a time, and not while writes come: a save starts once no write has come
for `QUIET_S` (at 100,000 actors a save pickles the whole index, ~5 s of CPU
and 160 MB, and writes 230 MB of N-Quads, ~1 s), or at the latest
`LONGEST_UNSAVED_S` after the first write it has not saved, so that writes
that never pause (an import) still end in a save: the journal's log, which
keeps every write since the last save for a start after a crash to replay,
stays that short. When a save ends another starts if the index changed
meanwhile. When the front stops, it asks for a
last save (`finish`: after the one under way, if the index changed since)
and waits for it, so that a stop soon after a write does not leave the next
start to build the index.
"""

from __future__ import annotations

import logging
import os
import resource
import signal
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

SAVER_NICE = 10
"""How much lower than the holder's the saver's CPU priority is: requests come first."""
QUIET_S = 2.0
"""Seconds without a write before the index is saved: a burst of writes is saved once, after its last write."""
LONGEST_UNSAVED_S = 60.0
"""Seconds after a write not yet saved when a save starts even if writes keep coming (see the module docstring)."""


class IndexSaver:
    """Saves the holder's current matching index unless it is the one the data folder holds already."""

    def __init__(self, app: Any, hand_over: Callable[[list[int]], None], saved: tuple[int, int] | None) -> None:
        self.app = app
        self.hand_over = hand_over
        """Sends the memory files of a save (the snapshot, then the index) to the front (which installs them)."""
        self.saved = saved
        """The signature of the index the data folder holds (the one loaded at start, or last saved); None: none
        yet. A signature, not the index object: a write patches the index in place, and renews its signature."""
        self.child: tuple[int, list[int], tuple[int, int] | None] | None = None
        """The save under way: the child's PID, its memory files (snapshot, index), the signature of the index."""
        self.due: float | None = time.monotonic()
        """When to save next (`start`): now at first (the index built at start, unless loaded)."""
        self.finished: Callable[[], None] | None = None
        """Called once the last save is handed over, when the front is stopping (`finish`)."""
        self.unsaved_since: float | None = None
        """When the first write that no save under way or done holds was applied (None: there is none)."""

    def wrote(self) -> None:
        """A write was applied: save its index once writes have paused, or once the first write not saved is
        `LONGEST_UNSAVED_S` old."""
        now = time.monotonic()
        if self.unsaved_since is None:
            self.unsaved_since = now
        self.due = min(now + QUIET_S, self.unsaved_since + LONGEST_UNSAVED_S)

    def finish(self, finished: Callable[[], None]) -> None:
        """The front is stopping: save now if the index is not the one saved (after the save under way, if any),
        then call `finished` (at once if there is nothing to save). A restart then starts from the saved index and
        snapshot instead of building the index (~30 s at 100k actors) when it stops within a save's time of a
        write."""
        self.finished = finished
        self.due = None
        self.start()
        self._finish_if_idle()

    def _finish_if_idle(self) -> None:
        if self.finished is not None and self.child is None:
            finished, self.finished = self.finished, None
            finished()

    def wait_s(self) -> float | None:
        """How long the holder may wait for a message before the next save is due (None: none is)."""
        return None if self.due is None else max(0.0, self.due - time.monotonic())

    def tick(self) -> None:
        """Start the save if it is due."""
        if self.due is not None and time.monotonic() >= self.due:
            self.due = None
            self.start()

    def start(self) -> None:
        """Save the index if it is current and not the one saved, unless a save is under way (when it ends,
        `reaped` makes the next save due)."""
        from coopgraph.core.matching.saved import store_key, write, write_snapshot
        from coopgraph.web.sparql import description_summary
        from coopgraph.web.state import EXTENSION, INDEX_KEY

        state = self.app.extensions[EXTENSION]
        index = state.cache.get(INDEX_KEY)
        if (
            self.child is not None
            or index is None
            or index.signature == self.saved
            or not index.is_current(state.store)
        ):
            return
        fds = [os.memfd_create("coopgraph-store-snapshot"), os.memfd_create("coopgraph-match-index")]
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child ends with os._exit (its coverage is never written)
            status = 1
            try:
                signal.set_wakeup_fd(-1)
                low = 3  # close all but its memory files, the control socket above all: the front must see the
                for fd in sorted(fds):  # holder's end, not ours
                    os.closerange(low, fd)
                    low = fd + 1
                os.closerange(low, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
                os.nice(SAVER_NICE)
                with os.fdopen(fds[0], "w+b", closefd=False) as snapshot, os.fdopen(fds[1], "wb", closefd=False) as out:
                    write_snapshot(state.store, snapshot)
                    snapshot.flush()
                    description = description_summary(state)
                    write(index, store_key(state.store), out, description=description, snapshot=snapshot)
                status = 0
            except BaseException as error:
                log.warning("could not save the partner-matching index: %s", error)
            finally:
                os._exit(status)
        self.child = (pid, fds, index.signature)
        self.unsaved_since = None  # the child saves every write applied so far

    def forked(self) -> None:
        """In a worker just forked from the holder: let go of the memory files of a save under way (a worker
        holding them would keep their pages, the size of the index and of the store, for its whole life)."""
        if self.child is not None:
            for fd in self.child[1]:
                os.close(fd)
            self.child = None

    def reaped(self, pid: int, status: int) -> bool:
        """Whether `pid` was the saver; if so, hand its files over when it ended well and make the next save due."""
        if self.child is None or self.child[0] != pid:
            return False
        _, fds, signature = self.child
        self.child = None
        try:
            if status == 0:
                for fd in fds:
                    os.lseek(fd, 0, os.SEEK_SET)
                self.hand_over(fds)
                self.saved = signature
            else:
                log.warning("the partner-matching index was not saved (saver status %d)", status)
        finally:
            for fd in fds:
                os.close(fd)
        if self.finished is not None:  # stopping: a write while it ran is saved now, then the front is told
            if status == 0:
                self.start()
            self._finish_if_idle()
        elif status == 0 and self.due is None:  # (a failed save is tried again after the next write, not at once)
            self.due = time.monotonic()  # a write while it ran: its index is saved next (`start` skips a saved one)
        return True
