"""The score: its weights, and the parts of it that need no index (plain tables in, numbers out).

    score = relevance * (W_RELEVANCE + W_PROXIMITY * proximity + W_CHANNEL * channel)

  Proximity and channels raise a relevant partner; they never lift an
  irrelevant one (a nearby partner that only weakly answers the need stays
  below a farther one that answers it).
- relevance: how the partner relates to what the need asks, facet by facet
  (themes, ways of cooperating, places, actors named, kinds of partner):
  the facets the need has are averaged with FACET_WEIGHT times the facet's
  best term strength (a facet read only from a weak word weighs less), so a
  partner that answers every facet outranks one that answers some. Within a
  facet, each term t counts with weight strength_t * max strength / sum of
  strengths (a term read from a synonym or a typo weighs less than one read
  from a name): facet = sum_t weight_t * value_t,
  value_t = relation_t * (THEME_BASE + THEME_FOCUS * focus_t) for a theme
  (focus: a specialist outranks a generalist), relation_t for a way, place
  or actor, 1 for a kind of partner named. relation_t is the partner's
  strongest relation to the term (RELATION, WAY_RELATION; a channel of a
  country's cooperation gets CHANNEL_FACTOR of its country's).
- proximity = 1 / d, d the number of relations between the requester (its
  province and GAD count as one start) and the partner, up to
  requester.MAX_HOPS; 0 if farther or unconnected.
- channel = noisy-or of the channels open: CHANNEL values for a bilateral
  negotiation space with the partner's country (or a role in a negotiation
  space), a competitive fund or call, peer (GAD-GAD) cooperation, a space
  covering the requester's territory, or a space shared with the requester's
  side (requester.py).
Ties are broken by the partner's Spanish label, then IRI: `score_key` packs a
score rounded to 4 decimals and that order into one integer, so equal shown
scores are ordered by name. The value of every (term, actor) pair
(`term_values`) and, per term, the actors sorted by their
requester-independent score for a one-term need (`static_ranking`) are
computed from the index's tables once; scoring.py ranks with them.

How a partner's relation is labelled for people (`strength_of`): "direct"
when it states what the need asks (or is a country's channel for it) in every
facet the need has; "weak" when its relevance is under WEAK_BELOW; otherwise
"indirect" (a broader or narrower theme, a space, the OECD-DAC classification,
a way read from a related word).
"""

from __future__ import annotations

from coopgraph.core.matching.results import Requester

W_RELEVANCE, W_PROXIMITY, W_CHANNEL = 0.7, 0.15, 0.15
FACET_WEIGHT: dict[str, float] = {"theme": 1.0, "way": 1.0, "place": 1.0, "actor": 1.0, "kind": 0.5}
THEME_BASE, THEME_FOCUS = 0.8, 0.2
RELATION: dict[str, float] = {
    "direct": 1.0,
    "narrower": 0.8,
    "broader": 0.6,
    "space": 0.6,
    "document": 0.8,
    "dac": 0.4,
    "dac_sibling": 0.3,
}
"""Partner -> theme: declares it; declares a narrower sector; a broader one; takes part in a space on it; issued a
document (a framework, a plan) that works on it; declares a sector that covers the DAC category of the theme's code;
one whose code shares that category (dac.py)."""
RECORD_ROLE: dict[str, float] = {"1": 0.9, "4": 0.9, "3": 0.8, "2": 0.6, "": 0.6, "party": 0.7}
"""Partner -> theme, from a programme or project of a province's register (register.py) with a sector that maps
to the theme: it funded it (IATI OrganisationRole 1) or implemented it (4), strong evidence it works on the
theme, if not its own declaration; extended it (3: managed the funds for a funder); was accountable for it (2:
often the province itself) or in a role not given; is a party to an agreement the activity executes ("party").
Times the strength of the sector's mapping to the code (dac.SECTOR_MAPPINGS: exactMatch 1, closeMatch 0.9...);
a broader theme of the sector gets the same, at most RELATION["narrower"]."""
WAY_RELATION: dict[str, float] = {
    "offers": 1.0,
    "promotes": 1.0,
    "role": 0.9,
    "party": 0.9,
    "role_via": 0.7,
    "party_via": 0.7,
    "goal": 0.8,
    "peer": 0.6,
}
"""Partner -> way of cooperating: offers or channels that kind of cooperation; promotes it (the study says so);
has a role in a space of that way (convenes, takes part, cooperates, sponsors, won, offered); is the partner
country of one; the same in a space that only channels that kind of cooperation or negotiates through that
instrument (less direct); set a goal on it; is a subnational government, a possible peer for GAD-GAD twinning."""
PLACE_RELATION: dict[str, float] = {"covers": 1.0}
"""Partner -> place named in the need: has a role in a space that covers it."""
ACTOR_RELATION: dict[str, float] = {"named": 1.0, "part": 0.9, "channel": 0.9, "of_country": 0.8}
"""Partner -> actor named in the need: is it; is part of it; is a channel of it (a country); belongs to it."""
CHANNEL_FACTOR = 0.85
"""A channel of a country's decentralised cooperation (Tabla 2) relates to what its country's cooperation works on
at this share of the country's own relation: reachable through it, not stated of itself."""
FOCUS_MIN = 0.8  # relations counted in `focus`: direct and narrower sectors
WEAK_BELOW = 0.35
"""Relevance under which a partner is labelled weak."""
DIRECT_AT_LEAST = 0.8
"""A facet's relation at or above this (to the term's resource, or through its country) counts as direct."""

