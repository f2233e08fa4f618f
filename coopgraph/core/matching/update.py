"""Bringing a MatchIndex up to date after a write, without reading the whole graph again.

A write is the quads it added and removed, already applied to the store.
`updated_index` answers the index `MatchIndex.build(store)` would, in steps
that each do less when the write touches less of what matching reads:
1. Quads matching never reads (a predicate read_facts does not ask for, a
   blank-node subject, an audit record's own properties) change no table: the
   index is kept and its signature renewed.
2. Otherwise the facts of the subjects written are read again (read_subjects:
   read_facts's own queries with a VALUES block on the subject) and replace
   theirs (`patch_facts`); a write to rdfs:subClassOf reads the hierarchy again.
3. When every subject whose facts changed is *plain* before and after the
   write, the names and the class hierarchy of the other tables stay as they
   are, so only the labels and the vocabulary's count of names (which counts
   every resource that is not an actor) are patched; every other table is
   left as it is. Plain: not of a class a table is built of
   (MATCHING_CLASSES: actors, territories, sectors, kinds of cooperation,
   spaces, ways...), not a way or a DAC code our sectors cover, and the
   subject of no relation matching reads. A register record (an agreement, a
   project, a demand) is plain by its own facts; what makes it evidence (who
   took part in which programme or project, with which sectors: register.py)
   is the register's *track*: when a write touches one of its predicates
   there, the rows of the records and agreements it touched are read again
   (register.patched_track). A write that changes the track (a record naming
   an actor of the graph, with a sector code our sectors map) goes to step
   3b for the actors whose rows changed; one that does not (an agreement no
   activity executes, a record naming no actor, an IATI import, which names
   none) stays in step 3 or 1.
3b. When every subject whose facts changed is plain or an actor whose rows
   of the tables are its own, before and after the write (`_own_actor`: not a
   country nor an association of governments, of no class another table is
   built of, no way, no channel nor a country with channels, the parent of
   no other resource, stating only ACTOR_RELATIONS: a new partner with its
   sectors, country, kinds of cooperation and networks; an actor's sector
   removed; an actor deleted), the labels and name counts are patched as in
   step 3 and the per-actor tables for those actors only (update_actors.py).
   So are those of the actors whose register evidence changed (any actor:
   its facts are as they were, only its postings and track record change),
   with, for a channel of a country's cooperation, its country and the
   country's other channels (their postings are built together).
4. Any other change (the class hierarchy, a sector, territory,
   space or way, a country's channels...) builds the tables again from the
   patched facts, put in read_facts's order (`MatchIndex.from_facts`): it
   saves the SPARQL reads, not the Python tables. (Step 3 leaves a new plain subject last in the facts'
   tables: no table is built by walking them in order over plain subjects.)

Steps 1-3b patch the index in place: only the entries of the written
subjects and changed actors are touched, so a small write costs in proportion
to itself, not to the index (a copy of a table raises the reference count of
every object in it: in a worker of `coopgraph serve`, a fork of the data
holder, that copies out the memory pages it shares with the holder). So the
index must be the caller's alone while it is patched (no request reading it:
coopgraph/web/state.py patches a copy in an app serving requests in
threads). The step is chosen, from the written subjects' facts before and
after the write, before anything changes: `patched_index` leaves the index
as it was when it declines, and step 4 builds a new index from a patched
copy of the facts. A patch that raises midway may leave the index half
patched: the caller drops it. Correctness is equality with
`MatchIndex.build` (tests/test_matching_incremental*.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import pyoxigraph as ox

from coopgraph.core.matching import build
from coopgraph.core.matching.build import KINDS, kinds, read_labels
from coopgraph.core.matching.facts import (
    CONTACT_PREDICATES,
    IRI_PREDICATES,
    LITERAL_PREDICATES,
    Facts,
    fingerprint,
    in_order,
    patch_facts,
    read_subjects,
    read_superclasses,
    restricted,
)
from coopgraph.core.matching.index import MatchIndex
from coopgraph.core.matching.register import TrackRow, patched_track, touches_track
from coopgraph.core.matching.update_actors import actor_rows, keep_others, patch_actors
from coopgraph.core.matching.vocabulary import (
    PART_MAX_SHARE,
    WAY_CLASSES,
    WAY_CONCEPT_CLASSES,
    Reading,
    actor_phrases,
    build_vocabulary,
    dac_coverage,
    document_frequency,
    name_values,
)
from coopgraph.core.store import Store
from coopgraph.core.vocab import CG, ORG, RDF_TYPE, RDFS

SUBCLASS_OF = RDFS + "subClassOf"
MATCHING_CLASSES: frozenset[str] = frozenset(
    (
        *(cls for _, cls, _ in KINDS),
        *WAY_CONCEPT_CLASSES,
        *WAY_CLASSES,
        *(
            CG + name
            for name in (
                "Province",
                "Country",
                "Sector",
                "CooperationType",
                "Competence",
                "CompetitiveFund",
                "Call",
                "PeerCooperation",
                "NegotiationSpace",
                "Space",
                "Programme",
            )
        ),
    )
)
"""The classes the build steps test resources for (build.py, vocabulary.py, ways.py): a resource of none of them
is known to the tables by its name only."""
ACTOR_CLASSES: frozenset[str] = frozenset(cls for key, cls, _ in KINDS if key != "country")
ACTOR_RELATIONS: frozenset[str] = frozenset(
    (
        *(CG + name for name in ("sector", "cooperationType", "modality", "country", "governmentLevel")),
        *(CG + name for name in ("promotes", "linkedTo")),
        ORG + "memberOf",
        ORG + "subOrganizationOf",
        *CONTACT_PREDICATES,
    )
)
"""The relations of an actor whose rows of the tables are its own (update_actors.py): its sectors, kinds of
cooperation, country, level of government, what it promotes, its links, networks and parent (when it is the
parent of no other), how to reach it."""
_LITERALS, _RELATIONS = frozenset(LITERAL_PREDICATES), frozenset(IRI_PREDICATES)
V = TypeVar("V")


def updated_index(index: MatchIndex, store: Store, added: Sequence[ox.Quad], removed: Sequence[ox.Quad]) -> MatchIndex:
    """The index for `store` after a write of `added`/`removed` (already applied to `store`), equal to
    MatchIndex.build(store) but without re-reading the whole graph (module docstring): `index` itself, patched in
    place (steps 1-3b), or a new index built from its patched facts (step 4).

    `index` must hold the store as it was just before this write: apply the writes and their updates in one
    order, under one lock (an index that missed a write stays wrong), and let no request read it meanwhile. Its
    signature becomes the store's `fingerprint` now, so apply the write through the `Store` API, which moves the
    store's generation. If this raises, `index` may be half patched: drop it."""
    updated = _updated(index, store, added, removed, rebuild=True)
    assert updated is not None
    return updated


