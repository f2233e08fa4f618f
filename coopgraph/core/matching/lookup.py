"""Reading the user's input: a need's themes, a requester, a country, a kind of cooperation.

Text is matched accent- and case-insensitively (text.py); values that name
nothing in the graph raise `MatchError` (400: unusable) or `UnknownResource`
(404: with close matches). A `MatchIndex` mixin: it uses the index's tables.
"""

from __future__ import annotations

import difflib
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from coopgraph.core.matching import scoring
from coopgraph.core.matching.errors import MatchError, UnknownResource
from coopgraph.core.matching.facts import PROVINCIAL_LEVEL, Facts
from coopgraph.core.matching.results import Need, Theme
from coopgraph.core.matching.text import PhraseMatcher, normalise, words
from coopgraph.core.vocab import ALT_LABEL, CG, CGR, HIDDEN_LABEL, IATI, LABEL, PREF_LABEL, SKOS

if TYPE_CHECKING:
    from coopgraph.core.matching.index import MatchIndex

# How a DAC code given as a need maps to our sectors, and how strong a matched label is.
SECTOR_MAPPINGS: dict[str, float] = {
    SKOS + "exactMatch": 1.0,
    SKOS + "closeMatch": 0.9,
    SKOS + "narrowMatch": 0.8,  # the DAC code is narrower: our concept covers it
    SKOS + "broadMatch": 0.7,  # the DAC code is broader than our concept
    SKOS + "relatedMatch": 0.5,
}
LABEL_STRENGTH: dict[str, float] = {LABEL: 1.0, PREF_LABEL: 1.0, ALT_LABEL: 0.9, HIDDEN_LABEL: 0.8}
LABEL_HOW: dict[str, str] = {LABEL: "label", PREF_LABEL: "label", ALT_LABEL: "altLabel", HIDDEN_LABEL: "hiddenLabel"}
MAX_NEED_CHARS = 500
MAX_SECTORS = 20
REQUESTER_CACHE = 256
MAX_SUGGESTION_POOL = 5000


@dataclass
class Requester:
    """A resolved requester with everything requester-dependent, computed once and cached."""

    iri: str
    code: str | None
    province: str | None
    sources: frozenset[str]
    gads: tuple[str, ...]
    provincial: bool
    home: bool
    subnational: bool
    distance: dict[str, int] = field(default_factory=dict)
    parent: dict[str, str] = field(default_factory=dict)
    bonus: dict[str, float] = field(default_factory=dict)
    links: dict[str, list[tuple[str, str, str, str | None]]] = field(default_factory=dict)

    def json(self, index: MatchIndex, lang: str) -> dict[str, str | None]:
        return {"iri": self.iri, "label": index.label(self.iri, lang), "code": self.code}