BILATERAL, FUND, PEER = 1, 2, 4
"""The static channels of a partner, as bits: its `chan_mask` in the index."""
CHANNEL: dict[str, float] = {"bilateral": 0.7, "fund": 0.6, "peer": 0.6, "covers": 1.0, "shared": 0.8}
SIM_SECTORS, SIM_NETWORKS, SIM_KIND = 0.6, 0.3, 0.1

SHIFT = 1 << 32
"""Sort key = score in 1/10000 * SHIFT - tie-break order: one integer compare per pair."""


def noisy_or(*values: float) -> float:
    """1 - prod(1 - v): more channels help, never beyond 1."""
    remaining = 1.0
    for value in values:
        remaining *= 1.0 - value
    return 1.0 - remaining


def _mask_value(mask: int) -> float:
    parts = [CHANNEL[name] for bit, name in ((BILATERAL, "bilateral"), (FUND, "fund"), (PEER, "peer")) if mask & bit]
    return noisy_or(*parts)


CHANNEL_BY_MASK: tuple[float, ...] = tuple(_mask_value(mask) for mask in range(8))


def allowed_mask(requester: Requester | None) -> int:
    """The static channels open to a requester: home-country channels, peer cooperation for subnational ones."""
    if requester is None:
        return BILATERAL | FUND
    mask = BILATERAL | FUND if requester.home else 0
    return mask | (PEER if requester.subnational else 0)


def proximity(requester: Requester | None, actor: str) -> float:
    if requester is None:
        return 0.0
    hops = requester.distance.get(actor, 0)
    return 1.0 / hops if hops else 0.0


def score_key(score: float, order: int) -> int:
    return int(score * 10000 + 0.5) * SHIFT - order


def key_score(key: int) -> float:
    """The score (rounded to 4 decimals) a sort key stands for."""
    return min(1.0, max(0.0, round((key + SHIFT - 1) // SHIFT / 10000, 4)))


def term_values(postings: dict[str, float], sectors_of: dict[str, tuple[str, ...]] | None) -> dict[str, float]:
    """actor -> value of one term for each actor related to it (its `postings`).

    For a theme (`sectors_of` given): relation * (THEME_BASE + THEME_FOCUS * focus), focus = 1 / (number of
    the actor's own sectors) when it declares the theme or a narrower one, else 0. For other terms: the relation.
    """
    if sectors_of is None:
        return dict(postings)
    values = {}
    for actor, relation in postings.items():
        own = len(sectors_of.get(actor, ()))
        focus = min(1.0, 1 / own) if own and relation >= FOCUS_MIN else 0.0
        values[actor] = relation * (THEME_BASE + THEME_FOCUS * focus)
    return values


def facet_weights(terms: list[tuple[str, float]]) -> dict[str, float]:
    """Each facet's share of relevance: FACET_WEIGHT times its best term strength, normalised to sum 1."""
    best: dict[str, float] = {}
    for facet, strength in terms:
        best[facet] = max(best.get(facet, 0.0), strength)
    total = sum(FACET_WEIGHT[facet] * strength for facet, strength in best.items())
    return {facet: FACET_WEIGHT[facet] * strength / total for facet, strength in best.items()} if total else {}


def coefficients(terms: list[tuple[str, float]]) -> list[float]:
    """Each term's coefficient in relevance, from its (facet, strength): see the module docstring.

    >>> [round(c, 3) for c in coefficients([("theme", 1.0)])]
    [1.0]
    >>> [round(c, 3) for c in coefficients([("theme", 1.0), ("way", 0.9)])]
    [0.526, 0.426]
    >>> [round(c, 3) for c in coefficients([("theme", 1.0), ("theme", 0.5)])]
    [0.667, 0.333]
    """
    by_facet: dict[str, list[float]] = {}
    for facet, strength in terms:
        by_facet.setdefault(facet, []).append(strength)
    shares = facet_weights(terms)
    found = []
    for facet, strength in terms:
        strengths = by_facet[facet]
        found.append(shares[facet] * strength * max(strengths) / sum(strengths))
    return found


def channel_scores(chan_mask: dict[str, int], allowed: int) -> dict[str, float]:
    """actor -> W_CHANNEL * channel value of its static channels open under `allowed` (non-zero only)."""
    values = [W_CHANNEL * CHANNEL_BY_MASK[mask & allowed] for mask in range(8)]
    return {actor: values[mask] for actor, mask in chan_mask.items() if values[mask]}


def static_key(value: float, channel: float, order: int) -> int:
    """An actor's place in `static_ranking` (larger first): its value for the term, its channel score, its tie order."""
    return score_key(value * (W_RELEVANCE + channel), order)


def static_ranking(values: dict[str, float], channel: dict[str, float], order: dict[str, int]) -> list[str]:
    """For a need of one term read from a name (coefficient 1): its actors by requester-independent score, best
    first. A requester only adds non-negative bonuses to a few actors, so the best partners are the first of
    this list plus the requester's bonus actors."""
    keys = {  # static_key, written out: this runs for every actor of every term of a build
        actor: score_key(value * (W_RELEVANCE + channel.get(actor, 0.0)), order[actor])
        for actor, value in values.items()
    }
    return sorted(keys, key=keys.__getitem__, reverse=True)
