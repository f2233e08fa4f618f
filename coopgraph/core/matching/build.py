"""Building the index's tables from the facts: plain functions, each for one group of tables.

`MatchIndex.from_facts` (index.py) calls them in order and keeps what they
return; nothing here knows the index. The groups:
- labels, kinds of partner (KINDS) and the tie-break order of actors (by label: see `MatchIndex.label`);
- territories: provinces and countries by code, who governs what, the home country;
- sectors: the skos:broader hierarchy, the label matcher, DAC codes given as
  needs and the DAC chains between sectors (dac.py);
- kinds of cooperation: their hierarchy and a provincial GAD's scope;
- spaces: roles of actors in them, their kind, bilateral spaces by country;
- per-actor features: country, cooperation types, channel bits;
- postings: sector -> {actor: relation strength}, precomputed with the sector
  hierarchy, the DAC chains and the spaces an actor takes part in;
- the path graph (node -> neighbours) the requester's neighbourhood is searched in;
- the name index for requester lookups and suggestions (built on first use).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import NamedTuple

from coopgraph.core.matching import dac
from coopgraph.core.matching.dac import DacLink
from coopgraph.core.matching.facts import CI_COMPETENCE, PATH_PREDICATES, ROLE_PREDICATES, Facts
from coopgraph.core.matching.register import TrackRow
from coopgraph.core.matching.text import PhraseMatcher, normalise
from coopgraph.core.matching.weights import BILATERAL, CHANNEL_FACTOR, FUND, PEER, RECORD_ROLE, RELATION, SHIFT
from coopgraph.core.vocab import ALT_LABEL, CG, HIDDEN_LABEL, IATI, LABEL, NOTATION, ORG, PREF_LABEL, SKOS, Text

Labels = dict[str, tuple[str | None, str | None]]
"""iri -> (Spanish, English) label."""
Adjacency = dict[str, frozenset[str]]
"""The path graph: node -> its neighbours (both directions of every relation). Frozen sets, so that an index
patched after a write (update_actors.py) shares the untouched ones with the index before it."""
SectorPhrase = tuple[str, str, str, str | None]
"""What the sector matcher finds: (sector, the label matched, its predicate, its language)."""

KINDS: tuple[tuple[str, str, Text], ...] = (
    ("network", CG + "Network", Text(es="Red de gobiernos", en="Network of governments")),
    ("association", CG + "GovernmentAssociation", Text(es="Asociación de gobiernos", en="Association of governments")),
    ("agency", CG + "CooperationAgency", Text(es="Agencia de cooperación", en="Cooperation agency")),
    ("peer", CG + "SubnationalGovernment", Text(es="Gobierno subnacional (par)", en="Subnational government (peer)")),
    (
        "multilateral",
        CG + "InternationalOrganisation",
        Text(es="Organismo internacional", en="International organisation"),
    ),
    ("embassy", CG + "Embassy", Text(es="Embajada", en="Embassy")),
    ("national", CG + "GovernmentBody", Text(es="Entidad de gobierno nacional", en="National government body")),
    ("fund", CG + "Fund", Text(es="Fondo", en="Fund")),
    ("company", CG + "Company", Text(es="Empresa", en="Company")),
    ("country", CG + "Country", Text(es="País (cooperación bilateral)", en="Country (bilateral cooperation)")),
    ("organisation", CG + "Organisation", Text(es="Otra organización", en="Other organisation")),
    ("actor", CG + "Actor", Text(es="Otro actor", en="Other actor")),
)
"""Kinds of partner, most specific class first: key, class, name."""


def read_labels(facts: Facts) -> Labels:
    """iri -> (Spanish, English) label: rdfs:label, else skos:prefLabel; a label without language counts as Spanish."""
    labels: Labels = {}
    for predicate in (PREF_LABEL, LABEL):  # rdfs:label wins over skos:prefLabel
        for iri, values in facts.lit(predicate).items():
            es, en = labels.get(iri, (None, None))
            for value, lang in values:
                if lang == "es":
                    es = value if predicate == LABEL or es is None else es
                elif lang == "en":
                    en = value if predicate == LABEL or en is None else en
                elif es is None and en is None:
                    es = value
            labels[iri] = (es, en)
    return labels


def kinds(facts: Facts) -> dict[str, str]:
    """actor -> the key of its most specific kind (KINDS); only actors are keys."""
    kind_of: dict[str, str] = {}
    for iri, classes in facts.types.items():
        ancestors: set[str] = set()
        for cls in classes:
            ancestors |= facts.superclasses.get(cls, {cls})
        for key, cls_iri, _ in KINDS:
            if cls_iri in ancestors:
                kind_of[iri] = key
                break
    return kind_of


ORDER_GAP = 1 << 10
"""The spacing of the tie order's positions: an actor a write adds takes a free position between its neighbours
(update_actors._reorder), rather than moving every actor after it (~50k dict entries at 100k actors, in every
process). Positions stay under weights.SHIFT, which a sort key packs them with."""


def tie_order(actors: Iterable[str], spanish_label: Callable[[str], str]) -> dict[str, int]:
    """actor -> its position by Spanish label (accent-insensitive), then IRI: the tie-break of equal scores (the
    smaller first). Positions are spaced (`ORDER_GAP`); only their order means something."""
    return spaced(sorted(actors, key=lambda iri: (normalise(spanish_label(iri)), iri)))


def spaced(ranked: list[str]) -> dict[str, int]:
    """actor -> position for actors in tie order: ORDER_GAP apart, or less when that would not fit under SHIFT."""
    gap = max(1, min(ORDER_GAP, (SHIFT - 1) // (len(ranked) + 1)))
    return {iri: position * gap for position, iri in enumerate(ranked)}


def in_tie_order(order: dict[str, int]) -> list[str]:
    """The actors of a tie order (`tie_order`), first to last."""
    return sorted(order, key=order.__getitem__)


class Territories(NamedTuple):
    provinces: dict[str, str]
    """ISO 3166-2 code (upper case) -> province."""
    countries: dict[str, str]
    """ISO 3166-1 alpha-2 code (upper case) -> country."""
    code_of: dict[str, str]
    """province or country -> its code."""
    governed_by: dict[str, list[str]]
    """territory -> the governments that govern it."""
    home_country: str | None
    """The one country of the provinces (None if they lie in several)."""


def territories(facts: Facts) -> Territories:
    notation = facts.lit(NOTATION)
    provinces: dict[str, str] = {}
    countries: dict[str, str] = {}
    code_of: dict[str, str] = {}
    for iri in facts.types:
        codes = [value for value, _ in notation.get(iri, ())]
        if not codes:
            continue
        if facts.is_a(iri, CG + "Province"):
            provinces[codes[0].upper()] = iri
            code_of[iri] = codes[0]
        elif facts.is_a(iri, CG + "Country"):
            countries[codes[0].upper()] = iri
            code_of[iri] = codes[0]
    governed_by: dict[str, list[str]] = defaultdict(list)
    for gad, governed in facts.rel(CG + "governs").items():
        for territory in governed:
            governed_by[territory].append(gad)
    in_country = facts.rel(CG + "inCountry")
    homes = {country for province in provinces.values() for country in in_country.get(province, ())}
    return Territories(provinces, countries, code_of, governed_by, next(iter(homes)) if len(homes) == 1 else None)


class Sectors(NamedTuple):
    sectors: set[str]
    ancestors: dict[str, set[str]]
    """sector -> its broader sectors, transitively."""
    descendants: dict[str, set[str]]
    """sector -> its narrower sectors, transitively."""
    matcher: PhraseMatcher[SectorPhrase]
    """Every label of every sector (all four label predicates, both languages)."""
    codes: dict[str, list[tuple[str, str, str]]]
    """DAC code -> (sector, mapping predicate, IATI concept): the codes a need may give."""
    dac_links: dict[str, tuple[DacLink, ...]]
    """theme -> its DAC chains to other sectors, strongest first (dac.py)."""
    dac_reach: dict[str, tuple[tuple[str, float], ...]]
    """partner sector -> (theme, strength) it reaches through the DAC chains."""


def sectors(facts: Facts) -> Sectors:
    found = {iri for iri in facts.types if facts.is_a(iri, CG + "Sector")}
    broader = facts.rel(SKOS + "broader")
    ancestors: dict[str, set[str]] = {}
    for sector in found:
        seen: set[str] = set()
        todo = [b for b in broader.get(sector, ()) if b in found]
        while todo:
            parent = todo.pop()
            if parent not in seen and parent != sector:
                seen.add(parent)
                todo.extend(b for b in broader.get(parent, ()) if b in found)
        ancestors[sector] = seen
    descendants: dict[str, set[str]] = defaultdict(set)
    for sector, parents in ancestors.items():
        for parent in parents:
            descendants[parent].add(sector)
    phrases: list[tuple[str, SectorPhrase]] = []
    for predicate in (LABEL, PREF_LABEL, ALT_LABEL, HIDDEN_LABEL):
        for sector, values in facts.lit(predicate).items():
            if sector in found:
                for value, lang in values:
                    phrases.append((value, (sector, value, predicate, lang)))
    codes: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for mapping in dac.SECTOR_MAPPINGS:
        for sector, targets in facts.rel(mapping).items():
            if sector in found:
                for target in targets:
                    if target.startswith((IATI + "Sector/", IATI + "SectorCategory/")):
                        codes[target.rsplit("/", 1)[1]].append((sector, mapping, target))
    links = dac.dac_links(facts, found, RELATION)
    return Sectors(found, ancestors, descendants, PhraseMatcher(phrases), codes, links, dac.reach(links, RELATION))


class Cooperation(NamedTuple):
    types: set[str]
    """The kinds of cooperation (cg:CooperationType)."""
    narrower: dict[str, set[str]]
    """kind -> itself and its narrower kinds."""
    scope_types: tuple[str, ...]
    """The kinds a provincial GAD may manage (skos:related of its international-cooperation competence)."""
    scope_accepted: frozenset[str]
    """Those kinds and their narrower ones."""
    competence_of_sector: dict[str, list[str]]
    """sector -> the competences (cg:Competence) related to it."""


def cooperation(facts: Facts, sectors: set[str]) -> Cooperation:
    broader = facts.rel(SKOS + "broader")
    types = {iri for iri in facts.types if facts.is_a(iri, CG + "CooperationType")}
    narrower: dict[str, set[str]] = defaultdict(set)
    for concept in types:
        todo, seen = [concept], {concept}
        while todo:
            current = todo.pop()
            for parent in broader.get(current, ()):
                if parent in types and parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        for parent in seen:
            narrower[parent].add(concept)
    related = facts.rel(SKOS + "related")
    scope_types = tuple(t for t in related.get(CI_COMPETENCE, ()) if t in types)
    scope_accepted = frozenset(t for s in scope_types for t in narrower[s])
    competence_of_sector: dict[str, list[str]] = defaultdict(list)
    for competence, targets in related.items():
        if facts.is_a(competence, CG + "Competence"):
            for target in targets:
                if target in sectors:
                    competence_of_sector[target].append(competence)
    return Cooperation(types, narrower, scope_types, scope_accepted, competence_of_sector)


class Spaces(NamedTuple):
    roles: dict[str, list[tuple[str, str]]]
    """space -> (actor, role predicate)."""
    actor_roles: dict[str, list[tuple[str, str]]]
    """actor -> (space, role predicate)."""
    space_kind: dict[str, str]
    """space -> "fund", "peer", "negotiation", "dialogue" or "other"."""
    by_partner_country: dict[str, list[str]]
    """country -> the spaces it is a party to (cg:partnerCountry)."""
    peer_spaces: tuple[str, ...]
    """The peer (GAD-GAD) cooperation spaces, sorted."""


def spaces(facts: Facts) -> Spaces:
    roles: dict[str, list[tuple[str, str]]] = defaultdict(list)
    actor_roles: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for role in ROLE_PREDICATES:
        for space, actors in facts.rel(role).items():
            for actor in actors:
                roles[space].append((actor, role))
                actor_roles[actor].append((space, role))
    space_kind: dict[str, str] = {}
    for space in set(roles) | set(facts.rel(CG + "partnerCountry")) | set(facts.rel(CG + "coversTerritory")):
        if facts.is_a(space, CG + "CompetitiveFund") or facts.is_a(space, CG + "Call"):
            space_kind[space] = "fund"
        elif facts.is_a(space, CG + "PeerCooperation"):
            space_kind[space] = "peer"
        elif facts.is_a(space, CG + "NegotiationSpace"):
            space_kind[space] = "negotiation"
        elif facts.is_a(space, CG + "Space"):
            space_kind[space] = "dialogue"
        else:
            space_kind[space] = "other"
    by_partner_country: dict[str, list[str]] = defaultdict(list)
    for space, countries in facts.rel(CG + "partnerCountry").items():
        for country in countries:
            by_partner_country[country].append(space)
    peer_spaces = tuple(sorted(iri for iri in facts.types if facts.is_a(iri, CG + "PeerCooperation")))
    return Spaces(roles, actor_roles, space_kind, by_partner_country, peer_spaces)


class Features(NamedTuple):
    country_of: dict[str, str | None]
    """actor -> its country (a country is its own)."""
    chan_mask: dict[str, int]
    """actor -> its static channels as bits (weights.BILATERAL, FUND, PEER); actors without any are left out."""
    coop_of: dict[str, frozenset[str]]
    """actor -> the kinds of cooperation it offers, itself or through its channels."""


def features(facts: Facts, kind_of: dict[str, str], spaces: Spaces) -> Features:
    """Country, cooperation types (own and through channels) and channel bits of every candidate."""
    country = facts.rel(CG + "country")
    own_types = facts.rel(CG + "cooperationType")
    country_of: dict[str, str | None] = {}
    chan_mask: dict[str, int] = {}
    coop_of: dict[str, frozenset[str]] = {}
    interned: dict[frozenset[str], frozenset[str]] = {}
    peer_open = bool(spaces.peer_spaces)
    for actor, kind in kind_of.items():
        home = actor if kind == "country" else next(iter(country.get(actor, ())), None)
        country_of[actor] = home
        mask, types = 0, set(own_types.get(actor, ()))
        for space in spaces.by_partner_country.get(home, ()) if home else ():
            mask |= BILATERAL
            types.update(own_types.get(space, ()))
        for space, _ in spaces.actor_roles.get(actor, ()):
            space_kind = spaces.space_kind.get(space)
            if space_kind == "fund":
                mask |= FUND
            elif space_kind == "negotiation":
                mask |= BILATERAL
            types.update(own_types.get(space, ()))
        if peer_open and kind == "peer":
            mask |= PEER
        if mask:
            chan_mask[actor] = mask
        key = frozenset(types)
        coop_of[actor] = interned.setdefault(key, key)
    return Features(country_of, chan_mask, coop_of)


class Postings(NamedTuple):
    postings: dict[str, dict[str, float]]
    """sector -> {actor: strength of its strongest relation to the sector} (weights.RELATION)."""
    sectors_of: dict[str, tuple[str, ...]]
    """actor -> the sectors it declares (actors without any are left out)."""
    direct_members: dict[str, list[str]]
    """sector -> the actors that declare it."""
    members_of: dict[str, list[str]]
    """network -> its members that are actors (org:memberOf)."""


def postings(
    facts: Facts, kind_of: dict[str, str], sectors: Sectors, spaces: Spaces, channels: dict[str, tuple[str, ...]]
) -> Postings:
    """sector -> {actor: strength}: direct, through the hierarchy, the DAC classification, spaces, documents it
    issued (weights.RELATION), programmes and projects of the register (weights.RECORD_ROLE); a channel of a
    country's cooperation gets CHANNEL_FACTOR of its country's."""
    sector_rel = facts.rel(CG + "sector")
    direct, narrower, broader, via_space = (RELATION[k] for k in ("direct", "narrower", "broader", "space"))
    issued: dict[str, list[str]] = defaultdict(list)
    for document, issuers in facts.rel(CG + "issuedBy").items():
        if sector_rel.get(document):
            for issuer in issuers:
                issued[issuer].append(document)
    found: dict[str, dict[str, float]] = defaultdict(dict)
    sectors_of: dict[str, tuple[str, ...]] = {}
    direct_members: dict[str, list[str]] = defaultdict(list)
    for actor in kind_of:
        own = tuple(s for s in sector_rel.get(actor, ()) if s in sectors.sectors)
        if own:
            sectors_of[actor] = own
        for sector in own:
            found[sector][actor] = direct
            direct_members[sector].append(actor)
            for parent in sectors.ancestors.get(sector, ()):
                if found[parent].get(actor, 0.0) < narrower:
                    found[parent][actor] = narrower
            for child in sectors.descendants.get(sector, ()):
                if found[child].get(actor, 0.0) < broader:
                    found[child][actor] = broader
            for theme, strength in sectors.dac_reach.get(sector, ()):
                if found[theme].get(actor, 0.0) < strength:
                    found[theme][actor] = strength
        for space, _ in spaces.actor_roles.get(actor, ()):
            for sector in sector_rel.get(space, ()):
                if sector in sectors.sectors and found[sector].get(actor, 0.0) < via_space:
                    found[sector][actor] = via_space
        for document in issued.get(actor, ()):
            for sector in sector_rel.get(document, ()):
                if sector in sectors.sectors and found[sector].get(actor, 0.0) < RELATION["document"]:
                    found[sector][actor] = RELATION["document"]
    for row in facts.track:  # the register's evidence (register.py): only for actors, only sectors mapped
        if row.actor not in kind_of:
            continue
        for sector, mapping in code_sectors(row.code, sectors.codes):
            strength = record_strength(row, mapping)
            if found[sector].get(row.actor, 0.0) < strength:
                found[sector][row.actor] = strength
            for parent in sectors.ancestors.get(sector, ()):
                if found[parent].get(row.actor, 0.0) < min(strength, narrower):
                    found[parent][row.actor] = min(strength, narrower)
    for related in found.values():
        for country, strength in list(related.items()):
            for channel in channels.get(country, ()):
                if related.get(channel, 0.0) < CHANNEL_FACTOR * strength:
                    related[channel] = CHANNEL_FACTOR * strength
    members_of: dict[str, list[str]] = defaultdict(list)
    for actor, networks in facts.rel(ORG + "memberOf").items():
        if actor in kind_of:
            for network in networks:
                members_of[network].append(actor)
    return Postings(found, sectors_of, direct_members, members_of)


def code_sectors(code: str, codes: dict[str, list[tuple[str, str, str]]]) -> list[tuple[str, str]]:
    """(sector, mapping predicate) of the graph's sectors mapped to the IATI code IRI `code` (`codes`: the index's
    `sector_codes`, DAC notation -> (sector, mapping, IATI concept))."""
    notation = code.rsplit("/", 1)[-1]
    return [(sector, mapping) for sector, mapping, target in codes.get(notation, ()) if target == code]


def record_strength(row: TrackRow, mapping: str) -> float:
    """How strongly a row relates its actor to a sector mapped to its code (weights.RECORD_ROLE)."""
    return RECORD_ROLE["party" if row.agreement else row.role] * dac.SECTOR_MAPPINGS[mapping]


def path_graph(facts: Facts, derived: dict[str, dict[str, tuple[str, ...]]]) -> Adjacency:
    """The path graph, undirected (`MatchIndex.edge` reads a step's relation back): the PATH_PREDICATES of the
    graph, and the `derived` relations (groups.derived_relations)."""
    found: dict[str, set[str]] = defaultdict(set)
    for predicate in PATH_PREDICATES:
        for subject, objects in (derived[predicate] if predicate in derived else facts.rel(predicate)).items():
            for obj in objects:
                if subject != obj:
                    found[subject].add(obj)
                    found[obj].add(subject)
    return {node: frozenset(neighbours) for node, neighbours in found.items()}


class Names(NamedTuple):
    iris: dict[str, set[str]]
    """normalised name (label, alternative label, code) -> the provinces and actors so named."""
    prefixes: dict[str, set[str]]
    """the first four letters of a word -> the names with a word starting so."""


def names(facts: Facts, labels: Labels, code_of: dict[str, str], iris: Iterable[str]) -> Names:
    """The names of `iris` (provinces and actors), for requester lookups and suggestions."""
    found: dict[str, set[str]] = defaultdict(set)
    for iri in iris:
        for name in names_of(facts, labels, code_of, iri):
            found[name].add(iri)
    prefixes: dict[str, set[str]] = defaultdict(set)
    for name in found:
        for word in name.split():
            prefixes[word[:4]].add(name)
    return Names(dict(found), dict(prefixes))


def names_of(facts: Facts, labels: Labels, code_of: dict[str, str], iri: str) -> set[str]:
    """The normalised names of one resource: its labels, its code, its alternative labels."""
    alt = facts.lit(ALT_LABEL).get(iri, ())
    return {normalise(name) for name in (*labels.get(iri, ()), code_of.get(iri), *(v for v, _ in alt)) if name}


def rename(names: Names, iri: str, old: set[str], new: set[str]) -> None:
    """Patch `names` in place: `iri` was named `old`, is named `new` (empty: no longer a province or an actor)."""
    for name in old - new:
        holders = names.iris.get(name)
        if holders is None or iri not in holders:
            continue
        holders.discard(iri)
        if not holders:
            del names.iris[name]
            for word in name.split():
                group = names.prefixes.get(word[:4])
                if group is not None:
                    group.discard(name)
                    if not group:
                        del names.prefixes[word[:4]]
    for name in new - old:
        names.iris.setdefault(name, set()).add(iri)
        for word in name.split():
            names.prefixes.setdefault(word[:4], set()).add(name)
