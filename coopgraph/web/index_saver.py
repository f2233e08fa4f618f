"""The data holder's side of saving its matching index with the store (coopgraph/core/matching/saved.py).

The holder writes nothing to disk (its sandbox may not even let it): a child
forked from it, at a low CPU priority, pickles the index into a memory file
while the holder goes on forking workers and applying writes; when the
child has ended well, the holder hands the memory file to the front
(`index` message), which installs it in the data folder. One save runs at a
time; when it ends, another starts if the index changed meanwhile (a write).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

SAVER_NICE = 10
"""How much lower than the holder's the saver's CPU priority is: requests come first."""


class IndexSaver:
    """Saves the holder's current matching index unless it is the one the data folder holds already."""

    def __init__(self, app: Any, hand_over: Callable[[int], None], saved: object | None) -> None:
        self.app = app
        self.hand_over = hand_over
        """Sends a memory file holding a saved index to the front (which installs it)."""
        self.saved = saved
        """The index object the data folder holds (the one loaded at start, or last saved); None: none yet."""
        self.child: tuple[int, int, object] | None = None
        """The save under way: the child's PID, its memory file, the index it saves."""

    def start(self) -> None:
        """Save the index if it is current and not the one saved, unless a save is under way (`reaped` then
        starts the next)."""
        from coopgraph.core.matching.saved import store_key, write
        from coopgraph.web.state import EXTENSION, INDEX_KEY

        state = self.app.extensions[EXTENSION]
        index = state.cache.get(INDEX_KEY)
        if self.child is not None or index is None or index is self.saved or not index.is_current(state.store):
            return
        fd = os.memfd_create("coopgraph-match-index")
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child ends with os._exit (its coverage is never written)
            status = 1
            try:
                os.nice(SAVER_NICE)
                with os.fdopen(fd, "wb", closefd=False) as out:
                    write(index, store_key(state.store), out)
                status = 0
            except BaseException as error:
                log.warning("could not save the partner-matching index: %s", error)
            finally:
                os._exit(status)
        self.child = (pid, fd, index)

    def reaped(self, pid: int, status: int) -> bool:
        """Whether `pid` was the saver; if so, hand its file over when it ended well and start the next save."""
        if self.child is None or self.child[0] != pid:
            return False
        _, fd, index = self.child
        self.child = None
        try:
            if status == 0:
                os.lseek(fd, 0, os.SEEK_SET)
                self.hand_over(fd)
                self.saved = index
            else:
                log.warning("the partner-matching index was not saved (saver status %d)", status)
        finally:
            os.close(fd)
        self.start()
        return True
