"""How a process of `coopgraph serve` applies a write for the garbage collector (coopgraph/web/workers.py,
`_frozen_after`): the big dicts a write adds tuples to are frozen while tracked, so that no later collection
walks them again (each process's first collection after every write used to walk ~300k entries at 100k actors).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from coopgraph.web.workers import _frozen_after


@pytest.fixture
def frozen_process() -> Iterator[None]:
    """This process as a worker starts: collected, then frozen (undone afterwards, for the other tests)."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def young(target: object) -> bool:
    return any(obj is target for generation in range(3) for obj in gc.get_objects(generation))


def test_a_table_a_write_adds_to_stays_out_of_the_collections(frozen_process: None) -> None:
    types = {f"https://example.org/s{n}": (f"https://example.org/C{n % 7}",) for n in range(20_000)}
    gc.collect()  # its tuples hold only strings: the collector untracks them, then the dict
    assert not gc.is_tracked(types)
    for write in range(3):
        with _frozen_after():
            types[f"https://example.org/new{write}"] = (f"https://example.org/New{write}",)  # tracks the dict again
        assert gc.is_tracked(types) and not young(types), f"write {write}: the table is in a young generation"
        gc.collect()
        assert gc.is_tracked(types), "a collection untracked it: the next write would put it back among the young"


def test_collecting_after_each_write_instead_leaves_the_table_among_the_young(frozen_process: None) -> None:
    """What `_frozen_after` replaces (collect, then freeze, after the write): the next write's tuple puts the
    table back in the youngest generation, where every collection walks it."""
    types = {f"https://example.org/s{n}": (f"https://example.org/C{n % 7}",) for n in range(20_000)}
    for write in range(2):
        types[f"https://example.org/new{write}"] = (f"https://example.org/New{write}",)
        gc.collect()
        gc.freeze()
    last = 2
    types[f"https://example.org/new{last}"] = (f"https://example.org/New{last}",)  # a new tuple, tracked
    assert young(types)
