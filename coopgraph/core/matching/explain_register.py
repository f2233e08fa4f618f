"""Explanations from the register: a programme or project of a province's register shows the partner works on a theme.

Items of type "register", one per theme of the need the partner's register
evidence (register.py) supports: the strongest record (its role, the
record, the province whose register holds it, the IATI sector code and the
graph's sector mapped to it), said to be the province's record and not the
study's, and how many other records support the theme. The item names the
record (and the agreement, when the partner takes part through one), so the
page links it.
"""

from __future__ import annotations

from collections.abc import Iterator

from coopgraph.core.matching.build import code_sectors, record_strength
from coopgraph.core.matching.index import MatchIndex
from coopgraph.core.matching.register import TrackRow
from coopgraph.core.matching.results import Explanation, Need
from coopgraph.core.matching.weights import RELATION
from coopgraph.core.matching.wording import item, quote
from coopgraph.core.vocab import NOTATION, Text, pick

ROLE_VERB: dict[str, Text] = {
    "1": Text(es="financió", en="funded"),
    "2": Text(es="fue responsable de", en="was accountable for"),
    "3": Text(es="canalizó los fondos de", en="extended the funds of"),
    "4": Text(es="ejecutó", en="implemented"),
    "": Text(es="participó en", en="took part in"),
}
"""What a participating organisation did in an activity, by its IATI OrganisationRole code."""


def register_items(index: MatchIndex, actor: str, need: Need, lang: str) -> Iterator[Explanation]:
    """For each theme of the need, the partner's strongest register record on it (or a narrower theme)."""
    rows = index.track.get(actor, ())
    if not rows:
        return
    for theme in need.themes:
        found = _evidence(index, rows, theme.sector)
        if found:
            _, row, sector, _ = max(found, key=lambda f: (f[0], f[1]))
            others = len({f[1].record for f in found} - {row.record})
            explained = _item(index, row, sector, theme.sector, others, lang)
            if explained is not None:
                yield explained


def _evidence(index: MatchIndex, rows: tuple[TrackRow, ...], theme: str) -> list[tuple[float, TrackRow, str, str]]:
    """(strength, row, the sector its code maps to, the mapping) of every row on the theme or a narrower one."""
    found = []
    for row in rows:
        for sector, mapping in code_sectors(row.code, index.sector_codes):
            if sector == theme:
                found.append((record_strength(row, mapping), row, sector, mapping))
            elif theme in index.ancestors.get(sector, ()):
                found.append((min(record_strength(row, mapping), RELATION["narrower"]), row, sector, mapping))
    return found


def _item(index: MatchIndex, row: TrackRow, sector: str, theme: str, others: int, lang: str) -> Explanation | None:
    name = index.label(row.actor, lang)
    record = quote(index.label(row.record, lang), lang)
    kind = pick(lang, "programa", "programme") if row.programme else pick(lang, "proyecto", "project")
    province = index.label(row.province, lang) if row.province else ""
    where = (
        pick(lang, f"{kind} del registro de {province}", f"a {kind} in the register of {province}")
        if province
        else pick(lang, f"{kind} del registro", f"a {kind} in the register")
    )
    if row.agreement:
        did = pick(
            lang,
            f"{name} es parte de {quote(index.label(row.agreement, lang), lang)}, que ejecuta {record} ({where})",
            f"{name} is a party to {quote(index.label(row.agreement, lang), lang)}, carried out by {record} ({where})",
        )
    else:
        did = f"{name} {ROLE_VERB[row.role](lang)} {record} ({where})"
    notation = index.literal(NOTATION, row.code, lang) or row.code.rsplit("/", 1)[-1]
    code = f"{pick(lang, 'CAD', 'DAC')} {notation} {quote(index.label(row.code, lang), lang)}"
    s_label, t_label = quote(index.label(sector, lang), lang), quote(index.label(theme, lang), lang)
    maps = (
        pick(lang, f"que corresponde a {s_label}", f"which maps to {s_label}")
        if sector == theme
        else pick(
            lang,
            f"que corresponde a {s_label}, tema más específico que {t_label}",
            f"which maps to {s_label}, a narrower theme than {t_label}",
        )
    )
    more = pick(lang, f"; {others} registro(s) más", f"; {others} more record(s)") if others else ""
    text = pick(
        lang,
        f"{did}, con el sector {code}, {maps}. Dato del registro de la provincia, no del estudio{more}.",
        f"{did}, with the sector {code}, {maps}. From the province's register, not the study{more}.",
    )
    resources = [row.actor, row.record, *([row.agreement] if row.agreement else []), row.code, sector, theme]
    return item(index, "register", text, resources)
