"""Explanations of themes: why a partner works on what the need asks for (items of type "sector").

For each theme of the need, the partner's strongest relation to it: it
declares the theme, a narrower or a broader one, takes part in a space that
works on it, or declares a sector related to it through the OECD-DAC
classification (dac.py; the item names every resource of the chain). Each
item also says how the theme was recognised in the need.
"""

from __future__ import annotations

from collections.abc import Iterator

from coopgraph.core.matching.dac import DacLink
from coopgraph.core.matching.index import MatchIndex
from coopgraph.core.matching.results import Explanation, Need, Theme
from coopgraph.core.matching.wording import item, quote, role
from coopgraph.core.vocab import CG, NOTATION, Text, pick

HOW: dict[str, Text] = {
    "label": Text(es="nombre del tema", en="the theme's name"),
    "altLabel": Text(es="sinónimo", en="synonym"),
    "hiddenLabel": Text(es="variante", en="variant"),
    "iri": Text(es="tema indicado", en="theme given"),
    "code": Text(es="código CAD", en="DAC code"),
    "thesaurus": Text(es="tesauro", en="thesaurus"),
    "part": Text(es="parte del nombre", en="part of the name"),
    "dac": Text(es="nombre de un código CAD", en="a DAC code's name"),
}
"""How a theme was recognised (`Theme.how`)."""


def _matched(theme: Theme, lang: str) -> str:
    how = HOW[theme.how](lang) if theme.how in HOW else theme.how
    if theme.corrected:
        fixes = ", ".join(f"{typed} → {read}" for typed, read in theme.corrected)
        how += pick(lang, f", leído {fixes}", f", read {fixes}")
    if theme.how == "code":
        how = f"{how} {theme.matched}, skos:{theme.mapping}"
        return pick(lang, f" (coincidencia: {how})", f" (matched: {how})")
    return pick(
        lang, f" (coincidencia: {quote(theme.matched, lang)}, {how})", f" (matched {quote(theme.matched, lang)}, {how})"
    )


def sector_items(index: MatchIndex, actor: str, need: Need, lang: str) -> Iterator[Explanation]:
    """For each theme the partner relates to, the strongest relation and the words that matched; for a channel
    of a country's cooperation, its country's relation and that it is one of its channels."""
    country = index.channel_of.get(actor)
    for theme in need.themes:
        found = _theme_item(index, actor, theme, lang)
        if found is None and country is not None and actor in index.postings.get(theme.sector, {}):
            found = _theme_item(index, country, theme, lang, channel=actor)
        if found is not None:
            yield found


def _theme_item(
    index: MatchIndex, actor: str, theme: Theme, lang: str, *, channel: str | None = None
) -> Explanation | None:
    own = index.sectors_of.get(actor, ())
    name = index.label(actor, lang)
    sector_rel = index.facts.rel(CG + "sector")
    t = theme.sector
    label = quote(index.label(t, lang), lang)
    note = _matched(theme, lang)
    if t in own:
        text = pick(lang, f"{name} trabaja en {label}{note}", f"{name} works on {label}{note}")
        resources = [actor, t]
    elif narrower := next((s for s in own if t in index.ancestors.get(s, ())), None):
        s_label = quote(index.label(narrower, lang), lang)
        text = pick(
            lang,
            f"{name} trabaja en {s_label}, tema más específico que {label}{note}",
            f"{name} works on {s_label}, a narrower theme than {label}{note}",
        )
        resources = [actor, narrower, t]
    elif broader := next((s for s in own if t in index.descendants.get(s, ())), None):
        s_label = quote(index.label(broader, lang), lang)
        text = pick(
            lang,
            f"{name} trabaja en {s_label}, tema más amplio que abarca {label}{note}",
            f"{name} works on {s_label}, a broader theme that covers {label}{note}",
        )
        resources = [actor, broader, t]
    elif in_space := next(
        ((space, how) for space, how in index.actor_roles.get(actor, ()) if t in sector_rel.get(space, ())),
        None,
    ):
        space, how = in_space
        text = pick(
            lang,
            f"{name} {role(how, lang)} {quote(index.label(space, lang), lang)}, que trabaja en {label}{note}",
            f"{name} {role(how, lang)} {quote(index.label(space, lang), lang)}, which works on {label}{note}",
        )
        resources = [actor, space, t]
    elif document := next(
        (
            d
            for d, issuers in sorted(index.facts.rel(CG + "issuedBy").items())
            if actor in issuers and t in sector_rel.get(d, ())
        ),
        None,
    ):
        text = pick(
            lang,
            f"{name} emitió {quote(index.label(document, lang), lang)}, que trabaja en {label}{note}",
            f"{name} issued {quote(index.label(document, lang), lang)}, which works on {label}{note}",
        )
        resources = [actor, document, t]
    elif link := next((link for link in index.dac_links.get(t, ()) if link.sector in own), None):
        found = dac_item(index, actor, link, lang)
        if found is None or channel is None:
            return found
        text, resources = found.text.rstrip("."), list(found.resources)
    else:
        return None
    if channel is not None:
        text += pick(
            lang,
            f" (Tabla 2); {index.label(channel, lang)} es uno de los canales de su cooperación descentralizada",
            f" (Tabla 2); {index.label(channel, lang)} is one of the channels of its decentralised cooperation",
        )
        resources.append(channel)
    return item(index, "sector", f"{text}.", resources)


def _dac_code(index: MatchIndex, code: str, lang: str) -> str:
    """'CAD 31140, «Recursos hídricos para uso agrícola»' / 'DAC 31140, “Agricultural water resources”'."""
    notation = index.literal(NOTATION, code, lang) or code.rsplit("/", 1)[-1]
    return f"{pick(lang, 'CAD', 'DAC')} {notation}, {quote(index.label(code, lang), lang)}"


def dac_item(index: MatchIndex, actor: str, link: DacLink, lang: str) -> Explanation | None:
    """The OECD-DAC chain from the theme to the partner's sector, naming every resource of it (dac.py)."""
    name = index.label(actor, lang)
    theme, sector = quote(index.label(link.theme, lang), lang), quote(index.label(link.sector, lang), lang)
    notation = index.literal(NOTATION, link.category, lang) or link.category.rsplit("/", 1)[-1]
    category = f"{notation} {quote(index.label(link.category, lang), lang)}"
    if link.partner_code is None:
        text = pick(
            lang,
            f"{theme} ({_dac_code(index, link.theme_code, lang)}) forma parte de la categoría CAD {category}, "
            f"en la que trabaja {name} a través de {sector}.",
            f"{theme} ({_dac_code(index, link.theme_code, lang)}) is part of the DAC category {category}, "
            f"on which {name} works through {sector}.",
        )
    else:
        text = pick(
            lang,
            f"{theme} ({_dac_code(index, link.theme_code, lang)}) y {sector} "
            f"({_dac_code(index, link.partner_code, lang)}) pertenecen a la misma categoría CAD {category}; "
            f"{name} trabaja en {sector}.",
            f"{theme} ({_dac_code(index, link.theme_code, lang)}) and {sector} "
            f"({_dac_code(index, link.partner_code, lang)}) belong to the same DAC category {category}; "
            f"{name} works on {sector}.",
        )
    return item(index, "sector", text, [*link.resources, actor])