def patched_index(
    index: MatchIndex, store: Store, added: Sequence[ox.Quad], removed: Sequence[ox.Quad]
) -> MatchIndex | None:
    """`updated_index` when the write needs no more than steps 1-3b (`index` patched in place); None when the tables
    would be built again (step 4: seconds at 100k actors), for a process that has a cheaper way to the new index
    (a worker of `coopgraph serve` is replaced by a fork of the data holder, which builds it once). `index` is
    unchanged then (the step is chosen before anything changes), and no longer current."""
    return _updated(index, store, added, removed, rebuild=False)


def _updated(
    index: MatchIndex, store: Store, added: Sequence[ox.Quad], removed: Sequence[ox.Quad], *, rebuild: bool
) -> MatchIndex | None:
    signature = fingerprint(store)  # before reading, as MatchIndex.build: a write during the read makes it stale
    subjects, hierarchy = written_subjects((*added, *removed))
    old = index.facts
    track = patched_track(store, old.track, (*added, *removed)) if touches_track((*added, *removed)) else old.track
    if not subjects and not hierarchy and track == old.track:
        index.signature = signature
        return index
    after = read_subjects(store, subjects)
    after.superclasses = read_superclasses(store) if hierarchy else old.superclasses
    after.track = track
    before = restricted(old, subjects)  # the written subjects' old rows, taken before anything changes
    changed = {s for s in subjects if _row(before, s) != _row(after, s)}
    same = after.superclasses == old.superclasses
    if not changed and same and track == old.track:
        index.signature = signature
        return index
    actors = _actors(index, before, after, changed, _evidenced(index, old.track, track)) if same else None
    if actors is None:
        if not rebuild:
            return None
        facts = in_order(old)  # a copy: `index` is left as it was, the new one is built from the patched copy
        patch_facts(facts, after, subjects)
        return MatchIndex.from_facts(in_order(facts), signature=signature)
    rows = actor_rows(index, old, index.kind_of, actors) if actors else None  # before the facts change
    patch_facts(old, after, subjects)
    keep_others(index, subjects)
    _rename(index, before, changed)
    if rows is not None:
        patch_actors(index, rows, actors)
    _rename_lookups(index, before, changed)
    index.signature = signature
    return index


