"""The service description's counts (coopgraph/web/description.py) are patched by a write, not counted again:
after each change the patched summary, and the description made of it, are what counting the store gives."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from coopgraph.core.loading import ensure_loaded
from coopgraph.core.store import OxigraphStore
from coopgraph.core.writes.delta import Delta
from coopgraph.core.writes.journal import apply
from coopgraph.web.description import describe, description, patched, summary

EX = "http://example.org/described/"
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
AGENCY = ox.NamedNode("https://w3id.org/coopgraph/def#CooperationAgency")
NEW_GRAPH, OTHER_GRAPH = ox.NamedNode(EX + "graph"), ox.NamedNode(EX + "other")


def q(subject: str, predicate: ox.NamedNode, obj: ox.NamedNode | ox.Literal, graph: object) -> ox.Quad:
    return ox.Quad(ox.NamedNode(EX + subject), predicate, obj, graph)  # type: ignore[arg-type]


@pytest.fixture
def store() -> Iterator[OxigraphStore]:
    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        yield store


NEW_CLASS = ox.NamedNode(EX + "Class")
NEW_PROPERTY = ox.NamedNode(EX + "property")
CHANGES = [
    (
        "a new graph, class and property",
        [
            q("a", TYPE, NEW_CLASS, NEW_GRAPH),
            q("a", NEW_PROPERTY, ox.Literal("x"), NEW_GRAPH),
            q("a", LABEL, ox.Literal("a", language="es"), NEW_GRAPH),
        ],
        [],
    ),
    (
        "the same triple in a second graph and in the default graph",
        [
            q("a", TYPE, NEW_CLASS, OTHER_GRAPH),
            q("b", TYPE, AGENCY, ox.DefaultGraph()),
        ],
        [],
    ),
    ("the class leaves one graph but stays in the other", [], [q("a", TYPE, NEW_CLASS, NEW_GRAPH)]),
    (
        "the class, the property and a graph go",
        [],
        [
            q("a", TYPE, NEW_CLASS, OTHER_GRAPH),
            q("a", NEW_PROPERTY, ox.Literal("x"), NEW_GRAPH),
        ],
    ),
    (
        "a quad of the shipped data goes; a known class comes back",
        [q("c", TYPE, AGENCY, NEW_GRAPH)],
        [
            q("b", TYPE, AGENCY, ox.DefaultGraph()),
        ],
    ),
]


def test_each_write_patches_the_counts_to_what_counting_gives(store: OxigraphStore) -> None:
    found = summary(store)
    for version, (what, added, removed) in enumerate(CHANGES, start=1):
        # as the journal applies a write: with its version number (the first write adds the version's quad)
        made = apply(store.oxigraph, Delta(set(added), set(removed)), version)
        store.changed()
        found = patched(found, store, made)
        assert found == summary(store), what
        assert description(found, "http://example.org/sparql") == describe(store, "http://example.org/sparql"), what
    assert NEW_CLASS not in found.classes and NEW_PROPERTY not in found.properties
    assert found.graphs.get(NEW_GRAPH.value) == 2  # the label and the new agency's type are left in it


def test_a_saved_summary_of_another_shape_is_not_taken() -> None:
    """The counts saved with the index are taken only if they have this code's fields (else counted again)."""
    from types import SimpleNamespace

    from coopgraph.web.description import DESCRIPTION_KEY, Summary
    from coopgraph.web.sparql import restore_description

    whole, cut = Summary(1, set(), set(), {}), Summary(1, set(), set(), {})
    del cut.graphs  # as a summary pickled by a version of this code without that field would read back
    for saved, taken in ((whole, True), (cut, False), ("not a summary", False)):
        state = SimpleNamespace(cache={})
        restore_description(state, saved)  # type: ignore[arg-type]
        assert (DESCRIPTION_KEY in state.cache) == taken, saved
