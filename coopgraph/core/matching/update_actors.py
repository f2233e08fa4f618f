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
an actor besides the actor; kept on the index, `_others`, and lent the
actors' rows while the steps run), once before the write (`actor_rows`,
before the facts are patched) and once after; then, in place, the old rows
are taken out of each table they are in and the new ones put in
(`patch_actors`), and the cached channel scores and static rankings patched
for those actors. A table they are in no row of is left alone.

Which writes come here is update.py's decision (step 3b): every subject
changed is plain or such an actor, before and after (`_own_actor` there).
At 100k actors a new partner takes ~60 ms instead of ~11 s for a build:
the build steps reading the facts of the resources that are not actors
(twice) and the static rankings of its terms (bench/README.md,
bench_match_update). The tie order's positions are spaced (build.ORDER_GAP),
so a new actor takes a free one between its neighbours and no other actor
moves; the actors in that order are kept too (`_ranked`).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import NamedTuple, TypeVar

from coopgraph.core.matching import build, dac
from coopgraph.core.matching.build import Adjacency
from coopgraph.core.matching.facts import GROUPED_BY, PATH_PREDICATES, Facts, patch_facts, restricted
from coopgraph.core.matching.groups import Groups, build_contacts, build_groups, derived_relations
from coopgraph.core.matching.index import MatchIndex
from coopgraph.core.matching.register import TrackRow, by_actor
from coopgraph.core.matching.text import normalise
from coopgraph.core.matching.ways import way_postings
from coopgraph.core.matching.weights import (
    BILATERAL,
    FUND,
    PEER,
    RELATION,
    SHIFT,
    channel_scores,
    static_key,
    term_values,
)

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
    others = _others(index)
    associations = _associations(index, others, mine)
    with _lent(others, facts, subjects) as context:
        return _rows(index, facts, kind_of, subjects, mine, associations, context)


def _associations(index: MatchIndex, others: Facts, mine: dict[str, str]) -> dict[str, str]:
    """The associations of governments, as `derived_relations` takes them, when a peer is among `mine`: only peers
    are grouped by an association, so for other actors none is looked for (a scan of the ~16k other resources,
    then of the associations' levels and countries: ~25 ms a write at 100k actors)."""
    if "peer" not in mine.values():
        return {}
    return {a: "association" for a in others.subjects if index.kind_of.get(a) == "association"}


def _rows(
    index: MatchIndex,
    facts: Facts,
    kind_of: dict[str, str],
    subjects: set[str],
    mine: dict[str, str],
    associations: dict[str, str],
    context: Facts,
) -> Rows:
    """`actor_rows`, the build steps reading `context`: the facts of `subjects` and of every resource that is not an
    actor, and of the associations."""
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


def keep_others(index: MatchIndex, subjects: set[str]) -> None:
    """After `subjects`' facts were patched: their rows of the facts kept for the build steps (`_others`) patched
    too, those of a resource that is not an actor (or is an association) put in, the others taken out."""
    if index._others is None:
        return
    facts = index.facts
    kinds = build.kinds(restricted(facts, subjects))
    patch_facts(index._others, restricted(facts, (s for s in subjects if _other(kinds.get(s)))), subjects)


def ready_for_writes(index: MatchIndex) -> None:
    """Keep on the index what the first write of an actor would otherwise build (`_others`, `_ranked`: ~0.1 s and
    ~20 MB at 100k actors), so that the workers of `coopgraph serve`, forked after, share it and patch at once."""
    _others(index)
    _ranked(index)


def _other(kind: str | None) -> bool:
    """Whether a resource of this kind (None: no actor) is in `_others`."""
    return kind in (None, "association")


def _others(index: MatchIndex) -> Facts:
    """The facts of the resources that are not actors and of the associations (restricted once: 0.1 s at 100k
    actors), kept on the index for the next writes (`keep_others`)."""
    if index._others is None:
        kind_of = index.kind_of
        index._others = restricted(index.facts, (s for s in index.facts.subjects if _other(kind_of.get(s))))
    return index._others


@contextmanager
def _lent(others: Facts, facts: Facts, subjects: set[str]) -> Iterator[Facts]:
    """`others` with the facts of `subjects` (as `facts` states them) put in while the block runs, then as it was:
    the facts a build step reads for these actors, without copying those of every resource."""
    held = restricted(others, subjects)
    patch_facts(others, restricted(facts, subjects), subjects)
    try:
        yield others
    finally:
        patch_facts(others, held, subjects)


