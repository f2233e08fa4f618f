"""Read what matching needs from a store, in a few SPARQL queries, into plain dictionaries.

Only the vocabulary contract's terms are read (ontology/README.md): types and
the subclass hierarchy, labels, and the relations between actors, territories,
spaces, concepts and legal provisions. The queries go through the `Store`
protocol, so a remote store works the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

import pyoxigraph as ox

from coopgraph.core.matching.register import TrackRow, read_track
from coopgraph.core.store import Store
from coopgraph.core.vocab import (
    ALT_LABEL,
    CG,
    CGR,
    DCTERMS,
    FOAF,
    HIDDEN_LABEL,
    LABEL,
    NOTATION,
    ORG,
    PREF_LABEL,
    RDF_TYPE,
    RDFS,
    SKOS,
)

PROVINCIAL_LEVEL = CGR + "nivel-provincial"
CI_COMPETENCE = CGR + "competencia-cooperacion-internacional"
"""The provincial level and the international-cooperation competence (vocabulary contract slugs)."""

LITERAL_PREDICATES: tuple[str, ...] = (
    LABEL,
    PREF_LABEL,
    ALT_LABEL,
    HIDDEN_LABEL,
    NOTATION,
    CG + "periodicity",
    CG + "establishes",
    CG + "eligible",
    CG + "mission",
)
"""Literal-valued predicates read (value and language)."""

ROLE_PREDICATES: tuple[str, ...] = (
    CG + "convenor",
    CG + "participant",
    CG + "cooperant",
    CG + "offerer",
    CG + "winner",
    CG + "sponsor",
    CG + "callOf",
)
"""Roles an actor has in a space, programme or call (subject: the space; object: the actor)."""
GROUPED_BY = CG + "groupedBy"
"""Not a property of the graph: a subnational government and the association of its country that groups its
level of government (both stated with cg:governmentLevel and cg:country), derived by build.derived_relations."""
PATH_PREDICATES: tuple[str, ...] = (
    CG + "governs",
    ORG + "memberOf",
    ORG + "subOrganizationOf",
    CG + "linkedTo",
    *ROLE_PREDICATES,
    CG + "programme",
    CG + "programmeOf",
    CG + "coversTerritory",
    CG + "partnerCountry",
    CG + "channelOf",
    GROUPED_BY,
)
"""Relations that connect actors, spaces and territories (the path graph); cg:country is left out on
purpose: every actor of a country would be two steps from every other."""
CONTACT_PREDICATES: tuple[str, ...] = (FOAF + "homepage", FOAF + "mbox", RDFS + "seeAlso")
"""Where a partner can be reached: web site, e-mail, other pages the study gives for it."""
IRI_PREDICATES: tuple[str, ...] = (
    CG + "sector",
    CG + "cooperationType",
    CG + "country",
    CG + "governmentLevel",
    CG + "inCountry",
    *(p for p in PATH_PREDICATES if p != GROUPED_BY),
    CG + "promotes",
    CG + "setBy",
    CG + "about",
    CG + "modality",
    CG + "negotiatedThrough",
    CG + "issuedBy",
    *CONTACT_PREDICATES,
    CG + "legalBasis",
    CG + "grantsCompetence",
    CG + "appliesTo",
    SKOS + "broader",
    SKOS + "related",
    SKOS + "exactMatch",
    SKOS + "closeMatch",
    SKOS + "broadMatch",
    SKOS + "narrowMatch",
    SKOS + "relatedMatch",
    DCTERMS + "isPartOf",
)
"""IRI-valued predicates read (subject -> objects)."""

V = TypeVar("V")


@dataclass
class Facts:
    """The graph as matching sees it: every dictionary is keyed by IRI strings."""

    types: dict[str, tuple[str, ...]] = field(default_factory=dict)
    superclasses: dict[str, set[str]] = field(default_factory=dict)
    literals: dict[str, dict[str, tuple[tuple[str, str | None], ...]]] = field(
        default_factory=lambda: {p: {} for p in LITERAL_PREDICATES}
    )
    relations: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=lambda: {p: {} for p in IRI_PREDICATES})
    subjects: set[str] = field(default_factory=set)
    track: tuple[TrackRow, ...] = ()
    """The register's evidence (register.py): who took part in which programme or project, with which sectors."""

    def rel(self, predicate: str) -> dict[str, tuple[str, ...]]:
        """subject -> objects of an IRI-valued predicate (`cg:sector`, written in full)."""
        return self.relations[predicate]

    def lit(self, predicate: str) -> dict[str, tuple[tuple[str, str | None], ...]]:
        """subject -> (value, language) of a literal-valued predicate."""
        return self.literals[predicate]

    def is_a(self, iri: str, cls: str) -> bool:
        """Whether `iri` has `cls` among its types or their superclasses."""
        return any(cls in self.superclasses.get(direct, {direct}) for direct in self.types.get(iri, ()))