def _actors(index: MatchIndex, before: Facts, after: Facts, changed: set[str], evidenced: set[str]) -> set[str] | None:
    """The actors whose rows step 3b patches (none: step 3): those among `changed` and those whose register evidence
    changed (`evidenced`); None when the write needs step 4. `before` and `after` are the facts of the written
    subjects before and after the write.

    An actor whose evidence alone changed keeps its facts, so only its postings change with it, and with them
    those of the actors whose postings are built together with its: a country's channels take a share of the
    country's (build.postings). So a channel comes with its country, and a country with its channels."""
    covering = dac_coverage(index.facts, index.sectors)
    plain = {s for s in changed if all(_plain(index, facts, s, covering) for facts in (before, after))}
    actors = changed - plain
    together = _with_channels(index, evidenced - changed)
    if not actors:
        return together
    if not _parents(index, after, actors) and all(
        _plain(index, facts, s, covering) or _own_actor(index, facts, s, covering)
        for s in actors | (together & changed)
        for facts in (before, after)
    ):
        return actors | together
    return None


def _evidenced(index: MatchIndex, before: tuple[TrackRow, ...], after: tuple[TrackRow, ...]) -> set[str]:
    """The actors of the graph whose register evidence (the track's rows naming them) a write changed."""
    if before == after:
        return set()
    return {row.actor for row in set(before) ^ set(after) if row.actor in index.kind_of}


def _with_channels(index: MatchIndex, actors: set[str]) -> set[str]:
    """`actors`, the country of each that is a channel of one, and the channels of each country among them."""
    found = set(actors) | {index.channel_of[a] for a in actors if a in index.channel_of}
    found |= {channel for country in list(found) for channel in index.channels.get(country, ())}
    return {actor for actor in found if actor in index.kind_of}


def written_subjects(quads: Iterable[ox.Quad]) -> tuple[set[str], bool]:
    """The subjects whose facts (as read_facts reads them) the quads may change, and whether they touch the class
    hierarchy (rdfs:subClassOf between IRIs)."""
    subjects: set[str] = set()
    hierarchy = False
    for quad in quads:
        subject, predicate, obj = quad.subject, quad.predicate.value, quad.object
        if not isinstance(subject, ox.NamedNode):
            continue
        if predicate == SUBCLASS_OF:
            hierarchy = hierarchy or isinstance(obj, ox.NamedNode)
        elif (
            (predicate == RDF_TYPE and isinstance(obj, ox.NamedNode))
            or (predicate in _LITERALS and isinstance(obj, ox.Literal))
            or (predicate in _RELATIONS and isinstance(obj, ox.NamedNode))
        ):
            subjects.add(subject.value)
    return subjects, hierarchy


def _row(facts: Facts, subject: str) -> tuple[object, ...]:
    """Everything the facts hold about a subject."""
    return (
        facts.types.get(subject),
        tuple(by.get(subject) for by in facts.literals.values()),
        tuple(by.get(subject) for by in facts.relations.values()),
    )


def _plain(index: MatchIndex, facts: Facts, subject: str, covering: dict[str, set[str]]) -> bool:
    """Whether the tables know `subject` (as `facts` state it) by its names only (module docstring, step 3)."""
    if subject in index.vocabulary.ways or subject in covering:
        return False
    if any(subject in by for by in facts.relations.values()):
        return False
    classes: set[str] = set()
    for cls in facts.types.get(subject, ()):
        classes |= facts.superclasses.get(cls, {cls})
    return not (classes & MATCHING_CLASSES or classes & index.vocabulary.ways)


