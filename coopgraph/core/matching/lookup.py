"""Reading the user's input: a need's themes, a requester, a country, a kind of cooperation.

Functions of the index. Text is matched accent- and case-insensitively
(text.py); values that name nothing in the graph raise `MatchError` (400:
unusable) or `UnknownResource` (404: with close matches). Resolved requesters
are cached on the index (`MatchIndex.requester_cache`); what a requester
reaches in the graph is requester.py's.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from coopgraph.core.matching.dac import SECTOR_MAPPINGS
from coopgraph.core.matching.errors import MatchError, UnknownResource
from coopgraph.core.matching.index import MatchIndex
from coopgraph.core.matching.requester import requester_context
from coopgraph.core.matching.results import Need, Requester, Theme
from coopgraph.core.matching.text import normalise, words
from coopgraph.core.vocab import ALT_LABEL, CG, CGR, HIDDEN_LABEL, IATI, LABEL, PREF_LABEL, Text

LABEL_STRENGTH: dict[str, float] = {LABEL: 1.0, PREF_LABEL: 1.0, ALT_LABEL: 0.9, HIDDEN_LABEL: 0.8}
"""How strong a theme is, by the kind of label the need's text matched."""
LABEL_HOW: dict[str, str] = {LABEL: "label", PREF_LABEL: "label", ALT_LABEL: "altLabel", HIDDEN_LABEL: "hiddenLabel"}
MAX_NEED_CHARS = 500
MAX_SECTORS = 20
REQUESTER_CACHE = 256
MAX_SUGGESTION_POOL = 5000


def expand(value: str) -> str:
    """`cgr:slug` and `<iri>` written in full; anything else stripped."""
    value = value.strip()
    if value.startswith("cgr:"):
        return CGR + value[4:]
    if value.startswith("<") and value.endswith(">"):
        return value[1:-1]
    return value


# ------------------------------------------------------------------ the need


def parse_need(index: MatchIndex, text: str | None, sectors: Sequence[str] = (), *, lang: str = "es") -> Need:
    """The themes of a need: sector labels found in `text`, plus `sectors` given as IRIs, slugs or DAC codes."""
    if isinstance(sectors, str):
        sectors = (sectors,)
    text = (text or "").strip() or None
    if text is None and not sectors:
        raise MatchError(
            Text(
                es="Indique una necesidad: un texto (p. ej. «riego y drenaje», «cambio climático») o al menos un sector.",
                en="Give a need: a text (e.g. 'riego y drenaje', 'climate change') or at least one sector.",
            )
        )
    if text is not None and len(text) > MAX_NEED_CHARS:
        raise MatchError(
            Text(
                es=f"El texto de la necesidad es demasiado largo ({len(text)} caracteres; máximo {MAX_NEED_CHARS}).",
                en=f"The need text is too long ({len(text)} characters; at most {MAX_NEED_CHARS}).",
            )
        )
    if len(sectors) > MAX_SECTORS:
        raise MatchError(
            Text(
                es=f"Demasiados sectores ({len(sectors)}; máximo {MAX_SECTORS}).",
                en=f"Too many sectors ({len(sectors)}; at most {MAX_SECTORS}).",
            )
        )
    themes: dict[str, Theme] = {}

    def keep(theme: Theme) -> None:
        if theme.sector not in themes or themes[theme.sector].strength < theme.strength:
            themes[theme.sector] = theme

    for given in sectors:
        for theme in _sector_themes(index, str(given), lang):
            keep(theme)
    if text is not None:
        for found in index.sector_matcher.find(text):
            sector, value, predicate, _ = found.payload
            keep(Theme(sector, index.label(sector, lang), value, LABEL_HOW[predicate], LABEL_STRENGTH[predicate]))
        if not themes:
            suggestions = _theme_suggestions(index, text, lang)
            hint_en = f" Close themes: {', '.join(suggestions)}." if suggestions else ""
            hint_es = f" Temas cercanos: {', '.join(suggestions)}." if suggestions else ""
            raise MatchError(
                Text(
                    es=f"Ningún tema del grafo coincide con la necesidad «{text}»: use las palabras de un "
                    f"sector (p. ej. «medio ambiente», «salud», «cambio climático»).{hint_es}",
                    en=f"No theme of the graph matches the need {text!r}: use the words of a sector "
                    f"(e.g. 'medio ambiente', 'salud', 'climate change').{hint_en}",
                ),
                suggestions=suggestions,
            )
    ordered = sorted(themes.values(), key=lambda theme: (-theme.strength, normalise(theme.label)))
    return Need(text, tuple(ordered))