def patch_facts(facts: Facts, fresh: Facts, subjects: set[str]) -> None:
    """Replace, in place, the facts of `subjects` in `facts` by `fresh` (theirs, read again, with the class
    hierarchy and the track as they are now): only their entries are touched, whatever the size of the tables."""
    facts.superclasses, facts.track = fresh.superclasses, fresh.track
    _patch(facts.types, fresh.types, subjects)
    for predicate, literals in facts.literals.items():
        _patch(literals, fresh.literals[predicate], subjects)
    for predicate, relations in facts.relations.items():
        _patch(relations, fresh.relations[predicate], subjects)
    facts.subjects -= subjects
    facts.subjects |= fresh.subjects


def _patch(table: dict[str, V], fresh: dict[str, V], subjects: set[str]) -> None:
    """The entries of `subjects` in `table` replaced by `fresh`'s (a new subject goes last, as before in place)."""
    for subject in subjects:
        table.pop(subject, None)
    table.update(fresh)


def restricted(facts: Facts, subjects: Iterable[str]) -> Facts:
    """The facts about `subjects` only (the class hierarchy and the track shared): what a table builder reads of
    them."""
    keep = set(subjects)
    part = Facts(superclasses=facts.superclasses, track=facts.track)
    part.types = {s: facts.types[s] for s in keep if s in facts.types}
    part.literals = {p: {s: by[s] for s in keep if s in by} for p, by in facts.literals.items()}
    part.relations = {p: {s: by[s] for s in keep if s in by} for p, by in facts.relations.items()}
    part.subjects = keep & facts.subjects
    return part


TYPE_QUERY = "SELECT ?s ?c WHERE {{ {restrict} ?s <" + RDF_TYPE + "> ?c FILTER(isIRI(?s) && isIRI(?c)) }}"
SUBCLASS_QUERY = f"SELECT ?c ?d WHERE {{ ?c <{RDFS}subClassOf> ?d FILTER(isIRI(?c) && isIRI(?d)) }}"
LITERAL_QUERY = (
    "SELECT ?s ?p ?o WHERE {{ {restrict} VALUES ?p {{ "
    + " ".join(f"<{p}>" for p in LITERAL_PREDICATES)
    + " }} ?s ?p ?o FILTER(isIRI(?s) && isLiteral(?o)) }}"
)
RELATION_QUERY = (
    "SELECT ?s ?p ?o WHERE {{ {restrict} VALUES ?p {{ "
    + " ".join(f"<{p}>" for p in IRI_PREDICATES)
    + " }} ?s ?p ?o FILTER(isIRI(?s) && isIRI(?o)) }}"
)
"""What read_facts asks; `{restrict}` is empty for the whole graph, or a VALUES block on ?s (read_subjects)."""


def read_facts(store: Store) -> Facts:
    """Read types, the class hierarchy, labels and relations from `store` (union of its graphs), and the
    register's evidence (register.read_track, from the register's graph only).

    Every IRI and language tag is interned (one string object however often it
    occurs: at 100k actors this halves the memory) and every table is ordered by
    subject, every list frozen to a sorted tuple, so the facts, and the lists the
    build steps make of them, do not depend on the order a store answers in (an
    incremental update reads single subjects again: update.py).
    """
    facts = _read(store, "")
    facts.superclasses = read_superclasses(store)
    facts.track = read_track(store)
    return facts


