"""The matching index: built once from a store, then answers match and similar requests.

Built from `read_facts` (a few SPARQL queries) into plain dictionaries and one
networkx graph:
- `postings`: sector concept -> {actor: relation strength}, precomputed with the
  sector hierarchy (skos:broader), the OECD-DAC chains between sectors
  (`dac_links`: theme -> chains, dac.py) and the spaces an actor takes part in;
  `theme_scores` the same with each pair's theme part of the score, and
  `static_ranking(sector, channels)` the actors sorted by their
  requester-independent score, so a need walks the heads of its themes' lists;
- per-actor features: kind, country, number of sectors, cooperation types,
  channel bits (bilateral negotiation space with its country, competitive fund,
  peer cooperation) and a tie-break order;
- `graph`: the relations that connect a requester to a partner (governs,
  memberships, sub-organisations, links, roles in spaces, territories covered,
  partner countries), searched breadth-first from the requester and cached.
Explanations are built for the returned partners only (explain.py).
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Sequence

import networkx as nx

from coopgraph.core.matching import dac, explain, scoring
from coopgraph.core.matching.errors import MatchError
from coopgraph.core.matching.facts import (
    CI_COMPETENCE,
    PATH_PREDICATES,
    ROLE_PREDICATES,
    Facts,
    fingerprint,
    read_facts,
)
from coopgraph.core.matching.lookup import SECTOR_MAPPINGS, Lookups, Requester
from coopgraph.core.matching.results import MatchResult, Partner, SimilarResult
from coopgraph.core.matching.text import PhraseMatcher, normalise
from coopgraph.core.store import Store
from coopgraph.core.vocab import ALT_LABEL, CG, HIDDEN_LABEL, IATI, LABEL, LANGS, NOTATION, ORG, PREF_LABEL, SKOS

MAX_LIMIT = 50

# Kinds of partner, most specific class first: key, class, Spanish and English names.
KINDS: tuple[tuple[str, str, str, str], ...] = (
    ("network", CG + "Network", "Red de gobiernos", "Network of governments"),
    ("association", CG + "GovernmentAssociation", "Asociación de gobiernos", "Association of governments"),
    ("agency", CG + "CooperationAgency", "Agencia de cooperación", "Cooperation agency"),
    ("peer", CG + "SubnationalGovernment", "Gobierno subnacional (par)", "Subnational government (peer)"),
    ("multilateral", CG + "InternationalOrganisation", "Organismo internacional", "International organisation"),
    ("embassy", CG + "Embassy", "Embajada", "Embassy"),
    ("national", CG + "GovernmentBody", "Entidad de gobierno nacional", "National government body"),
    ("fund", CG + "Fund", "Fondo", "Fund"),
    ("company", CG + "Company", "Empresa", "Company"),
    ("country", CG + "Country", "País (cooperación bilateral)", "Country (bilateral cooperation)"),
    ("organisation", CG + "Organisation", "Otra organización", "Other organisation"),
    ("actor", CG + "Actor", "Otro actor", "Other actor"),
)


class MatchIndex(Lookups):
    """Ranked, explained partners for a need; built from a store with `MatchIndex.build(store)`."""

    def __init__(self, facts: Facts, *, signature: tuple[int, str | None] | None = None) -> None:
        self.facts = facts
        self.signature = signature
        self._lock = threading.Lock()
        self._requesters: OrderedDict[str, Requester] = OrderedDict()
        self._name_index: dict[str, set[str]] | None = None
        self._name_prefixes: dict[str, set[str]] = {}
        self._labels: dict[str, tuple[str | None, str | None]] = {}
        for predicate in (PREF_LABEL, LABEL):  # rdfs:label wins over skos:prefLabel
            for iri, values in facts.lit(predicate).items():
                es, en = self._labels.get(iri, (None, None))
                for value, lang in values:
                    if lang == "es":
                        es = value if predicate == LABEL or es is None else es
                    elif lang == "en":
                        en = value if predicate == LABEL or en is None else en
                    elif es is None and en is None:
                        es = value
                self._labels[iri] = (es, en)
        self._build_kinds()
        self._build_territories()
        self._build_sectors()
        self._build_spaces()
        self._build_actor_features()
        self._build_postings()
        self._build_graph()
        self.theme_scores = {sector: scoring.theme_scores(self, sector) for sector in self.postings}
        self._channels: dict[int, dict[str, float]] = {}
        self._static: dict[tuple[str, int], list[str]] = {}
        home = scoring.BILATERAL | scoring.FUND
        for sector in self.postings:  # the two common cases; others are computed on first use
            for allowed in (home, home | scoring.PEER):
                self.static_ranking(sector, allowed)

    # ------------------------------------------------------------------ building

    @classmethod
    def build(cls, store: Store) -> MatchIndex:
        """Read the store and index it; records the store's signature for `is_current`."""
        signature = fingerprint(store)  # before reading: a write during the read makes the index stale
        return cls(read_facts(store), signature=signature)

    def is_current(self, store: Store) -> bool:
        """Whether the store has seen no write since the index was built (constant time: per request is fine)."""
        return self.signature is not None and fingerprint(store) == self.signature

    def _build_kinds(self) -> None:
        facts = self.facts
        self.kind_of: dict[str, str] = {}
        for iri, classes in facts.types.items():
            ancestors: set[str] = set()
            for cls in classes:
                ancestors |= facts.superclasses.get(cls, {cls})
            for key, cls_iri, _, _ in KINDS:
                if cls_iri in ancestors:
                    self.kind_of[iri] = key
                    break
        self.kind_names = {key: (es, en) for key, _, es, en in KINDS}
        self.present_kinds = frozenset(self.kind_of.values())
        self.order = {
            iri: position
            for position, iri in enumerate(
                sorted(self.kind_of, key=lambda iri: (normalise(self.label(iri, "es")), iri))
            )
        }

    def _build_territories(self) -> None:
        facts = self.facts
        notation = facts.lit(NOTATION)
        self.provinces: dict[str, str] = {}  # ISO 3166-2 code -> province
        self.countries: dict[str, str] = {}  # ISO 3166-1 alpha-2 -> country
        self.code_of: dict[str, str] = {}
        for iri in facts.types:
            codes = [value for value, _ in notation.get(iri, ())]
            if not codes:
                continue
            if facts.is_a(iri, CG + "Province"):
                self.provinces[codes[0].upper()] = iri
                self.code_of[iri] = codes[0]
            elif facts.is_a(iri, CG + "Country"):
                self.countries[codes[0].upper()] = iri
                self.code_of[iri] = codes[0]
        self.governed_by: dict[str, list[str]] = defaultdict(list)
        for gad, territories in facts.rel(CG + "governs").items():
            for territory in territories:
                self.governed_by[territory].append(gad)
        in_country = facts.rel(CG + "inCountry")
        homes = {country for province in self.provinces.values() for country in in_country.get(province, ())}
        self.home_country = next(iter(homes)) if len(homes) == 1 else None

    def _build_sectors(self) -> None:
        facts = self.facts
        self.sectors = {iri for iri in facts.types if facts.is_a(iri, CG + "Sector")}
        broader = facts.rel(SKOS + "broader")
        self.ancestors: dict[str, set[str]] = {}
        for sector in self.sectors:
            seen: set[str] = set()
            todo = [b for b in broader.get(sector, ()) if b in self.sectors]
            while todo:
                parent = todo.pop()
                if parent not in seen and parent != sector:
                    seen.add(parent)
                    todo.extend(b for b in broader.get(parent, ()) if b in self.sectors)
            self.ancestors[sector] = seen
        self.descendants: dict[str, set[str]] = defaultdict(set)
        for sector, parents in self.ancestors.items():
            for parent in parents:
                self.descendants[parent].add(sector)
        phrases = []
        for predicate in (LABEL, PREF_LABEL, ALT_LABEL, HIDDEN_LABEL):
            for sector, values in facts.lit(predicate).items():
                if sector in self.sectors:
                    for value, lang in values:
                        phrases.append((value, (sector, value, predicate, lang)))
        self.sector_matcher: PhraseMatcher[tuple[str, str, str, str | None]] = PhraseMatcher(phrases)
        self.sector_codes: dict[str, list[tuple[str, str, str]]] = defaultdict(list)  # code -> (sector, mapping, iati)
        for mapping in SECTOR_MAPPINGS:
            for sector, targets in facts.rel(mapping).items():
                if sector in self.sectors:
                    for target in targets:
                        if target.startswith((IATI + "Sector/", IATI + "SectorCategory/")):
                            self.sector_codes[target.rsplit("/", 1)[1]].append((sector, mapping, target))
        self.dac_links = dac.dac_links(facts, self.sectors, scoring.RELATION)  # theme -> chains, strongest first
        self.dac_reach = dac.reach(self.dac_links, scoring.RELATION)  # partner sector -> (theme, strength)
        cooperation_types = {iri for iri in facts.types if facts.is_a(iri, CG + "CooperationType")}
        self.cooperation_types = cooperation_types
        self.cooperation_narrower: dict[str, set[str]] = defaultdict(set)
        for concept in cooperation_types:
            todo, seen = [concept], {concept}
            while todo:
                current = todo.pop()
                for parent in broader.get(current, ()):
                    if parent in cooperation_types and parent not in seen:
                        seen.add(parent)
                        todo.append(parent)
            for parent in seen:
                self.cooperation_narrower[parent].add(concept)
        related = facts.rel(SKOS + "related")
        self.scope_types = tuple(t for t in related.get(CI_COMPETENCE, ()) if t in cooperation_types)
        self.scope_accepted = frozenset(t for s in self.scope_types for t in self.cooperation_narrower[s])
        self.competence_of_sector: dict[str, list[str]] = defaultdict(list)
        for competence, targets in related.items():
            if facts.is_a(competence, CG + "Competence"):
                for target in targets:
                    if target in self.sectors:
                        self.competence_of_sector[target].append(competence)

    def _build_spaces(self) -> None:
        facts = self.facts
        self.roles: dict[str, list[tuple[str, str]]] = defaultdict(list)  # space -> (actor, role)
        self.actor_roles: dict[str, list[tuple[str, str]]] = defaultdict(list)  # actor -> (space, role)
        for role in ROLE_PREDICATES:
            for space, actors in facts.rel(role).items():
                for actor in actors:
                    self.roles[space].append((actor, role))
                    self.actor_roles[actor].append((space, role))
        self.space_kind: dict[str, str] = {}
        for space in set(self.roles) | set(facts.rel(CG + "partnerCountry")) | set(facts.rel(CG + "coversTerritory")):
            if facts.is_a(space, CG + "CompetitiveFund") or facts.is_a(space, CG + "Call"):
                self.space_kind[space] = "fund"
            elif facts.is_a(space, CG + "PeerCooperation"):
                self.space_kind[space] = "peer"
            elif facts.is_a(space, CG + "NegotiationSpace"):
                self.space_kind[space] = "negotiation"
            elif facts.is_a(space, CG + "Space"):
                self.space_kind[space] = "dialogue"
            else:
                self.space_kind[space] = "other"
        self.by_partner_country: dict[str, list[str]] = defaultdict(list)
        for space, countries in facts.rel(CG + "partnerCountry").items():
            for country in countries:
                self.by_partner_country[country].append(space)
        self.peer_spaces = tuple(sorted(iri for iri in facts.types if facts.is_a(iri, CG + "PeerCooperation")))

    def _build_actor_features(self) -> None:
        """Country, cooperation types (own and through channels) and channel bits of every candidate."""
        facts = self.facts
        country = facts.rel(CG + "country")
        own_types = facts.rel(CG + "cooperationType")
        self.country_of: dict[str, str | None] = {}
        self.chan_mask: dict[str, int] = {}
        self.coop_of: dict[str, frozenset[str]] = {}
        interned: dict[frozenset[str], frozenset[str]] = {}
        peer_open = bool(self.peer_spaces)
        for actor, kind in self.kind_of.items():
            home = actor if kind == "country" else next(iter(country.get(actor, ())), None)
            self.country_of[actor] = home
            mask, types = 0, set(own_types.get(actor, ()))
            for space in self.by_partner_country.get(home, ()) if home else ():
                mask |= scoring.BILATERAL
                types.update(own_types.get(space, ()))
            for space, _ in self.actor_roles.get(actor, ()):
                space_kind = self.space_kind.get(space)
                if space_kind == "fund":
                    mask |= scoring.FUND
                elif space_kind == "negotiation":
                    mask |= scoring.BILATERAL
                types.update(own_types.get(space, ()))
            if peer_open and kind == "peer":
                mask |= scoring.PEER
            if mask:
                self.chan_mask[actor] = mask
            key = frozenset(types)
            self.coop_of[actor] = interned.setdefault(key, key)

    def _build_postings(self) -> None:
        """sector -> {actor: strength}: direct, through the hierarchy, the DAC classification, spaces (scoring.RELATION)."""
        facts = self.facts
        sector_rel = facts.rel(CG + "sector")
        direct, narrower, broader, via_space = (scoring.RELATION[k] for k in ("direct", "narrower", "broader", "space"))
        self.postings: dict[str, dict[str, float]] = defaultdict(dict)
        self.sectors_of: dict[str, tuple[str, ...]] = {}
        self.direct_members: dict[str, list[str]] = defaultdict(list)
        postings = self.postings
        for actor in self.kind_of:
            own = tuple(s for s in sector_rel.get(actor, ()) if s in self.sectors)
            if own:
                self.sectors_of[actor] = own
            for sector in own:
                postings[sector][actor] = direct
                self.direct_members[sector].append(actor)
                for parent in self.ancestors.get(sector, ()):
                    if postings[parent].get(actor, 0.0) < narrower:
                        postings[parent][actor] = narrower
                for child in self.descendants.get(sector, ()):
                    if postings[child].get(actor, 0.0) < broader:
                        postings[child][actor] = broader
                for theme, strength in self.dac_reach.get(sector, ()):
                    if postings[theme].get(actor, 0.0) < strength:
                        postings[theme][actor] = strength
            for space, _ in self.actor_roles.get(actor, ()):
                for sector in sector_rel.get(space, ()):
                    if sector in self.sectors and postings[sector].get(actor, 0.0) < via_space:
                        postings[sector][actor] = via_space
        self.members_of: dict[str, list[str]] = defaultdict(list)
        for actor, networks in facts.rel(ORG + "memberOf").items():
            if actor in self.kind_of:
                for network in networks:
                    self.members_of[network].append(actor)

    def _build_graph(self) -> None:
        """The path graph, undirected and without edge data (`edge` reads a step's relation back from the facts)."""
        self.graph = nx.Graph()
        self.graph.add_edges_from(
            (subject, obj)
            for predicate in PATH_PREDICATES
            for subject, objects in self.facts.rel(predicate).items()
            for obj in objects
            if subject != obj
        )

    def edge(self, a: str, b: str) -> tuple[str, bool]:
        """The relation between two neighbours of the path graph: (predicate, whether `a` is its subject)."""
        for predicate in PATH_PREDICATES:
            relation = self.facts.rel(predicate)
            if b in relation.get(a, ()):
                return predicate, True
            if a in relation.get(b, ()):
                return predicate, False
        raise KeyError(f"no relation between {a} and {b}")

    def channel_scores(self, allowed: int) -> dict[str, float]:
        """The cached `scoring.channel_scores` for the channels `allowed`."""
        cached = self._channels.get(allowed)
        if cached is None:
            cached = scoring.channel_scores(self, allowed)
            with self._lock:
                self._channels[allowed] = cached
        return cached

    def static_ranking(self, sector: str, allowed: int) -> list[str]:
        """The cached `scoring.static_ranking` of a sector for the channels `allowed`."""
        cached = self._static.get((sector, allowed))
        if cached is None:
            cached = scoring.static_ranking(self, sector, allowed) if sector in self.theme_scores else []
            with self._lock:
                self._static[(sector, allowed)] = cached
        return cached

    # ------------------------------------------------------------------ labels and lookups

    def label(self, iri: str, lang: str) -> str:
        """The rdfs:label (else skos:prefLabel) in `lang`, else in the other language, else the IRI's slug."""
        es, en = self._labels.get(iri, (None, None))
        first, second = (es, en) if lang == "es" else (en, es)
        return first or second or iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]

    def short_label(self, iri: str, lang: str) -> str:
        """The shortest of the label and the alternative labels in `lang` (acronyms), for paths."""
        best = self.label(iri, lang)
        for value, value_lang in self.facts.lit(ALT_LABEL).get(iri, ()):
            if value_lang == lang and 2 < len(value) < len(best):
                best = value
        return best

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

    def country_json(self, country: str | None, lang: str) -> dict[str, str] | None:
        if country is None:
            return None
        return {"iri": country, "code": self.code_of.get(country, ""), "label": self.label(country, lang)}

    def kinds(self, lang: str = "es") -> dict[str, str]:
        """Kinds of partner present in the graph: key -> name in `lang`."""
        _check_lang(lang)
        return {key: (es if lang == "es" else en) for key, _, es, en in KINDS if key in self.present_kinds}

    def requesters(self, lang: str = "es") -> list[tuple[str, str, str]]:
        """The provinces, as (iri, ISO 3166-2 code, label), sorted by label: the page's picker."""
        _check_lang(lang)
        rows = [(iri, code, self.label(iri, lang)) for code, iri in self.provinces.items()]
        return sorted(rows, key=lambda row: (normalise(row[2]), row[1]))

    # ------------------------------------------------------------------ answering

    def match(
        self,
        need: str | None = None,
        *,
        sectors: Sequence[str] = (),
        requester: str | None = None,
        kind: str | None = None,
        country: str | None = None,
        cooperation: str | None = None,
        limit: int = 10,
        lang: str = "es",
    ) -> MatchResult:
        """Ranked partners for a need, each with its score and explanation (see the package docstring)."""
        _check_lang(lang)
        _check_limit(limit)
        if kind is not None and kind not in self.present_kinds:
            raise MatchError(
                f"Unknown kind of partner {kind!r}; valid: {', '.join(self.kinds(lang))}.",
                message_es=f"Tipo de socio desconocido «{kind}»; válidos: {', '.join(self.kinds(lang))}.",
            )
        parsed = self.parse_need(need, sectors, lang=lang)
        country_iri = self.resolve_country(country) if country else None
        cooperation_iri = self.resolve_cooperation(cooperation) if cooperation else None
        who = self.resolve_requester(requester) if requester else None
        outside = cooperation_iri is not None and cooperation_iri not in self.scope_accepted
        if who is not None and who.provincial and self.scope_types and outside:
            scope = " and ".join(self.label(t, "en") for t in self.scope_types)
            scope_es = " y ".join(self.label(t, "es") for t in self.scope_types)
            raise MatchError(
                f"A provincial government manages only {scope} (its international cooperation competence); "
                f"{self.label(cooperation_iri, 'en')!r} is outside it.",
                message_es=f"Un gobierno provincial solo gestiona {scope_es} (su competencia de cooperación "
                f"internacional); «{self.label(cooperation_iri, 'es')}» queda fuera de ella.",
            )
        accepted = frozenset(self.cooperation_narrower[cooperation_iri]) if cooperation_iri else None
        ranked = scoring.rank(self, parsed, who, kind=kind, country=country_iri, accepted=accepted, limit=limit)
        explainer = explain.Explainer(self, parsed, who, cooperation=cooperation_iri, lang=lang)
        results = tuple(
            Partner(
                iri=actor,
                label=self.label(actor, lang),
                kind=self.kind_of[actor],
                country=self.country_json(self.country_of.get(actor), lang),
                score=score,
                explanation=tuple(explainer.items(actor)),
                components=components,
            )
            for score, actor, components in ranked
        )
        filters: dict[str, object] = {
            "kind": kind,
            "country": self.country_json(country_iri, lang),
            "cooperation": {"iri": cooperation_iri, "label": self.label(cooperation_iri, lang)}
            if cooperation_iri
            else None,
            "limit": limit,
            "lang": lang,
        }
        if who is not None and who.provincial and self.scope_types:
            filters["cooperation_scope"] = [{"iri": t, "label": self.label(t, lang)} for t in self.scope_types]
        return MatchResult(parsed, who.json(self, lang) if who else None, filters, results)

    def similar(self, actor: str, *, limit: int = 10, lang: str = "es") -> SimilarResult:
        """Actors most like `actor`: shared sectors, shared networks, same kind (scoring.similar)."""
        _check_lang(lang)
        _check_limit(limit)
        iri = self._find_territory_or_actor(actor)
        if iri not in self.kind_of:
            raise MatchError(
                f"{actor!r} is a territory, not an actor: similar() compares actors.",
                message_es=f"«{actor}» es un territorio, no un actor: similar() compara actores.",
            )
        ranked = scoring.similar(self, iri, limit=limit)
        results = tuple(
            Partner(
                iri=other,
                label=self.label(other, lang),
                kind=self.kind_of[other],
                country=self.country_json(self.country_of.get(other), lang),
                score=score,
                explanation=tuple(explain.similar_items(self, iri, other, lang=lang)),
                components=components,
            )
            for score, other, components in ranked
        )
        about = {
            "iri": iri,
            "label": self.label(iri, lang),
            "kind": self.kind_of[iri],
            "country": self.country_json(self.country_of.get(iri), lang),
        }
        return SimilarResult(about, results)


def _check_lang(lang: object) -> None:
    if lang not in LANGS:
        raise MatchError(
            f"Unknown language {lang!r}; valid: {', '.join(LANGS)}.",
            message_es=f"Idioma desconocido «{lang}»; válidos: {', '.join(LANGS)}.",
        )


def _check_limit(limit: object) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise MatchError(
            f"limit must be an integer from 1 to {MAX_LIMIT}, not {limit!r}.",
            message_es=f"limit debe ser un entero de 1 a {MAX_LIMIT}, no {limit!r}.",
        )