def _own_actor(index: MatchIndex, facts: Facts, subject: str, covering: dict[str, set[str]]) -> bool:
    """Whether `subject`, as `facts` state it, is an actor only its own rows of the tables are built from (step 3b):
    not a country nor an association of governments (other actors' rows are built from theirs), of no class
    another table is built of, no way nor DAC code, no channel nor a country with channels, and stating no
    relation but ACTOR_RELATIONS."""
    if subject in index.vocabulary.ways or subject in covering or subject in index.channels:
        return False
    if subject in index.channel_of or kinds(restricted(facts, (subject,))).get(subject) in (
        None,
        "country",
        "association",
    ):
        return False
    classes: set[str] = set()
    for cls in facts.types.get(subject, ()):
        classes |= facts.superclasses.get(cls, {cls})
    if classes & MATCHING_CLASSES - ACTOR_CLASSES or classes & index.vocabulary.ways:
        return False
    return not any(subject in by for predicate, by in facts.relations.items() if predicate not in ACTOR_RELATIONS)


def _parents(index: MatchIndex, after: Facts, actors: set[str]) -> bool:
    """Whether a resource other than `actors` is org:subOrganizationOf one of them (its group hangs on theirs).

    Such a resource is a neighbour of the actor in the path graph, which holds every org:subOrganizationOf, and
    its own facts are those of the index (a written subject that changed and is not among `actors` is plain: it
    states no relation); so only the actors' neighbours are looked at, not the whole relation."""
    parent_of = index.facts.rel(ORG + "subOrganizationOf")
    for actor in actors:
        for other in index.graph.get(actor, ()):
            if other not in actors and actor in parent_of.get(other, ()):
                return True
    return False


def _rename(index: MatchIndex, before: Facts, changed: set[str]) -> None:
    """Patch, in place, the labels and name counts of `changed` (whose facts were `before`, and are the index's
    now); the other tables hold nothing a plain subject changes. The resolved requesters are forgotten, as a new
    index has none."""
    with index.lock:
        index.requester_cache.clear()
    for subject in changed:
        index.labels.pop(subject, None)
    index.labels.update(read_labels(restricted(index.facts, changed)))
    _recount(index, before, changed)


def _rename_lookups(index: MatchIndex, before: Facts, changed: set[str]) -> None:
    """Patch, in place, the name tables a match reads when built (`MatchIndex.names` and `actor_names`: seconds to
    build at 100k actors): the names `changed` had (in `before`) out, those they have now in."""
    names, phrases = index._names, index._actor_names
    if names is None and phrases is None:
        return
    old_labels = read_labels(before)
    named = set(index.provinces.values())
    for subject in changed:
        is_named = subject in named or subject in index.kind_of
        if names is not None:
            old = build.names_of(before, old_labels, index.code_of, subject)
            new = build.names_of(index.facts, index.labels, index.code_of, subject) if is_named else set()
            build.rename(names, subject, old, new)
        if phrases is not None:
            is_actor = is_named and index.kind_of.get(subject, "country") != "country"
            phrases.replace(
                (name for name, _ in name_values(before, subject)),
                actor_phrases(index.facts, subject) if is_actor else [],
                _owned_by(subject),
            )


def _owned_by(subject: str) -> Callable[[Reading], bool]:
    return lambda reading: reading[0] == subject


def _recount(index: MatchIndex, before: Facts, changed: set[str]) -> None:
    """Count the names of `changed` again in the vocabulary (their facts were `before`, are the index's now); build
    the vocabulary again only if a run of the names parts are taken from crosses the PART_MAX_SHARE line that
    decides whether it is distinctive."""
    frequency = index.vocabulary.frequency
    was = document_frequency(restricted(before, changed))
    now = document_frequency(restricted(index.facts, changed))
    runs = was.keys() | now.keys()
    old = {run: frequency.get(run, 0) for run in runs}
    for run in runs:
        count = old[run] - was.get(run, 0) + now.get(run, 0)
        if count:
            frequency[run] = count
        else:
            frequency.pop(run, None)
    candidates = index.vocabulary.candidates
    if any(
        (old[run] > PART_MAX_SHARE) != (frequency.get(run, 0) > PART_MAX_SHARE) for run in runs if run in candidates
    ):
        index.vocabulary = build_vocabulary(
            index.facts,
            index.thesaurus,
            sectors=index.sectors,
            covering=dac_coverage(index.facts, index.sectors),
            provinces=index.provinces.values(),
            countries=index.countries.values(),
            frequency=frequency,
            ways=index.vocabulary.ways,  # a plain subject is no way, nor of a class that makes one
        )