class Lookups:
    """Input resolution for `MatchIndex` (the attributes below are the index's)."""

    facts: Facts
    provinces: dict[str, str]
    countries: dict[str, str]
    code_of: dict[str, str]
    kind_of: dict[str, str]
    country_of: dict[str, str | None]
    order: dict[str, int]
    governed_by: dict[str, list[str]]
    home_country: str | None
    sectors: set[str]
    sector_codes: dict[str, list[tuple[str, str, str]]]
    sector_matcher: PhraseMatcher[tuple[str, str, str, str | None]]
    cooperation_types: set[str]
    _labels: dict[str, tuple[str | None, str | None]]
    _lock: threading.Lock
    _requesters: OrderedDict[str, Requester]
    _name_index: dict[str, set[str]] | None
    _name_prefixes: dict[str, set[str]]

    def label(self, iri: str, lang: str) -> str:  # defined by MatchIndex
        raise NotImplementedError

    def _expand(self, value: str) -> str:
        value = value.strip()
        if value.startswith("cgr:"):
            return CGR + value[4:]
        if value.startswith("<") and value.endswith(">"):
            return value[1:-1]
        return value

    def parse_need(self, text: str | None, sectors: Sequence[str] = (), *, lang: str = "es") -> Need:
        """The themes of a need: sector labels found in `text`, plus `sectors` given as IRIs, slugs or DAC codes."""
        if isinstance(sectors, str):
            sectors = (sectors,)
        text = (text or "").strip() or None
        if text is None and not sectors:
            raise MatchError(
                "Give a need: a text (e.g. 'riego y drenaje', 'climate change') or at least one sector.",
                message_es="Indique una necesidad: un texto (p. ej. «riego y drenaje», «cambio climático») o al menos un sector.",
            )
        if text is not None and len(text) > MAX_NEED_CHARS:
            raise MatchError(
                f"The need text is too long ({len(text)} characters; at most {MAX_NEED_CHARS}).",
                message_es=f"El texto de la necesidad es demasiado largo ({len(text)} caracteres; máximo {MAX_NEED_CHARS}).",
            )
        if len(sectors) > MAX_SECTORS:
            raise MatchError(
                f"Too many sectors ({len(sectors)}; at most {MAX_SECTORS}).",
                message_es=f"Demasiados sectores ({len(sectors)}; máximo {MAX_SECTORS}).",
            )
        themes: dict[str, Theme] = {}

        def keep(theme: Theme) -> None:
            if theme.sector not in themes or themes[theme.sector].strength < theme.strength:
                themes[theme.sector] = theme

        for given in sectors:
            for theme in self._sector_themes(str(given), lang):
                keep(theme)
        if text is not None:
            for found in self.sector_matcher.find(text):
                sector, value, predicate, _ = found.payload
                keep(Theme(sector, self.label(sector, lang), value, LABEL_HOW[predicate], LABEL_STRENGTH[predicate]))
            if not themes:
                suggestions = self._theme_suggestions(text, lang)
                hint_en = f" Close themes: {', '.join(suggestions)}." if suggestions else ""
                hint_es = f" Temas cercanos: {', '.join(suggestions)}." if suggestions else ""
                raise MatchError(
                    f"No theme of the graph matches the need {text!r}: use the words of a sector "
                    f"(e.g. 'medio ambiente', 'salud', 'climate change').{hint_en}",
                    message_es=f"Ningún tema del grafo coincide con la necesidad «{text}»: use las palabras de un "
                    f"sector (p. ej. «medio ambiente», «salud», «cambio climático»).{hint_es}",
                    suggestions=suggestions,
                )
        ordered = sorted(themes.values(), key=lambda theme: (-theme.strength, normalise(theme.label)))
        return Need(text, tuple(ordered))

    def _sector_themes(self, given: str, lang: str) -> list[Theme]:
        value = self._expand(given)
        code = value.rsplit("/", 1)[-1] if value.startswith(IATI) else value
        if code.isdigit() and code in self.sector_codes:
            return [
                Theme(
                    sector, self.label(sector, lang), code, "code", SECTOR_MAPPINGS[mapping], mapping.rsplit("#", 1)[1]
                )
                for sector, mapping, _ in self.sector_codes[code]
            ]
        for candidate in (value, CGR + value, CGR + "sector-" + value):
            if candidate in self.sectors:
                return [Theme(candidate, self.label(candidate, lang), given, "iri", 1.0)]
        names = sorted(self.label(s, lang) for s in self.sectors)
        close = difflib.get_close_matches(given, names, n=5, cutoff=0.5)
        raise MatchError(
            f"Unknown sector {given!r}: give a sector concept IRI, its slug (e.g. 'sector-salud') or an "
            f"OECD-DAC code mapped in the graph (e.g. '15112').",
            message_es=f"Sector desconocido «{given}»: indique el IRI de un concepto de sector, su identificador "
            f"(p. ej. «sector-salud») o un código CAD-OCDE presente en el grafo (p. ej. «15112»).",
            suggestions=close,
        )

    def _theme_suggestions(self, text: str, lang: str) -> list[str]:
        vocabulary = self.sector_matcher.vocabulary()
        close_words = {m for word in words(text) for m in difflib.get_close_matches(word, vocabulary, n=3, cutoff=0.75)}
        found = []
        for sector in sorted(self.sectors, key=lambda s: self.label(s, lang)):
            labels = [self.label(sector, lang)] + [v for v, _ in self.facts.lit(ALT_LABEL).get(sector, ())]
            if any(close_words & set(words(label)) for label in labels):
                found.append(self.label(sector, lang))
        return found[:5]

    def resolve_requester(self, value: str) -> Requester:
        """A province (ISO 3166-2 code, IRI or name) or an actor (IRI, `cgr:` slug or name); cached."""
        key = value.strip()
        with self._lock:
            cached = self._requesters.get(key)
            if cached is not None:
                self._requesters.move_to_end(key)
                return cached
        iri = self._find_territory_or_actor(key)
        requester = self._requester_context(iri)
        with self._lock:
            self._requesters[key] = requester
            while len(self._requesters) > REQUESTER_CACHE:
                self._requesters.popitem(last=False)
        return requester

    def _find_territory_or_actor(self, value: str) -> str:
        if not value:
            raise MatchError("The requester is empty.", message_es="El solicitante está vacío.")
        if value.upper() in self.provinces:
            return self.provinces[value.upper()]
        expanded = self._expand(value)
        for candidate in (expanded, CGR + expanded):
            if candidate in self.kind_of or candidate in self.provinces.values():
                return candidate
        by_name = sorted(self._names().get(normalise(value), ()))
        if len(by_name) == 1:
            return by_name[0]
        if expanded in self.facts.subjects:
            raise MatchError(
                f"{value!r} is neither a province nor an actor of the graph.",
                message_es=f"«{value}» no es una provincia ni un actor del grafo.",
            )
        raise UnknownResource(
            f"No province or actor {value!r} in the graph.",
            message_es=f"No hay ninguna provincia ni actor «{value}» en el grafo.",
            value=value,
            suggestions=self.suggest(value, among=by_name or None),
        )

    def _names(self) -> dict[str, set[str]]:
        """normalised name (label, alternative label, code) -> provinces and actors; built on first use."""
        if self._name_index is None:
            names: dict[str, set[str]] = defaultdict(set)
            alt = self.facts.lit(ALT_LABEL)
            for iri in (*self.provinces.values(), *self.kind_of):
                for name in (*self._labels.get(iri, ()), self.code_of.get(iri), *(v for v, _ in alt.get(iri, ()))):
                    if name:
                        names[normalise(name)].add(iri)
            prefixes: dict[str, set[str]] = defaultdict(set)
            for name in names:
                for word in name.split():
                    prefixes[word[:4]].add(name)
            with self._lock:
                self._name_prefixes = dict(prefixes)
                self._name_index = dict(names)
        return self._name_index

    def _names_match(self, iri: str, wanted: str) -> bool:
        names = [self.label(iri, "es"), self.label(iri, "en")]
        names += [v for v, _ in self.facts.lit(ALT_LABEL).get(iri, ())]
        return any(normalise(name) == wanted for name in names)

    def suggest(self, value: str, *, among: Iterable[str] | None = None, limit: int = 5) -> list[dict[str, str]]:
        """Provinces and actors whose code, label or alternative label is close to `value` (accent-insensitive).

        Candidates share a word's first four letters with `value` (an index
        lookup, whatever the graph's size), then difflib's ratio ranks them.
        """
        wanted = normalise(value)
        if not wanted:
            return []
        names = self._names()
        if among is not None:
            pool = {name for name, iris in names.items() if iris & set(among)}
        else:
            pool = set()
            for word in wanted.split():
                pool |= self._name_prefixes.get(word[:4], set())
        best: dict[str, float] = {}
        for name in sorted(pool)[:MAX_SUGGESTION_POOL]:
            ratio = difflib.SequenceMatcher(None, wanted, name).ratio()
            if wanted in name or name in wanted:
                ratio = max(ratio, 0.8)
            if ratio >= 0.6:
                for iri in names[name]:
                    if among is None or iri in among:
                        best[iri] = max(best.get(iri, 0.0), ratio)
        ranked = sorted(best, key=lambda iri: (-best[iri], self.order.get(iri, -1), iri))
        found = []
        for iri in ranked[:limit]:
            row = {"iri": iri, "label": self.label(iri, "es")}
            if iri in self.code_of:
                row["code"] = self.code_of[iri]
            found.append(row)
        return found

    def _requester_context(self, iri: str) -> Requester:
        facts = self.facts
        is_province = facts.is_a(iri, CG + "Province")
        if is_province:
            gads = tuple(sorted(self.governed_by.get(iri, ())))
            territories = (iri,)
            country = next(iter(facts.rel(CG + "inCountry").get(iri, ())), None)
        else:
            gads = (iri,) if facts.rel(CG + "governs").get(iri) else ()
            territories = tuple(facts.rel(CG + "governs").get(iri, ()))
            country = self.country_of.get(iri)
        levels = facts.rel(CG + "governmentLevel")
        provincial = any(PROVINCIAL_LEVEL in levels.get(gad, ()) for gad in gads)
        subnational = is_province or self.kind_of.get(iri) == "peer" or bool(gads)
        home = self.home_country is None or country is None or country == self.home_country
        requester = Requester(
            iri=iri,
            code=self.code_of.get(iri),
            province=iri if is_province else (territories[0] if territories else None),
            sources=frozenset((iri, *gads, *territories)),
            gads=gads,
            provincial=provincial,
            home=home,
            subnational=subnational,
        )
        scoring.prepare_requester(self, requester)
        return requester

    def resolve_country(self, value: str) -> str:
        text = value.strip()
        if text.upper() in self.countries:
            return self.countries[text.upper()]
        expanded = self._expand(text)
        for candidate in (expanded, CGR + expanded, CGR + "pais-" + text.lower()):
            if candidate in self.code_of and self.facts.is_a(candidate, CG + "Country"):
                return candidate
        wanted = normalise(text)
        named = [iri for iri in self.countries.values() if self._names_match(iri, wanted)]
        if len(named) == 1:
            return named[0]
        raise MatchError(
            f"Unknown country {value!r}: give an ISO 3166-1 alpha-2 code of a country in the graph "
            f"(e.g. {', '.join(sorted(self.countries)[:6])}) or its IRI.",
            message_es=f"País desconocido «{value}»: indique el código ISO 3166-1 alfa-2 de un país del grafo "
            f"(p. ej. {', '.join(sorted(self.countries)[:6])}) o su IRI.",
        )

    def resolve_cooperation(self, value: str) -> str:
        text = value.strip()
        expanded = self._expand(text)
        for candidate in (expanded, CGR + expanded, CGR + "tipo-" + normalise(text).replace(" ", "-")):
            if candidate in self.cooperation_types:
                return candidate
        wanted = normalise(text)
        named = sorted(t for t in self.cooperation_types if self._names_match(t, wanted))
        if len(named) == 1:
            return named[0]
        valid = sorted(t.rsplit("/", 1)[1].removeprefix("tipo-") for t in self.cooperation_types)
        raise MatchError(
            f"Unknown kind of cooperation {value!r}; valid: {', '.join(valid)}.",
            message_es=f"Tipo de cooperación desconocido «{value}»; válidos: {', '.join(valid)}.",
        )
