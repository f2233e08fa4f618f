"""Patching the per-actor tables of a MatchIndex after a write that adds, changes or deletes actors only.

A new partner (its sectors, country, kinds of cooperation, networks), an
actor's sectors changed or an actor deleted changes, of what
`MatchIndex.from_facts` builds, only the rows of those actors (kind, tie
order, features, group, contacts, the association of a peer, register
track), their entries in the tables by term (postings of themes and ways,
their values and static rankings, the actors declaring a sector, a
network's members) and the path graph's edges out of them. Each row is
computed for the written actors alone, by the build step itself (build.py,
groups.py, ways.py), from the actors' facts and those of every resource that
is not an actor (spaces, documents, goals, concepts: what a step reads about
an actor besides the actor), once before the write and once after; the old
rows are taken out of a copy of each table they are in and the new ones put
in. A table they are in no row of is shared with the old index; the old
index is never changed (requests may be reading it).

Which writes come here is update.py's decision (step 3b): every subject
changed is plain or such an actor, before and after (`_own_actor` there).
At 100k actors a new partner takes ~0.3 s instead of ~11 s: most of it
restricting the facts to the resources that are not actors (twice), then
the static rankings and the tie order; the build steps for the actors
themselves take milliseconds (bench/README.md, bench_match_update).
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Callable, Iterable
from typing import NamedTuple, TypeVar

from coopgraph.core.matching import build, dac
from coopgraph.core.matching.build import Adjacency
from coopgraph.core.matching.facts import GROUPED_BY, PATH_PREDICATES, Facts, restricted
from coopgraph.core.matching.groups import Groups, build_contacts, build_groups, derived_relations
from coopgraph.core.matching.index import MatchIndex
from coopgraph.core.matching.register import TrackRow, by_actor
from coopgraph.core.matching.text import normalise
from coopgraph.core.matching.ways import way_postings
from coopgraph.core.matching.weights import BILATERAL, FUND, PEER, RELATION, static_key, term_values

V = TypeVar("V")
Edge = tuple[str, str]


class Rows(NamedTuple):
    """What the tables hold about some actors, built for them alone (`actor_rows`)."""

    kind_of: dict[str, str]
    features: build.Features
    groups: Groups
    contacts: dict[str, dict[str, tuple[str, ...]]]
    grouped_by: dict[str, tuple[str, ...]]
    postings: build.Postings
    ways: dict[str, dict[str, float]]
    track: dict[str, tuple[TrackRow, ...]]
    edges: set[Edge]
    """(subject, object) of the path graph's relations out of the actors (not out of other resources)."""


def actor_rows(index: MatchIndex, facts: Facts, kind_of: dict[str, str], subjects: set[str]) -> Rows:
    """The rows of `subjects` (those that are actors in `kind_of`) as the build steps make them from `facts`; the
    other tables (spaces, sectors, kinds of cooperation, ways, channels) are `index`'s, the write left them alone."""
    mine = {s: kind_of[s] for s in subjects if s in kind_of}
    associations = {a: kind for a, kind in index.kind_of.items() if kind == "association"}
    context = restricted(facts, (facts.subjects - kind_of.keys()) | subjects | associations.keys())
    spaces = build.Spaces(index.roles, index.actor_roles, index.space_kind, index.by_partner_country, index.peer_spaces)
    sectors = build.Sectors(
        index.sectors,
        index.ancestors,
        index.descendants,
        index.sector_matcher,
        index.sector_codes,
        index.dac_links,
        dac.reach(index.dac_links, RELATION),
    )
    features = build.features(context, mine, spaces)
    grouped_by = derived_relations(context, {**associations, **mine})[GROUPED_BY]
    grouped_by = {s: found for s, found in grouped_by.items() if s in mine}
    edges = {
        (s, o)
        for predicate in PATH_PREDICATES
        if predicate != GROUPED_BY
        for s in subjects
        for o in facts.rel(predicate).get(s, ())
        if o != s
    }
    edges |= {(s, o) for s, found in grouped_by.items() for o in found if o != s}
    return Rows(
        kind_of=mine,
        features=features,
        groups=build_groups(facts, kind_of, features.country_of, actors=mine),
        contacts=build_contacts(context, mine),
        grouped_by=grouped_by,
        postings=build.postings(context, mine, sectors, spaces, index.channels),
        ways=way_postings(context, mine, index.vocabulary.ways, index.cooperation_narrower, index.channels),
        track=by_actor(row for row in facts.track if row.actor in mine),
        edges=edges,
    )