def read_subjects(store: Store, subjects: Iterable[str]) -> Facts:
    """The facts whose subject is one of `subjects`, read with read_facts's queries restricted by a VALUES block
    (the class hierarchy is left empty: read_superclasses reads it).

    The IRIs are written into the query as `ox.NamedNode` serialises them (it refuses an invalid IRI): the
    `Store` protocol binds one term per variable, not a set.
    """
    terms = " ".join(str(ox.NamedNode(iri)) for iri in sorted(set(subjects)))
    return _read(store, f"VALUES ?s {{ {terms} }}") if terms else Facts()


def read_superclasses(store: Store) -> dict[str, set[str]]:
    """class -> itself and all its superclasses, from the store's rdfs:subClassOf."""
    return _closure((solution[0].value, solution[1].value) for solution in _select(store, SUBCLASS_QUERY))


def _read(store: Store, restrict: str) -> Facts:
    """Types, literals and relations of the subjects `restrict` allows (all, when empty)."""
    facts = Facts()
    pool: dict[str, str] = {}
    same = pool.setdefault
    types: dict[str, set[str]] = defaultdict(set)
    for solution in _select(store, TYPE_QUERY.format(restrict=restrict)):
        subject = same(solution[0].value, solution[0].value)
        types[subject].add(same(solution[1].value, solution[1].value))
    facts.types = {subject: tuple(sorted(types[subject])) for subject in sorted(types)}
    facts.subjects.update(facts.types)
    literals: dict[str, dict[str, list[tuple[str, str | None]]]] = {p: defaultdict(list) for p in LITERAL_PREDICATES}
    for solution in _select(store, LITERAL_QUERY.format(restrict=restrict)):
        subject, literal = same(solution[0].value, solution[0].value), solution[2]
        language = literal.language
        literals[solution[1].value][subject].append((literal.value, same(language, language) if language else None))
    relations: dict[str, dict[str, list[str]]] = {p: defaultdict(list) for p in IRI_PREDICATES}
    for solution in _select(store, RELATION_QUERY.format(restrict=restrict)):
        subject, obj = solution[0].value, solution[2].value
        relations[solution[1].value][same(subject, subject)].append(same(obj, obj))
    facts.literals = {
        p: {s: tuple(sorted(v, key=_literal_key)) for s, v in sorted(by.items())} for p, by in literals.items()
    }
    facts.relations = {p: {s: tuple(sorted(v)) for s, v in sorted(by.items())} for p, by in relations.items()}
    for literal_subjects in facts.literals.values():
        facts.subjects.update(literal_subjects)
    for relation_subjects in facts.relations.values():
        facts.subjects.update(relation_subjects)
    return facts


def _literal_key(value: tuple[str, str | None]) -> tuple[str, str]:
    return value[0], value[1] or ""


def in_order(facts: Facts) -> Facts:
    """A copy of the facts with every table in read_facts's order (by subject), for building tables whose lists
    follow it."""
    ordered = Facts(superclasses=facts.superclasses, subjects=set(facts.subjects), track=facts.track)
    ordered.types = dict(sorted(facts.types.items()))
    ordered.literals = {p: dict(sorted(by.items())) for p, by in facts.literals.items()}
    ordered.relations = {p: dict(sorted(by.items())) for p, by in facts.relations.items()}
    return ordered


def fingerprint(store: Store) -> tuple[int, int]:
    """A cheap signature of the store's content: which store object, and how many writes it has seen.

    Every write through the `Store` API bumps `store.generation`, so any
    change (even one that keeps the quad count) makes an index stale.
    """
    return id(store), store.generation


def _select(store: Store, query: str) -> ox.QuerySolutions:
    """The solutions of a SELECT query."""
    solutions = store.query(query)
    if not isinstance(solutions, ox.QuerySolutions):
        raise TypeError(f"expected SELECT solutions, got {type(solutions).__name__}")
    return solutions


def _closure(pairs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """class -> itself and all its superclasses (rdfs:subClassOf*)."""
    parents: dict[str, set[str]] = defaultdict(set)
    for child, parent in pairs:
        parents[child].add(parent)
    closure: dict[str, set[str]] = {}

    def ancestors(cls: str, seen: frozenset[str]) -> set[str]:
        if cls in closure:
            return closure[cls]
        found = {cls}
        for parent in parents.get(cls, ()):
            if parent not in seen:
                found |= ancestors(parent, seen | {cls})
        closure[cls] = found
        return found

    for cls in list(parents):
        ancestors(cls, frozenset())
    return closure
