"""Sectors related through the OECD-DAC/IATI classification: a theme reaches partners the study files elsewhere.

The study names no partner for some themes ("riego y drenaje"), yet the graph
holds a checkable relation to themes that have partners: our sector concepts
map to IATI Sector / SectorCategory codes (skos:exactMatch ... relatedMatch,
graph/sectors.ttl) and the IATI codelists nest every purpose code in a
category (`iati-sector:31140 skos:broader iati-sectorcategory:311`). A need's
theme t reaches a partner's sector s when

- within (RELATION["dac"]): a code c of t has skos:broader K, and s maps K
  itself with exactMatch, closeMatch or narrowMatch (s covers all of K):
  «Riego y drenaje» (31140) lies in category 311, which «Agricultura» matches
  exactly and «Alimentación y agricultura» covers;
- sibling (RELATION["dac_sibling"]): a code c of t and a different code c' of
  s have the same category K, and K is not one of the DAC's residual
  categories (RESIDUAL_CATEGORIES: "Other ...", "Unallocated"), where sharing a
  category says nothing about the subject.

The theme's own mapping may be exact, close, broad or narrow (narrow: the
code is part of the theme, and the partner works on that part). relatedMatch
is never followed: associated is not contained. Every IRI of a chain (codes
and category) must be described in the graph, so an explanation can name it.
Computed once, when the index is built.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from coopgraph.core.matching.facts import Facts
from coopgraph.core.vocab import IATI, NOTATION, SKOS

SECTOR_MAPPINGS: dict[str, float] = {
    SKOS + "exactMatch": 1.0,
    SKOS + "closeMatch": 0.9,
    SKOS + "narrowMatch": 0.8,  # the DAC code is narrower: our concept covers it
    SKOS + "broadMatch": 0.7,  # the DAC code is broader than our concept
    SKOS + "relatedMatch": 0.5,
}
"""How a DAC code given as a need maps to our sectors, and the strength of the theme it gives."""
THEME_MAPPINGS: tuple[str, ...] = (SKOS + "exactMatch", SKOS + "closeMatch", SKOS + "broadMatch", SKOS + "narrowMatch")
"""How a theme may map to the code that starts a chain."""
COVERING_MAPPINGS: tuple[str, ...] = (SKOS + "exactMatch", SKOS + "closeMatch", SKOS + "narrowMatch")
"""How a partner's sector must map a category to cover everything in it."""
SECTOR_CODE = IATI + "Sector/"
CATEGORY = IATI + "SectorCategory/"
RESIDUAL_CATEGORIES: frozenset[str] = frozenset({"160", "430", "530", "998"})
"""DAC 160 "Other Social Infrastructure & Services", 430 "Other Multisector", 530 "Other Commodity
Assistance", 998 "Unallocated / Unspecified": groupings of unrelated purposes (not used for siblings)."""


@dataclass(frozen=True)
class DacLink:
    """One chain from a theme to a partner's sector through the DAC classification."""

    theme: str
    theme_code: str
    category: str
    sector: str
    partner_code: str | None
    """The partner sector's own purpose code in the category (a sibling chain); None when it maps the category."""
    relation: str
    """"dac" (the theme's code lies in a category the sector covers) or "dac_sibling"."""

    @property
    def resources(self) -> tuple[str, ...]:
        """Every IRI of the chain: our sector, its code, the category, the partner sector's code, the partner sector."""
        middle = (self.partner_code,) if self.partner_code else ()
        return (self.theme, self.theme_code, self.category, *middle, self.sector)


def dac_links(facts: Facts, sectors: Iterable[str], strengths: dict[str, float]) -> dict[str, tuple[DacLink, ...]]:
    """theme -> its chains to other sectors, strongest first (then by sector, code), one per (sector, relation).

    `strengths` gives each relation's strength (scoring.RELATION). Themes
    already related to a sector through skos:broader are not excluded here:
    the postings keep the strongest relation and the explanation states that one.
    """
    sectors = set(sectors)
    described = facts.subjects
    broader = facts.rel(SKOS + "broader")

    def codes(sector: str, mappings: tuple[str, ...]) -> list[str]:
        return sorted(
            {
                code
                for m in mappings
                for code in facts.rel(m).get(sector, ())
                if code.startswith(IATI) and code in described
            }
        )

    def categories(code: str) -> list[str]:
        return sorted(k for k in broader.get(code, ()) if k.startswith(CATEGORY) and k in described)

    covered_by: dict[str, list[str]] = defaultdict(list)  # category -> sectors that cover it
    in_category: dict[str, list[tuple[str, str]]] = defaultdict(list)  # category -> (purpose code, sector)
    for sector in sorted(sectors):
        for code in codes(sector, COVERING_MAPPINGS):
            if code.startswith(CATEGORY):
                covered_by[code].append(sector)
        for code in codes(sector, THEME_MAPPINGS):
            if code.startswith(SECTOR_CODE):
                for category in categories(code):
                    in_category[category].append((code, sector))
    links: dict[str, dict[tuple[str, str], DacLink]] = defaultdict(dict)
    for category, members in in_category.items():
        residual = _code(facts, category) in RESIDUAL_CATEGORIES
        for code, theme in members:
            for sector in covered_by.get(category, ()):
                if sector != theme:
                    links[theme].setdefault((sector, "dac"), DacLink(theme, code, category, sector, None, "dac"))
            if residual:
                continue
            for other_code, sector in members:
                if sector != theme and other_code != code:
                    link = DacLink(theme, code, category, sector, other_code, "dac_sibling")
                    links[theme].setdefault((sector, "dac_sibling"), link)
    return {
        theme: tuple(sorted(found.values(), key=lambda link: (-strengths[link.relation], link.sector, link.resources)))
        for theme, found in links.items()
    }


def reach(
    links: dict[str, tuple[DacLink, ...]], strengths: dict[str, float]
) -> dict[str, tuple[tuple[str, float], ...]]:
    """partner sector -> (theme, strongest DAC relation strength): what the postings add for a sector's actors."""
    best: dict[str, dict[str, float]] = defaultdict(dict)
    for theme, found in links.items():
        for link in found:
            strength = strengths[link.relation]
            if best[link.sector].get(theme, 0.0) < strength:
                best[link.sector][theme] = strength
    return {sector: tuple(sorted(themes.items())) for sector, themes in best.items()}


def _code(facts: Facts, concept: str) -> str:
    """The skos:notation of an IATI concept, else the last segment of its IRI."""
    values = facts.lit(NOTATION).get(concept, ())
    return values[0][0] if values else concept.rsplit("/", 1)[-1]