def with_actors(old: MatchIndex, renamed: MatchIndex, subjects: set[str]) -> MatchIndex:
    """`renamed` (`old` with the write's facts, labels and name counts: update.py) with the rows of the actors
    among `subjects` patched into every table (module docstring)."""
    facts = renamed.facts
    kind_of = _replaced(old.kind_of, subjects, build.kinds(restricted(facts, subjects)))
    before, after = actor_rows(old, old.facts, old.kind_of, subjects), actor_rows(old, facts, kind_of, subjects)
    postings, themes = _reposted(old.postings, before.postings.postings, after.postings.postings, subjects)
    ways, ways_touched = _reposted(old.way_postings, before.ways, after.ways, subjects)
    sectors_of = _replaced(old.sectors_of, subjects, after.postings.sectors_of)
    values = dict(old.values)
    _revalued(values, postings, themes, subjects, sectors_of)
    _revalued(values, ways, ways_touched, subjects, None)
    derived = {**old.derived, GROUPED_BY: _replaced(old.derived[GROUPED_BY], subjects, after.grouped_by)}
    updated = dataclasses.replace(
        renamed,
        kind_of=kind_of,
        present_kinds=frozenset(kind_of.values()),
        country_of=_replaced(old.country_of, subjects, after.features.country_of),
        chan_mask=_replaced(old.chan_mask, subjects, after.features.chan_mask),
        coop_of=_replaced(old.coop_of, subjects, after.features.coop_of),
        group_of=_replaced(old.group_of, subjects, after.groups.group_of),
        members=_regrouped(old.members, before.groups.group_of, after.groups.group_of),
        place_of=_replaced(old.place_of, subjects, after.groups.place_of),
        contacts=_replaced(old.contacts, subjects, after.contacts),
        derived=derived,
        postings=postings,
        sectors_of=sectors_of,
        direct_members=_relisted(old.direct_members, before.postings.direct_members, after.postings.direct_members),
        members_of=_relisted(old.members_of, before.postings.members_of, after.postings.members_of),
        way_postings=ways,
        track=_replaced(old.track, subjects, after.track),
        values=values,
    )
    updated.order = _reordered(old.order, before.kind_of, after.kind_of, lambda a: updated.label(a, "es"))
    updated.graph = _rewired(old.graph, before.edges, after.edges, lambda a, b: _relates(updated, a, b))
    with old.lock:  # requests may be filling it
        cached = dict(old._static)
    updated._static = _reranked(updated, cached, themes | ways_touched, subjects)
    for term in themes & postings.keys():  # as from_facts: the two common cases (a sector's first actor: built)
        for allowed in (BILATERAL | FUND, BILATERAL | FUND | PEER):
            updated.static_ranking(term, allowed)
    return updated


def _reranked(
    index: MatchIndex, cached: dict[tuple[str, int], list[str]], touched: set[str], subjects: set[str]
) -> dict[tuple[str, int], list[str]]:
    """The cached static rankings (weights.static_ranking) with the actors written taken out of those of the terms
    `touched` and put back where `index` (the patched one) ranks them: the other actors keep their values, channels
    and tie order relative to each other, so their order stands (a sort of the whole term: 60 ms at 100k actors)."""
    found = {}
    for (term, allowed), ranking in cached.items():
        if term in touched:
            values = index.values.get(term, {})
            ranking = _reinserted(ranking, subjects & values.keys(), subjects, values, index, allowed)
        found[(term, allowed)] = ranking
    return found


def _reinserted(
    ranking: list[str], actors: set[str], subjects: set[str], values: dict[str, float], index: MatchIndex, allowed: int
) -> list[str]:
    """`ranking` without `subjects`, then with `actors` (those of them the term has a value for) each at its place."""
    channel = index.channel_scores(allowed)

    def place(actor: str) -> int:
        return -static_key(values[actor], channel.get(actor, 0.0), index.order[actor])

    found = [actor for actor in ranking if actor not in subjects]
    for actor in actors:
        bisect.insort(found, actor, key=place)
    return found


def _replaced(table: dict[str, V], subjects: Iterable[str], rows: dict[str, V]) -> dict[str, V]:
    """A copy of a table by actor with the rows of `subjects` replaced by `rows`."""
    found = _without(table, subjects)
    found.update(rows)
    return found