def _sector_themes(index: MatchIndex, given: str, lang: str) -> list[Theme]:
    value = expand(given)
    code = value.rsplit("/", 1)[-1] if value.startswith(IATI) else value
    if code.isdigit() and code in index.sector_codes:
        return [
            Theme(sector, index.label(sector, lang), code, "code", SECTOR_MAPPINGS[mapping], mapping.rsplit("#", 1)[1])
            for sector, mapping, _ in index.sector_codes[code]
        ]
    for candidate in (value, CGR + value, CGR + "sector-" + value):
        if candidate in index.sectors:
            return [Theme(candidate, index.label(candidate, lang), given, "iri", 1.0)]
    names = sorted(index.label(s, lang) for s in index.sectors)
    close = difflib.get_close_matches(given, names, n=5, cutoff=0.5)
    raise MatchError(
        Text(
            es=f"Sector desconocido «{given}»: indique el IRI de un concepto de sector, su identificador "
            f"(p. ej. «sector-salud») o un código CAD-OCDE presente en el grafo (p. ej. «15112»).",
            en=f"Unknown sector {given!r}: give a sector concept IRI, its slug (e.g. 'sector-salud') or an "
            f"OECD-DAC code mapped in the graph (e.g. '15112').",
        ),
        suggestions=close,
    )


def _theme_suggestions(index: MatchIndex, text: str, lang: str) -> list[str]:
    vocabulary = index.sector_matcher.vocabulary()
    close_words = {m for word in words(text) for m in difflib.get_close_matches(word, vocabulary, n=3, cutoff=0.75)}
    found = []
    for sector in sorted(index.sectors, key=lambda s: index.label(s, lang)):
        labels = [index.label(sector, lang)] + [v for v, _ in index.facts.lit(ALT_LABEL).get(sector, ())]
        if any(close_words & set(words(label)) for label in labels):
            found.append(index.label(sector, lang))
    return found[:5]


# ------------------------------------------------------------------ requesters and actors


def resolve_requester(index: MatchIndex, value: str) -> Requester:
    """A province (ISO 3166-2 code, IRI or name) or an actor (IRI, `cgr:` slug or name); cached."""
    key = value.strip()
    cache = index.requester_cache
    with index.lock:
        cached = cache.get(key)
        if cached is not None:
            cache.move_to_end(key)
            return cached
    requester = requester_context(index, find_territory_or_actor(index, key))
    with index.lock:
        cache[key] = requester
        while len(cache) > REQUESTER_CACHE:
            cache.popitem(last=False)
    return requester


def find_territory_or_actor(index: MatchIndex, value: str) -> str:
    """The IRI of the province or actor `value` names (code, IRI, `cgr:` slug, or a name only it has)."""
    if not value:
        raise MatchError(Text(es="El solicitante está vacío.", en="The requester is empty."))
    if value.upper() in index.provinces:
        return index.provinces[value.upper()]
    expanded = expand(value)
    for candidate in (expanded, CGR + expanded):
        if candidate in index.kind_of or candidate in index.provinces.values():
            return candidate
    by_name = sorted(index.names().iris.get(normalise(value), ()))
    if len(by_name) == 1:
        return by_name[0]
    if expanded in index.facts.subjects:
        raise MatchError(
            Text(
                es=f"«{value}» no es una provincia ni un actor del grafo.",
                en=f"{value!r} is neither a province nor an actor of the graph.",
            )
        )
    raise UnknownResource(
        Text(
            es=f"No hay ninguna provincia ni actor «{value}» en el grafo.",
            en=f"No province or actor {value!r} in the graph.",
        ),
        value=value,
        suggestions=suggest(index, value, among=by_name or None),
    )