def patch_actors(index: MatchIndex, before: Rows, subjects: set[str]) -> None:
    """Patch, in place, the rows of the actors among `subjects` into every table of `index`, whose facts, labels and
    name counts are patched already (update.py); `before` is their rows as they were (`actor_rows` on the old
    facts, taken before the facts changed)."""
    facts = index.facts
    _patch(index.kind_of, subjects, build.kinds(restricted(facts, subjects)))
    after = actor_rows(index, facts, index.kind_of, subjects)
    themes = _repost(index.postings, before.postings.postings, after.postings.postings, subjects)
    ways = _repost(index.way_postings, before.ways, after.ways, subjects)
    _patch(index.sectors_of, subjects, after.postings.sectors_of)
    ranked = {term: subjects & index.values.get(term, {}).keys() for term in themes | ways}  # as the rankings hold them
    _revalue(index.values, index.postings, themes, subjects, index.sectors_of)
    _revalue(index.values, index.way_postings, ways, subjects, None)
    _patch(index.derived[GROUPED_BY], subjects, after.grouped_by)
    index.present_kinds = _present(index, before.kind_of, after.kind_of)
    _patch(index.country_of, subjects, after.features.country_of)
    _patch(index.chan_mask, subjects, after.features.chan_mask)
    _patch(index.coop_of, subjects, after.features.coop_of)
    _patch(index.group_of, subjects, after.groups.group_of)
    _regroup(index.members, before.groups.group_of, after.groups.group_of)
    _patch(index.place_of, subjects, after.groups.place_of)
    _patch(index.contacts, subjects, after.contacts)
    _relist(index.direct_members, before.postings.direct_members, after.postings.direct_members)
    _relist(index.members_of, before.postings.members_of, after.postings.members_of)
    _patch(index.track, subjects, after.track)
    _reorder(index, before.kind_of, after.kind_of)
    _rewire(index.graph, before.edges, after.edges, lambda a, b: _relates(index, a, b))
    with index.lock:
        _rechannel(index._channels, index.chan_mask, subjects)
        _rerank(index, index._static, ranked, subjects)
    for term in themes & index.postings.keys():  # as from_facts: the two common cases (a sector's first actor: built)
        for allowed in (BILATERAL | FUND, BILATERAL | FUND | PEER):
            index.static_ranking(term, allowed)


def _present(index: MatchIndex, before: dict[str, str], after: dict[str, str]) -> frozenset[str]:
    """The kinds present among the actors, with those of `after` and without those of `before` no actor has now
    (only then are the kinds of every actor looked at)."""
    present = index.present_kinds | frozenset(after.values())
    gone = set(before.values()) - set(after.values())
    if gone:
        present = frozenset(index.kind_of.values())
    return present


def _rechannel(cached: dict[int, dict[str, float]], chan_mask: dict[str, int], subjects: set[str]) -> None:
    """The cached channel scores (weights.channel_scores) with the entries of `subjects` computed again."""
    for allowed, scores in cached.items():
        _patch(scores, subjects, channel_scores({s: chan_mask[s] for s in subjects if s in chan_mask}, allowed))


def _rerank(
    index: MatchIndex, cached: dict[tuple[str, int], list[str]], ranked: dict[str, set[str]], subjects: set[str]
) -> None:
    """The cached static rankings (weights.static_ranking) of the terms touched (`ranked`: term -> the written
    actors its rankings held, those it had a value for), with those actors taken out and the written ones put back
    where `index` (patched) ranks them: the other actors keep their values, channels and tie order relative to each
    other, so their order stands (a sort of the whole term: 60 ms at 100k actors)."""
    for (term, allowed), ranking in cached.items():
        if term in ranked:
            values = index.values.get(term, {})
            _reinsert(ranking, ranked[term], subjects & values.keys(), values, index, allowed)


def _reinsert(
    ranking: list[str], held: set[str], actors: set[str], values: dict[str, float], index: MatchIndex, allowed: int
) -> None:
    """Take `held` out of `ranking`, then put `actors` (the written ones the term has a value for now) each at its
    place, in place. (Only actors the ranking holds are looked for: a scan of a ranking of tens of thousands of
    actors for a new one cost ~1 ms a ranking at 100k.)"""
    channel = index.channel_scores(allowed)

    def place(actor: str) -> int:
        return -static_key(values[actor], channel.get(actor, 0.0), index.order[actor])

    for actor in held:
        ranking.remove(actor)
    for actor in actors:
        bisect.insort(ranking, actor, key=place)


def _patch(table: dict[str, V], subjects: Iterable[str], rows: dict[str, V]) -> None:
    """Replace, in place, the rows of `subjects` in a table by actor by `rows`."""
    for subject in subjects:
        table.pop(subject, None)
    table.update(rows)


def _put(table: dict[str, V], key: str, value: V) -> None:
    """Set a term's entry; an empty one is left out, as the build steps leave it out."""
    if value:
        table[key] = value
    else:
        table.pop(key, None)


def _revalue(
    values: dict[str, dict[str, float]],
    postings: dict[str, dict[str, float]],
    terms: set[str],
    subjects: set[str],
    sectors_of: dict[str, tuple[str, ...]] | None,
) -> None:
    """Put in `values` the value of each term touched for every actor (weights.term_values), recomputed for the
    actors written only: a value depends on the actor's postings and own sectors alone."""
    for term in terms:
        found = values.get(term, {})
        posted = postings.get(term, {})
        _patch(found, subjects, term_values({a: posted[a] for a in subjects if a in posted}, sectors_of))
        _put(values, term, found)


