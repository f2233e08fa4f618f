"""Partner matching: ranked, explained partners for a province's need, from the graph.

    >>> from coopgraph.core.matching import MatchIndex, match
    >>> index = MatchIndex.build(store)                       # doctest: +SKIP
    >>> match(index, "cambio climático", requester="EC-L", kind="network", lang="es")  # doctest: +SKIP

The JSON shape is documented in service/README.md ("Partner matching"); the service (coopgraph/web/match.py)
keeps one index per store and rebuilds it when `index.is_current(store)` is false.

Modules
    One data object, the index, passed to plain functions. Each module imports
    only modules listed above it (and coopgraph.core.vocab, .store): no cycle.
    text.py        accent- and case-insensitive phrase matching
    errors.py      MatchError, UnknownResource (messages as vocab `Text`)
    results.py     Theme, Need, Requester, Explanation, Partner, MatchResult, SimilarResult
    facts.py       what matching reads from the store (read_facts, Facts, fingerprint)
    weights.py     the score's weights and its requester-independent parts
    dac.py         the OECD-DAC chains between sectors
    build.py       the index's tables, built from the facts (KINDS, labels, postings, path graph...)
    index.py       MatchIndex: the tables and cheap accessors (label, exists, static_ranking...)
    requester.py   a requester's neighbourhood, links to partners, bonuses and paths
    lookup.py      reading the input: the need's themes, requester, country, cooperation
    scoring.py     ranking partners (one theme, threshold walk) and similar actors
    wording.py     how explanations are worded; an item only names resources of the graph
    explain_themes.py, explain_channels.py   explanation items of themes; of paths, channels, legal basis
    explain.py     every item of each partner returned; what two similar actors share
    engine.py      `match(index, need, ...)` and `similar(index, actor, ...)`
    evaluation.py  hit@k and MRR on the evaluation set

How a need is read
    Free text (Spanish or English) is matched against the labels of the sector
    concepts (rdfs:label, skos:prefLabel, skos:altLabel, skos:hiddenLabel, in both
    languages), accent- and case-insensitively, plurals folded, longest label
    first (lookup.py, text.py). Sectors may also be given as concept IRIs, slugs
    or OECD-DAC codes mapped in the graph (skos:exactMatch ... relatedMatch). Each theme has
    a strength: 1.0 for a name or a concept given, 0.9 for a synonym (altLabel),
    0.8 for a hidden variant; for DAC codes, 1.0 exact, 0.9 close, 0.8 narrow
    (the code is narrower), 0.7 broad, 0.5 related.

Who can be a partner
    Every actor (cg:Actor and subclasses, countries included: the State is the
    party to a comisión mixta) that relates to at least one theme: it declares
    the sector (1.0), a narrower sector (0.8), a broader one (0.6), takes part
    in a space that works on it (0.6), or declares a sector related to it through
    the OECD-DAC/IATI classification (dac.py): one that covers the DAC category
    of the theme's code (0.4: «Riego y drenaje» -> CAD 31140 -> category 311
    <- «Agricultura»), or one whose own purpose code shares that category (0.3;
    not in the DAC's residual "Other ..." categories). Only the strongest
    relation counts. A partner with none of these is never returned: its first
    explanation item always says which theme it works on, and a DAC item names
    every resource of the chain (our sector, its IATI code, the IATI category,
    the partner's sector's code if any, the partner's sector, the partner).

Score (weights.py, scoring.py), in [0, 1]
    score = 0.6 * theme + 0.25 * proximity + 0.15 * channel
    theme     = sum over the need's themes t (weights: the themes' strengths,
                normalised to sum 1) of relation_t * (0.8 + 0.2 * focus_t):
                relation_t is the partner's relation to t (above); focus_t is
                1 / (number of its own sectors) when it declares t or a narrower
                theme, else 0 (a specialist outranks a generalist). A DAC
                relation gives theme 0.32 (0.4 * 0.8) or 0.24 (sibling), against
                at least 0.8 for a partner declaring the theme and 0.48 for a
                broader sector. For a one-theme need at equal proximity, a
                partner declaring the theme always ranks above a DAC-related one
                whatever their channels (0.6 * (0.8 - 0.32) > 0.15); one on a
                broader sector does when their channels are equal too.
    proximity = 1 / d for a path of d relations (d <= 4) from the requester
                (province and its GAD are one start) through governs, memberships,
                sub-organisations, links, roles in spaces, territories covered and
                partner countries (requester.py); 0 without a requester or a path.
    channel   = noisy-or of the channels open: bilateral negotiation space with the
                partner's country or a role in one (0.7: comisiones mixtas meet
                every 2 or 4 years), competitive fund or call (0.6), peer GAD-GAD
                cooperation for subnational requesters (0.6), a space covering the
                requester's territory (1.0, e.g. a Mesa Técnica) or shared with the
                requester's side (0.8).
    Ties: Spanish label, then IRI. `Partner.components` holds the three parts.

Speed (bench/bench_match.py)
    The DAC chains between sectors are computed once at build time and folded
    into the postings, so they cost nothing per request (build.py). The theme
    part of every (sector, actor) pair is precomputed, and for each sector the
    actors sorted by their requester-independent score (index.py). A one-theme
    need walks that list for `limit` actors plus the requester's neighbourhood
    (computed once per requester and cached); a several-theme need runs Fagin's
    threshold algorithm over the themes' lists (scoring.py). Explanations are
    built for the returned partners only.

Explanations (explain.py, explain_themes.py, explain_channels.py)
    Items of type sector, path, space, mechanism, cooperation and legal; each
    lists the graph resources it rests on, all of them subjects in the graph.
    A provincial requester sees its cooperation scope (a provincial GAD manages
    only non-reimbursable and technical cooperation: skos:related of the
    international-cooperation competence), the provision that grants the
    competence (Constitución, Art. 263, num. 8), its own CI ordinance if any, and
    the competences its need's themes fall under. Asking a provincial requester
    for another kind of cooperation is a MatchError that says so.

Similar actors
    `similar(index, actor)`: 0.6 * Jaccard of sectors + 0.3 * Jaccard of networks
    (org:memberOf) + 0.1 if the same kind; only actors sharing a sector or a
    network are returned.
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
    "similar",
]