def suggest(
    index: MatchIndex, value: str, *, among: Iterable[str] | None = None, limit: int = 5
) -> list[dict[str, str]]:
    """Provinces and actors whose code, label or alternative label is close to `value` (accent-insensitive).

    Candidates share a word's first four letters with `value` (an index
    lookup, whatever the graph's size), then difflib's ratio ranks them.
    """
    wanted = normalise(value)
    if not wanted:
        return []
    names = index.names()
    if among is not None:
        pool = {name for name, iris in names.iris.items() if iris & set(among)}
    else:
        pool = set()
        for word in wanted.split():
            pool |= names.prefixes.get(word[:4], set())
    best: dict[str, float] = {}
    for name in sorted(pool)[:MAX_SUGGESTION_POOL]:
        ratio = difflib.SequenceMatcher(None, wanted, name).ratio()
        if wanted in name or name in wanted:
            ratio = max(ratio, 0.8)
        if ratio >= 0.6:
            for iri in names.iris[name]:
                if among is None or iri in among:
                    best[iri] = max(best.get(iri, 0.0), ratio)
    ranked = sorted(best, key=lambda iri: (-best[iri], index.order.get(iri, -1), iri))
    found = []
    for iri in ranked[:limit]:
        row = {"iri": iri, "label": index.label(iri, "es")}
        if iri in index.code_of:
            row["code"] = index.code_of[iri]
        found.append(row)
    return found


# ------------------------------------------------------------------ filters


def _names_match(index: MatchIndex, iri: str, wanted: str) -> bool:
    names = [index.label(iri, "es"), index.label(iri, "en")]
    names += [v for v, _ in index.facts.lit(ALT_LABEL).get(iri, ())]
    return any(normalise(name) == wanted for name in names)


def resolve_country(index: MatchIndex, value: str) -> str:
    """A country of the graph: ISO 3166-1 alpha-2 code, IRI, `cgr:` slug or name."""
    text = value.strip()
    if text.upper() in index.countries:
        return index.countries[text.upper()]
    expanded = expand(text)
    for candidate in (expanded, CGR + expanded, CGR + "pais-" + text.lower()):
        if candidate in index.code_of and index.facts.is_a(candidate, CG + "Country"):
            return candidate
    wanted = normalise(text)
    named = [iri for iri in index.countries.values() if _names_match(index, iri, wanted)]
    if len(named) == 1:
        return named[0]
    raise MatchError(
        Text(
            es=f"País desconocido «{value}»: indique el código ISO 3166-1 alfa-2 de un país del grafo "
            f"(p. ej. {', '.join(sorted(index.countries)[:6])}) o su IRI.",
            en=f"Unknown country {value!r}: give an ISO 3166-1 alpha-2 code of a country in the graph "
            f"(e.g. {', '.join(sorted(index.countries)[:6])}) or its IRI.",
        )
    )


def resolve_cooperation(index: MatchIndex, value: str) -> str:
    """A kind of cooperation of the graph: IRI, `cgr:` slug, the slug without `tipo-`, or name."""
    text = value.strip()
    expanded = expand(text)
    for candidate in (expanded, CGR + expanded, CGR + "tipo-" + normalise(text).replace(" ", "-")):
        if candidate in index.cooperation_types:
            return candidate
    wanted = normalise(text)
    named = sorted(t for t in index.cooperation_types if _names_match(index, t, wanted))
    if len(named) == 1:
        return named[0]
    valid = sorted(t.rsplit("/", 1)[1].removeprefix("tipo-") for t in index.cooperation_types)
    raise MatchError(
        Text(
            es=f"Tipo de cooperación desconocido «{value}»; válidos: {', '.join(valid)}.",
            en=f"Unknown kind of cooperation {value!r}; valid: {', '.join(valid)}.",
        )
    )