def _repost(
    table: dict[str, dict[str, float]],
    before: dict[str, dict[str, float]],
    after: dict[str, dict[str, float]],
    subjects: set[str],
) -> set[str]:
    """Replace, in place, the actors' entries of term -> {actor: strength} by their new ones; the terms touched."""
    touched = before.keys() | after.keys()
    for term in touched:
        entries = table.get(term, {})
        _patch(entries, subjects, after.get(term, {}))
        _put(table, term, entries)
    return touched


def _relist(table: dict[str, list[str]], before: dict[str, list[str]], after: dict[str, list[str]]) -> None:
    """Replace, in place, the actors' old places in term -> actors (in IRI order, as the facts are read) by their
    new ones."""
    for term in before.keys() | after.keys():
        listed = table.get(term, [])
        for actor in before.get(term, ()):
            if actor in listed:
                listed.remove(actor)
        for actor in after.get(term, ()):
            bisect.insort(listed, actor)
        _put(table, term, listed)


def _regroup(members: dict[str, tuple[str, ...]], before: dict[str, str], after: dict[str, str]) -> None:
    """Replace, in place, the actors' old groups in group key -> its actors (sorted) by their new ones."""
    for key in set(before.values()) | set(after.values()):
        gone = {a for a, k in before.items() if k == key}
        kept = {a for a in members.get(key, ()) if a not in gone}
        _put(members, key, tuple(sorted(kept | {a for a, k in after.items() if k == key})))


def _reorder(index: MatchIndex, before: Iterable[str], after: Iterable[str]) -> None:
    """The tie order (build.tie_order), in place: the actors' old places taken out of the actors in that order
    (`_ranked`), their new ones found by bisection, each given the position halfway between its neighbours' (the
    others keep theirs); when two neighbours have no free position between them, the actors around are spread
    out again (`_respace`)."""
    order, ranked = index.order, _ranked(index)
    for actor in before:
        if actor in order:
            del ranked[bisect.bisect_left(ranked, order[actor], key=order.__getitem__)]
            del order[actor]
    for actor in after:
        at = bisect.bisect_right(ranked, _tie_key(index, actor), key=lambda iri: _tie_key(index, iri))
        ranked.insert(at, actor)
        low = order[ranked[at - 1]] if at > 0 else -1
        high = order[ranked[at + 1]] if at + 1 < len(ranked) else min(low + 2 * build.ORDER_GAP, SHIFT)
        if high - low >= 2:
            order[actor] = (low + high) // 2
        else:
            _respace(order, ranked, at)


def _respace(order: dict[str, int], ranked: list[str], at: int) -> None:
    """Spread out evenly the positions of the actors around `ranked[at]` (the one just put in, with none yet): in
    the smallest window, doubled from its neighbours, whose bounds leave them at least half of build.ORDER_GAP
    apart; the whole order when no window does. (Names written one after another, "Agencia 1", "Agencia 2"…, use
    up the free positions after the first in about log2(ORDER_GAP) writes: spacing every actor again each time cost
    ~100 ms at 100k actors, in every process.)"""
    wanted = build.ORDER_GAP // 2
    size = 1
    while True:
        first, last = max(0, at - size), min(len(ranked) - 1, at + size)
        count = last - first + 1
        low = order[ranked[first - 1]] if first > 0 else -1
        high = order[ranked[last + 1]] if last + 1 < len(ranked) else min(low + (count + 1) * build.ORDER_GAP, SHIFT)
        if (high - low) // (count + 1) >= wanted:
            break
        if first == 0 and last == len(ranked) - 1:
            order.update(build.spaced(ranked))
            return
        size *= 2
    step = (high - low) // (count + 1)
    for offset in range(count):
        order[ranked[first + offset]] = low + (offset + 1) * step


def _ranked(index: MatchIndex) -> list[str]:
    """The actors in tie order, kept on the index from the first actor's write on (`_reorder` keeps it)."""
    if index._ranked is None:
        index._ranked = build.in_tie_order(index.order)
    return index._ranked


def _tie_key(index: MatchIndex, actor: str) -> tuple[str, str]:
    """An actor's key in the tie order: its Spanish label (normalised), then its IRI."""
    return normalise(index.label(actor, "es")), actor


def _rewire(graph: Adjacency, before: set[Edge], after: set[Edge], still: Callable[[str, str], bool]) -> None:
    """Replace, in place, the actors' old edges of the path graph by their new ones; an old edge stays while the
    other end's relations still state it (`still`), and a node left without edges goes, as in build.path_graph."""
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
    for node, linked in changed.items():
        _put(graph, node, frozenset(linked))


def _relates(index: MatchIndex, subject: str, obj: str) -> bool:
    """Whether a path relation of `index` (the graph's or a derived one) goes from `subject` to `obj`."""
    return any(obj in index.relation(predicate).get(subject, ()) for predicate in PATH_PREDICATES)
