"""A write's two halves, the first: its whole change, checked at the gate, with its audit record (see __init__.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox

from coopgraph.core.writes.audit import audit_quads, new_write_id
from coopgraph.core.writes.delta import Delta, change
from coopgraph.core.writes.gate import check_write
from coopgraph.core.writes.journal import stored_version


@dataclass
class Plan:
    """A write ready to commit: its whole change (audit record included), id, and the version it was made on."""

    delta: Delta
    write_id: str
    base: int
    changed: Delta
    """The change without its audit record (what conflicts are decided on)."""


def prepare(
    store: ox.Store,
    operation: Callable[[ox.Store], Delta],
    *,
    who: str,
    scope: str,
    name: str,
    lang: str = "es",
    reverts: str | None = None,
) -> Plan:
    """Run `operation` on `store` (changing it), check its change at the gate, add its audit record.

    `store` is left as it was, whatever happens: the change is applied by
    whoever commits the plan. Refusal (403, 422) when the gate refuses.
    """
    base = stored_version(store)
    changed = operation(store)
    try:
        check_write(store, changed, scope=scope, lang=lang)
    finally:  # the store as it was: the change is committed by the store's owner, or not at all
        undo = changed.inverse()
        change(store, remove=undo.removed, add=undo.added)
    write_id = new_write_id()
    delta = Delta(set(changed.added), set(changed.removed))
    if changed:
        delta.added |= set(audit_quads(changed, write_id=write_id, who=who, operation=name, reverts=reverts))
    return Plan(delta, write_id, base, changed)
