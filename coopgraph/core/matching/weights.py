"""The score: its weights, and the parts of it that need no index (plain tables in, numbers out).

    score = W_THEME * theme + W_PROXIMITY * proximity + W_CHANNEL * channel

- theme = sum over the need's themes t, weighted by how strongly each was
  recognised (weights summing to 1), of relation_t * (THEME_BASE + THEME_FOCUS
  * focus_t): relation_t is the strength of the partner's relation to t
  (RELATION), focus_t = 1 / (number of its own sectors) when it declares t or
  a narrower theme, else 0 (a specialist outranks a generalist). A relation
  through the OECD-DAC classification (dac.py) is weaker than any direct or
  hierarchical one and has no focus, so for the same proximity and channels
  a partner declaring the theme always ranks first.
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
scores are ordered by name. The theme part of every (sector, actor) pair
(`theme_scores`) and, per sector, the actors sorted by their
requester-independent score (`static_ranking`) are computed from the index's
tables once; scoring.py ranks with them.
"""

from __future__ import annotations

from coopgraph.core.matching.results import Requester

W_THEME, W_PROXIMITY, W_CHANNEL = 0.6, 0.25, 0.15
THEME_BASE, THEME_FOCUS = 0.8, 0.2
RELATION: dict[str, float] = {
    "direct": 1.0,
    "narrower": 0.8,
    "broader": 0.6,
    "space": 0.6,
    "dac": 0.4,
    "dac_sibling": 0.3,
}
"""Partner -> theme: declares it; declares a narrower sector; a broader one; takes part in a space on it;
declares a sector that covers the DAC category of the theme's code; one whose code shares that category (dac.py)."""
FOCUS_MIN = 0.8  # relations counted in `focus`: direct and narrower sectors

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


def theme_scores(postings: dict[str, float], sectors_of: dict[str, tuple[str, ...]]) -> dict[str, float]:
    """actor -> W_THEME * relation * (THEME_BASE + THEME_FOCUS * focus) for one theme (its `postings`).

    focus = 1 / (number of the actor's own sectors) when it declares the theme
    or a narrower one, else 0: a specialist outranks a generalist.
    """
    scores = {}
    for actor, relation in postings.items():
        own = len(sectors_of.get(actor, ()))
        focus = min(1.0, 1 / own) if own and relation >= FOCUS_MIN else 0.0
        scores[actor] = W_THEME * relation * (THEME_BASE + THEME_FOCUS * focus)
    return scores


def channel_scores(chan_mask: dict[str, int], allowed: int) -> dict[str, float]:
    """actor -> W_CHANNEL * channel value of its static channels open under `allowed` (non-zero only)."""
    values = [W_CHANNEL * CHANNEL_BY_MASK[mask & allowed] for mask in range(8)]
    return {actor: values[mask] for actor, mask in chan_mask.items() if values[mask]}


def static_ranking(themes: dict[str, float], channel: dict[str, float], order: dict[str, int]) -> list[str]:
    """For a need of one theme (its `theme_scores`): the related actors by requester-independent score, best first.

    A requester only adds non-negative bonuses to a few actors, so the best
    partners are the first of this list plus the requester's bonus actors.
    """
    keys = {actor: score_key(score + channel.get(actor, 0.0), order[actor]) for actor, score in themes.items()}
    return sorted(keys, key=keys.__getitem__, reverse=True)