def _without(table: dict[str, V], subjects: Iterable[str]) -> dict[str, V]:
    """A copy of `table` without the entries of `subjects`."""
    found = dict(table)
    for subject in subjects:
        found.pop(subject, None)
    return found


def _put(table: dict[str, V], key: str, value: V) -> None:
    """Set a term's entry; an empty one is left out, as the build steps leave it out."""
    if value:
        table[key] = value
    else:
        table.pop(key, None)


def _revalued(
    values: dict[str, dict[str, float]],
    postings: dict[str, dict[str, float]],
    terms: set[str],
    subjects: set[str],
    sectors_of: dict[str, tuple[str, ...]] | None,
) -> None:
    """Put in `values` the value of each term touched for every actor (weights.term_values), recomputed for the
    actors written only: a value depends on the actor's postings and own sectors alone."""
    for term in terms:
        found = _without(values.get(term, {}), subjects)
        posted = postings.get(term, {})
        found.update(term_values({a: posted[a] for a in subjects if a in posted}, sectors_of))
        _put(values, term, found)


def _reposted(
    table: dict[str, dict[str, float]],
    before: dict[str, dict[str, float]],
    after: dict[str, dict[str, float]],
    subjects: set[str],
) -> tuple[dict[str, dict[str, float]], set[str]]:
    """term -> {actor: strength} with the actors' old entries replaced by their new ones; and the terms touched."""
    touched = before.keys() | after.keys()
    found = dict(table)
    for term in touched:
        entries = _without(table.get(term, {}), subjects)
        entries.update(after.get(term, {}))
        _put(found, term, entries)
    return found, touched


def _relisted(
    table: dict[str, list[str]], before: dict[str, list[str]], after: dict[str, list[str]]
) -> dict[str, list[str]]:
    """term -> actors (in IRI order, as the facts are read) with the actors' old places replaced by their new."""
    found = dict(table)
    for term in before.keys() | after.keys():
        gone = set(before.get(term, ()))
        listed = [a for a in table.get(term, ()) if a not in gone]
        for actor in after.get(term, ()):
            bisect.insort(listed, actor)
        _put(found, term, listed)
    return found


def _regrouped(
    members: dict[str, tuple[str, ...]], before: dict[str, str], after: dict[str, str]
) -> dict[str, tuple[str, ...]]:
    """group key -> its actors (sorted) with the actors' old groups replaced by their new."""
    found = dict(members)
    for key in set(before.values()) | set(after.values()):
        gone = {a for a, k in before.items() if k == key}
        kept = {a for a in members.get(key, ()) if a not in gone}
        _put(found, key, tuple(sorted(kept | {a for a, k in after.items() if k == key})))
    return found


def _reordered(
    order: dict[str, int], before: Iterable[str], after: Iterable[str], spanish_label: Callable[[str], str]
) -> dict[str, int]:
    """The tie order (build.tie_order) with the actors' old places taken out and their new ones found by
    bisection: the others keep their order, so only the actors' keys are computed."""
    ranked = [""] * len(order)
    for actor, position in order.items():
        ranked[position] = actor
    gone = set(before)
    ranked = [a for a in ranked if a not in gone]
    for actor in after:
        bisect.insort(ranked, actor, key=lambda iri: (normalise(spanish_label(iri)), iri))
    return {actor: position for position, actor in enumerate(ranked)}


def _rewired(graph: Adjacency, before: set[Edge], after: set[Edge], still: Callable[[str, str], bool]) -> Adjacency:
    """The path graph with the actors' old edges replaced by their new ones; an old edge stays while the other
    end's relations still state it (`still`), and a node left without edges goes, as in build.path_graph."""
    changed: dict[str, set[str]] = {}

    def neighbours(node: str) -> set[str]:
        if node not in changed:
            changed[node] = set(graph.get(node, ()))
        return changed[node]

    for a, b in after - before:
        neighbours(a).add(b)
        neighbours(b).add(a)
    for a, b in before - after:
        if (b, a) not in after and not still(b, a):
            neighbours(a).discard(b)
            neighbours(b).discard(a)
    found = dict(graph)
    for node, linked in changed.items():
        if linked:
            found[node] = frozenset(linked)
        else:
            found.pop(node, None)
    return found


def _relates(index: MatchIndex, subject: str, obj: str) -> bool:
    """Whether a path relation of `index` (the graph's or a derived one) goes from `subject` to `obj`."""
    return any(obj in index.relation(predicate).get(subject, ()) for predicate in PATH_PREDICATES)
