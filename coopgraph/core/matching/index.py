"""The matching index: one data object holding the tables built from the graph, and cheap accessors on them.

`MatchIndex.build(store)` reads the store (`read_facts`: a few SPARQL queries)
and `MatchIndex.from_facts` keeps the tables the build steps make of them, one
step per group of tables, each a plain function of the facts and of the tables
before it (build.py, groups.py, ways.py, vocabulary.py): labels and kinds;
territories; sectors and their DAC chains; kinds of cooperation; spaces;
per-actor features; channels, groups and contacts; the postings of themes and
of ways of cooperating, with each (term, actor) pair's value; the path graph;
the need vocabulary. Accessors read them (`label`, `exists`, `edge`, `kinds`,
...) or compute and cache a derived table on first use (`channel_scores`,
`static_ranking`, `names`, `actor_names`); the requester cache is filled by
lookup.py. What answers a request are functions that take the index (engine.py
`match` and `similar`, lookup.py, scoring.py, explain.py).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from coopgraph.core.matching import build
from coopgraph.core.matching.build import KINDS, Adjacency, Labels, Names, SectorPhrase
from coopgraph.core.matching.dac import DacLink
from coopgraph.core.matching.errors import require_lang
from coopgraph.core.matching.facts import PATH_PREDICATES, Facts, fingerprint, read_facts
from coopgraph.core.matching.groups import build_contacts, build_groups, derived_relations
from coopgraph.core.matching.register import TrackRow, by_actor
from coopgraph.core.matching.results import Requester
from coopgraph.core.matching.text import PhraseMatcher, normalise
from coopgraph.core.matching.thesaurus import Thesaurus, load_thesaurus
from coopgraph.core.matching.vocabulary import Reading, Vocabulary, build_actor_names, build_vocabulary, dac_coverage
from coopgraph.core.matching.ways import way_postings
from coopgraph.core.matching.weights import BILATERAL, FUND, PEER, channel_scores, static_ranking, term_values
from coopgraph.core.store import Store
from coopgraph.core.vocab import ALT_LABEL


@dataclass(eq=False, repr=False)
class MatchIndex:
    """The tables matching answers from (build.py and the step modules document each); build with `MatchIndex.build`."""

    facts: Facts
    signature: tuple[int, int] | None
    """The store's `fingerprint` when read (None: built from facts alone, never current)."""
    # labels and kinds (build.read_labels, build.kinds, build.tie_order)
    labels: Labels
    kind_of: dict[str, str]
    present_kinds: frozenset[str]
    order: dict[str, int]
    # build.territories
    provinces: dict[str, str]
    countries: dict[str, str]
    code_of: dict[str, str]
    governed_by: dict[str, list[str]]
    home_country: str | None
    # build.sectors
    sectors: set[str]
    ancestors: dict[str, set[str]]
    descendants: dict[str, set[str]]
    sector_matcher: PhraseMatcher[SectorPhrase]
    sector_codes: dict[str, list[tuple[str, str, str]]]
    dac_links: dict[str, tuple[DacLink, ...]]
    # build.cooperation
    cooperation_types: set[str]
    cooperation_narrower: dict[str, set[str]]
    scope_types: tuple[str, ...]
    scope_accepted: frozenset[str]
    competence_of_sector: dict[str, list[str]]
    # build.spaces
    roles: dict[str, list[tuple[str, str]]]
    actor_roles: dict[str, list[tuple[str, str]]]
    space_kind: dict[str, str]
    by_partner_country: dict[str, list[str]]
    peer_spaces: tuple[str, ...]
    # build.features
    country_of: dict[str, str | None]
    chan_mask: dict[str, int]
    coop_of: dict[str, frozenset[str]]
    # groups.build_groups, groups.build_contacts, groups.derived_relations
    channel_of: dict[str, str]
    channels: dict[str, tuple[str, ...]]
    group_of: dict[str, str]
    members: dict[str, tuple[str, ...]]
    place_of: dict[str, str]
    contacts: dict[str, dict[str, tuple[str, ...]]]
    derived: dict[str, dict[str, tuple[str, ...]]]
    # build.postings (themes), ways.way_postings (ways)
    postings: dict[str, dict[str, float]]
    sectors_of: dict[str, tuple[str, ...]]
    direct_members: dict[str, list[str]]
    members_of: dict[str, list[str]]
    way_postings: dict[str, dict[str, float]]
    track: dict[str, tuple[TrackRow, ...]]
    """actor -> its evidence from the register's programmes and projects (register.py), for explanations."""
    values: dict[str, dict[str, float]]
    """term (a sector or a way) -> {actor: the term's value for it} (weights.term_values)."""
    graph: Adjacency
    """The path graph (build.path_graph)."""
    # vocabulary.build_vocabulary
    thesaurus: Thesaurus
    vocabulary: Vocabulary
    # caches
    lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    """Guards the caches below (requests run in threads)."""
    requester_cache: OrderedDict[str, Requester] = field(default_factory=OrderedDict, init=False)
    """Resolved requesters by the value given, least recently used first (lookup.resolve_requester)."""
    _channels: dict[int, dict[str, float]] = field(default_factory=dict, init=False)
    _static: dict[tuple[str, int], list[str]] = field(default_factory=dict, init=False)
    _names: Names | None = field(default=None, init=False)
    _actor_names: PhraseMatcher[Reading] | None = field(default=None, init=False)
    _ranked: list[str] | None = field(default=None, init=False)
    """The actors in tie order (`order`'s keys by position), kept by update_actors.py from the first actor's write on."""
    _others: Facts | None = field(default=None, init=False)
    """The facts of the resources that are not actors and of the associations of governments: what the build
    steps read about an actor besides its own facts (update_actors.py keeps it from the first write of an actor)."""

    # ------------------------------------------------------------------ building

    @classmethod
    def build(cls, store: Store) -> MatchIndex:
        """Read the store and index it; records the store's signature for `is_current`."""
        signature = fingerprint(store)  # before reading: a write during the read makes the index stale
        return cls.from_facts(read_facts(store), signature=signature)

    @classmethod
    def from_facts(cls, facts: Facts, *, signature: tuple[int, int] | None = None) -> MatchIndex:
        """The index of facts already read: each step builds its tables from the facts and the tables before it."""
        labels = build.read_labels(facts)
        kind_of = build.kinds(facts)
        places = build.territories(facts)
        sectors = build.sectors(facts)
        cooperation = build.cooperation(facts, sectors.sectors)
        spaces = build.spaces(facts)
        features = build.features(facts, kind_of, spaces)
        groups = build_groups(facts, kind_of, features.country_of)
        derived = derived_relations(facts, kind_of)
        postings = build.postings(facts, kind_of, sectors, spaces, groups.channels)
        thesaurus = load_thesaurus()
        vocabulary = build_vocabulary(
            facts,
            thesaurus,
            sectors=sectors.sectors,
            covering=dac_coverage(facts, sectors.sectors),
            provinces=places.provinces.values(),
            countries=places.countries.values(),
        )
        ways = way_postings(facts, kind_of, vocabulary.ways, cooperation.narrower, groups.channels)
        values = {sector: term_values(actors, postings.sectors_of) for sector, actors in postings.postings.items()}
        values.update({way: term_values(actors, None) for way, actors in ways.items()})
        index = cls(
            facts=facts,
            signature=signature,
            labels=labels,
            kind_of=kind_of,
            present_kinds=frozenset(kind_of.values()),
            order={},  # by label: filled below, once `label` can be asked
            provinces=places.provinces,
            countries=places.countries,
            code_of=places.code_of,
            governed_by=places.governed_by,
            home_country=places.home_country,
            sectors=sectors.sectors,
            ancestors=sectors.ancestors,
            descendants=sectors.descendants,
            sector_matcher=sectors.matcher,
            sector_codes=sectors.codes,
            dac_links=sectors.dac_links,
            cooperation_types=cooperation.types,
            cooperation_narrower=cooperation.narrower,
            scope_types=cooperation.scope_types,
            scope_accepted=cooperation.scope_accepted,
            competence_of_sector=cooperation.competence_of_sector,
            roles=spaces.roles,
            actor_roles=spaces.actor_roles,
            space_kind=spaces.space_kind,
            by_partner_country=spaces.by_partner_country,
            peer_spaces=spaces.peer_spaces,
            country_of=features.country_of,
            chan_mask=features.chan_mask,
            coop_of=features.coop_of,
            channel_of=groups.channel_of,
            channels=groups.channels,
            group_of=groups.group_of,
            members=groups.members,
            place_of=groups.place_of,
            contacts=build_contacts(facts, kind_of),
            derived=derived,
            postings=postings.postings,
            sectors_of=postings.sectors_of,
            direct_members=postings.direct_members,
            members_of=postings.members_of,
            way_postings=ways,
            track=by_actor(r for r in facts.track if r.actor in kind_of),
            values=values,
            graph=build.path_graph(facts, derived),
            thesaurus=thesaurus,
            vocabulary=vocabulary,
        )
        index.order = build.tie_order(kind_of, lambda iri: index.label(iri, "es"))
        home = BILATERAL | FUND
        for term in index.postings:  # the two common cases; others are computed on first use
            for allowed in (home, home | PEER):
                index.static_ranking(term, allowed)
        return index

    def is_current(self, store: Store) -> bool:
        """Whether the store has seen no write since the index was built (constant time: per request is fine)."""
        return self.signature is not None and fingerprint(store) == self.signature

    def __getstate__(self) -> dict[str, object]:
        """What pickling keeps (saved.py saves the index with the store): all but the lock, `_ranked` and `_others`."""
        state = dict(self.__dict__)
        del state["lock"]
        state["_others"] = state["_ranked"] = None  # a patch builds them again when needed
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self.lock = threading.Lock()

    # ------------------------------------------------------------------ derived tables, cached

    def channel_scores(self, allowed: int) -> dict[str, float]:
        """The cached `weights.channel_scores` for the channels `allowed`."""
        cached = self._channels.get(allowed)
        if cached is None:
            cached = channel_scores(self.chan_mask, allowed)
            with self.lock:
                self._channels[allowed] = cached
        return cached

    def static_ranking(self, term: str, allowed: int) -> list[str]:
        """The cached `weights.static_ranking` of a term (sector or way) for the channels `allowed`."""
        cached = self._static.get((term, allowed))
        if cached is None:
            values = self.values.get(term)
            cached = static_ranking(values, self.channel_scores(allowed), self.order) if values is not None else []
            with self.lock:
                self._static[(term, allowed)] = cached
        return cached

    def names(self) -> Names:
        """The names of provinces and actors (build.names), built on first use."""
        if self._names is None:
            found = build.names(self.facts, self.labels, self.code_of, (*self.provinces.values(), *self.kind_of))
            with self.lock:
                self._names = found
        return self._names

    def warm_names(self) -> bool:
        """Build the name tables (`names`, `actor_names`) unless they are; whether they had to be. Writes then
        patch them (update.py), and they are saved with the index."""
        missing = self._names is None or self._actor_names is None
        self.names()
        self.actor_names()
        return missing

    def actor_names(self) -> PhraseMatcher[Reading]:
        """The names of the actors (not countries: those are in the vocabulary), for needs that name one."""
        if self._actor_names is None:
            found = build_actor_names(self.facts, (a for a, kind in self.kind_of.items() if kind != "country"))
            with self.lock:
                self._actor_names = found
        return self._actor_names

    # ------------------------------------------------------------------ labels and the graph

    def label(self, iri: str, lang: str) -> str:
        """The rdfs:label (else skos:prefLabel) in `lang`, else in the other language, else the IRI's slug."""
        es, en = self.labels.get(iri, (None, None))
        first, second = (es, en) if lang == "es" else (en, es)
        return first or second or iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]

    def short_label(self, iri: str, lang: str) -> str:
        """The shortest of the label and the alternative labels in `lang` (acronyms), for paths; of equally short
        ones the first in code-point order, so the answer does not hang on the order a store gives them in."""
        best = self.label(iri, lang)
        shorter = [value for value, value_lang in self.facts.lit(ALT_LABEL).get(iri, ()) if value_lang == lang]
        shorter = [value for value in shorter if 2 < len(value) < len(best)]
        return min(shorter, key=lambda value: (len(value), value)) if shorter else best

    def literal(self, predicate: str, iri: str, lang: str) -> str | None:
        """A literal of `iri` in `lang` (else any language)."""
        values = self.facts.lit(predicate).get(iri, ())
        for value, value_lang in values:
            if value_lang == lang:
                return value
        return values[0][0] if values else None

    def exists(self, iri: str) -> bool:
        """Whether the graph states anything about `iri` (it is the subject of a triple read)."""
        return iri in self.facts.subjects

    def relation(self, predicate: str) -> dict[str, tuple[str, ...]]:
        """subject -> objects of a path predicate: a property of the graph, or a derived relation (groups.py)."""
        return self.derived[predicate] if predicate in self.derived else self.facts.rel(predicate)

    def edge(self, a: str, b: str) -> tuple[str, bool]:
        """The relation between two neighbours of the path graph: (predicate, whether `a` is its subject)."""
        for predicate in PATH_PREDICATES:
            relation = self.relation(predicate)
            if b in relation.get(a, ()):
                return predicate, True
            if a in relation.get(b, ()):
                return predicate, False
        raise KeyError(f"no relation between {a} and {b}")

    def country_json(self, country: str | None, lang: str) -> dict[str, str] | None:
        if country is None:
            return None
        return {"iri": country, "code": self.code_of.get(country, ""), "label": self.label(country, lang)}

    # ------------------------------------------------------------------ what the page's pickers offer

    def kinds(self, lang: str = "es") -> dict[str, str]:
        """Kinds of partner present in the graph: key -> name in `lang`."""
        require_lang(lang)
        return {key: name(lang) for key, _, name in KINDS if key in self.present_kinds}

    def requesters(self, lang: str = "es") -> list[tuple[str, str, str]]:
        """The provinces, as (iri, ISO 3166-2 code, label), sorted by label: the page's picker."""
        require_lang(lang)
        rows = [(iri, code, self.label(iri, lang)) for code, iri in self.provinces.items()]
        return sorted(rows, key=lambda row: (normalise(row[2]), row[1]))

    def sector_options(self, lang: str = "es") -> list[tuple[str, str, str | None]]:
        """The sectors some partner relates to, as (iri, label, broader sector), sorted by label: the page's sector
        picker (a sector no partner relates to would only lead to an empty list)."""
        require_lang(lang)
        rows = []
        for sector in self.sectors:
            if not self.values.get(sector):
                continue
            parents = sorted(self.facts.rel("http://www.w3.org/2004/02/skos/core#broader").get(sector, ()))
            rows.append((sector, self.label(sector, lang), parents[0] if parents else None))
        return sorted(rows, key=lambda row: (normalise(row[1]), row[0]))
