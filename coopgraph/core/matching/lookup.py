"""Reading the user's input: a need's terms, a requester, a country, a kind of cooperation.

Functions of the index. A need is read in three passes over its words (text.py:
accents and case folded, light stemming): whole names of the need vocabulary
(vocabulary.py: themes, ways of cooperating, places, countries, the thesaurus's
words, kinds of partner), actors' names (an acronym only when typed in
capitals), then distinctive parts of names for the content words left. Before
that, a word the vocabulary does not know is corrected to the one known word
nearest to it, if any (a typo); a word of the same family as a part is read as
that part (fronterizo: frontera). Each correction weakens the term it reads
(TYPO_FACTOR, FAMILY_FACTOR) and the term says what was read as what. Values
that name nothing in the graph raise `MatchError` (400: unusable, with
suggestions of what the graph can read, in the need's language) or
`UnknownResource` (404: with close matches). Resolved requesters are cached on
the index (`MatchIndex.requester_cache`); what a requester reaches in the graph
is requester.py's.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from coopgraph.core.matching.build import KINDS
from coopgraph.core.matching.dac import SECTOR_MAPPINGS
from coopgraph.core.matching.errors import MatchError, UnknownResource
from coopgraph.core.matching.index import MatchIndex
from coopgraph.core.matching.requester import requester_context
from coopgraph.core.matching.results import FACETS, Need, Requester, Term
from coopgraph.core.matching.text import FAMILY_MIN, STOPWORDS, content_words, edit_distance, family, normalise, stem
from coopgraph.core.matching.vocabulary import Reading, Vocabulary
from coopgraph.core.vocab import ALT_LABEL, CG, CGR, IATI, Text

TYPO_FACTOR = 0.9
"""A term read through a corrected typo weighs this share of the term read from the word as written."""
FAMILY_FACTOR = 0.9
"""A term read through a word of the same family (fronterizo: frontera) weighs this share."""
CONTAINED_FACTOR = 0.7
"""A term read from words that are part of a longer phrase read in another facet weighs this share ("frontera"
names a theme, but "frontera norte" names a space: the need is about the space)."""
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
    """What a need asks for: the terms read in `text` (reading.py's facets), plus `sectors` given as IRIs, slugs
    or DAC codes. A text the graph cannot read at all is a MatchError with suggestions in the need's language."""
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
    need_lang = detect_lang(text, lang) if text else lang
    terms: dict[tuple[str, str], Term] = {}

    def keep(term: Term) -> None:
        key = (term.facet, term.resource)
        if key not in terms or terms[key].strength < term.strength:
            terms[key] = term

    for given in sectors:
        for term in _sector_themes(index, str(given), lang):
            keep(term)
    if text is not None:
        read = read_terms(index, text, lang)
        for term in read:
            inside = any(
                other.facet != term.facet
                and other.span[0] <= term.span[0]
                and term.span[1] <= other.span[1]
                and other.span != term.span
                for other in read
            )
            keep(replace(term, strength=round(term.strength * CONTAINED_FACTOR, 4)) if inside else term)
        if not terms:
            suggestions = need_suggestions(index, text, need_lang)
            names = ", ".join(f"«{s['label']}»" for s in suggestions)
            raise MatchError(
                Text(
                    es=f"El grafo no reconoce en «{text}» ningún tema, forma de cooperar, lugar ni socio. "
                    f"Pruebe con palabras como {names}.",
                    en=f"The graph reads no theme, way of cooperating, place or partner in {text!r}. "
                    f"Try words such as {names.replace('«', '“').replace('»', '”')}.",
                ),
                suggestions=suggestions,
            )
    ordered = sorted(
        terms.values(),
        key=lambda term: (FACETS.index(term.facet), -term.strength, normalise(term.label), term.resource),
    )
    return Need(text, tuple(ordered), need_lang)


_ES_HINTS = frozenset(
    [
        "de",
        "la",
        "el",
        "los",
        "las",
        "del",
        "y",
        "para",
        "con",
        "en",
        "que",
        "por",
        "una",
        "un",
        "cooperacion",
        "necesitamos",
        "apoyo",
        "provincia",
    ]
)
_EN_HINTS = frozenset(
    ["the", "of", "and", "for", "with", "to", "in", "on", "a", "an", "our", "we", "need", "support", "who", "what"]
)


def detect_lang(text: str, default: str) -> str:
    """The language of a need: the one whose common words it uses more (ties: `default`).

    >>> detect_lang("agua potable para las parroquias", "en"), detect_lang("drinking water for the parishes", "es")
    ('es', 'en')
    """
    tokens = normalise(text).split()
    es = sum(token in _ES_HINTS for token in tokens)
    en = sum(token in _EN_HINTS for token in tokens)
    if es == en:
        return default if default in ("es", "en") else "es"
    return "es" if es > en else "en"


def read_terms(index: MatchIndex, text: str, lang: str) -> list[Term]:
    """The terms a text names: whole names (and the thesaurus's words), actors' names, then distinctive parts of
    names for the words left; typos corrected and word families read, each weakening the term (module reading)."""
    vocabulary = index.vocabulary
    surface_words = normalise(text).split()
    tokens = [stem(word) for word in surface_words]
    corrected: dict[int, str] = {}
    for position, token in enumerate(tokens):
        fixed = vocabulary.speller.correct(token) if surface_words[position] not in STOPWORDS else None
        if fixed is not None:
            corrected[position] = fixed
            tokens[position] = fixed
    found: list[Term] = []
    covered: dict[str, set[int]] = {}  # facet -> positions read as a name of that facet

    def term(reading: Reading, start: int, end: int, *, family: bool = False) -> Term:
        resource, facet, how, strength, via = reading
        fixes = tuple(
            (surface_words[i], vocabulary.surface.get(corrected[i], corrected[i]))
            for i in range(start, end)
            if i in corrected
        )
        if fixes:
            strength *= TYPO_FACTOR
        if family:
            strength *= FAMILY_FACTOR
        label = index.label(resource, lang) if facet != "kind" else _kind_name(resource, lang)
        return Term(
            facet,
            resource,
            label,
            " ".join(surface_words[start:end]),
            how,
            round(strength, 4),
            via=via,
            corrected=fixes,
            family=family,
            span=(start, end),
        )

    for match in vocabulary.names.find_words(tokens):
        resource, facet = match.payload[0], match.payload[1]
        if facet == "kind" and resource not in index.present_kinds:
            continue
        found.append(term(match.payload, match.start, match.end))
        covered.setdefault(facet, set()).update(range(match.start, match.end))
    for match in index.actor_names().find_words(tokens):
        acronym = match.payload[4]
        if acronym is not None and not re.search(rf"(?<!\w){re.escape(acronym)}(?!\w)", text):
            continue  # an acronym counts only when typed in capitals, as a word
        found.append(term((*match.payload[:4], None), match.start, match.end))
        covered.setdefault("actor", set()).update(range(match.start, match.end))
    english = detect_lang(text, lang) == "en"
    named_facets = {facet for facet, positions in covered.items() if positions}
    content = [i for i, word in enumerate(surface_words) if word not in STOPWORDS]
    parts = _read_parts(vocabulary, tokens, content, covered, named_facets, english=english, last_resort=False)
    if not found and not parts:
        parts = _read_parts(vocabulary, tokens, content, covered, named_facets, english=english, last_resort=True)
    found.extend(term(reading, start, end, family=kin) for reading, start, end, kin in parts)
    return found


def _read_parts(
    vocabulary: Vocabulary,
    tokens: list[str],
    content: list[int],
    covered: dict[str, set[int]],
    named_facets: set[str],
    *,
    english: bool,
    last_resort: bool,
) -> list[tuple[Reading, int, int, bool]]:
    """Distinctive parts of names over the need's content words, longest first: (reading, start, end, family).

    Parts are read over every content word, names' included ("frontera" names a theme, "frontera norte" is
    part of a space's name), but never inside words their facet read as a name; one word only in a facet that
    read no name in the need (a rare word alone is a guess). A DAC code's name is read only in an English need
    (the codes are named in English) that read no theme otherwise, and one word of it only as a last resort,
    when the need read nothing else."""
    found: list[tuple[Reading, int, int, bool]] = []
    theme_parts = False

    def fresh(reading: Reading, span: list[int]) -> bool:
        if reading[2] == "dac":
            return english and (len(span) > 1 or last_resort) and "theme" not in named_facets and not theme_parts
        if len(span) == 1 and reading[1] in named_facets:
            return False
        return not set(span) <= covered.get(reading[1], set())

    runs: list[list[int]] = []
    for i in content:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in runs:
        position = 0
        while position < len(run):
            for size in (3, 2, 1):
                span = run[position : position + size]
                if len(span) < size:
                    continue
                key = tuple(tokens[i] for i in span)
                readings = [r for r in vocabulary.parts.get(key, ()) if fresh(r, span)]
                theme_parts = theme_parts or any(r[1] == "theme" and r[2] != "dac" for r in readings)
                kin = [r for r in _family_parts(vocabulary, key[0]) or () if fresh(r, span)] if size == 1 else []
                found += [(reading, span[0], span[-1] + 1, False) for reading in readings]
                found += [(reading, span[0], span[-1] + 1, True) for reading in kin]
                if readings or kin:
                    position += size
                    break
            else:
                position += 1
    return found


def _family_parts(vocabulary: Vocabulary, word: str) -> tuple[Reading, ...] | None:
    """The parts of the names of a word's family (fronteriz -> fronter), when the word is not a part itself."""
    if len(word) < FAMILY_MIN:
        return None
    found = [
        reading
        for other in vocabulary.families.get(word[:FAMILY_MIN], ())
        if other != word and family(word, other)
        for reading in vocabulary.parts[(other,)]
    ]
    return tuple(dict.fromkeys(found)) or None


def _kind_name(key: str, lang: str) -> str:
    for kind, _, name in KINDS:
        if kind == key:
            return name(lang)
    return key


def need_suggestions(index: MatchIndex, text: str, lang: str, limit: int = 6) -> list[dict[str, str]]:
    """What the graph can read, in the need's language: themes and ways whose names share a word (or its family,
    or a near spelling) with the text, else the themes and ways with most partners."""
    wanted = set(content_words(text))
    close: dict[str, float] = {}
    for resource in sorted(index.sectors | index.vocabulary.ways):
        if resource not in index.values:
            continue
        label = index.label(resource, lang)
        label_words = set(content_words(label))
        score = 0.0
        for word in wanted:
            for other in label_words:
                if word == other:
                    score = max(score, 1.0)
                elif family(word, other):
                    score = max(score, 0.8)
                elif min(len(word), len(other)) >= 5 and edit_distance(word, other, 2) <= 2:
                    score = max(score, 0.6)
        if score:
            close[resource] = score
    ranked = sorted(close, key=lambda r: (-close[r], -len(index.values[r]), index.label(r, lang)))
    if len(ranked) < limit:
        popular = sorted(
            (r for r in index.values if r not in close and (r in index.sectors or r in index.vocabulary.ways)),
            key=lambda r: (-len(index.values[r]), index.label(r, lang)),
        )
        themes = [r for r in popular if r in index.sectors][:3]
        ways = [r for r in popular if r not in index.sectors][:3]
        ranked += [r for pair in zip(themes, ways, strict=False) for r in pair]
    chosen: dict[str, dict[str, str]] = {}  # one suggestion per name (a class and its instrument may share one)
    for r in ranked:
        label = index.label(r, lang)
        chosen.setdefault(
            normalise(label), {"iri": r, "label": label, "facet": "theme" if r in index.sectors else "way"}
        )
        if len(chosen) == limit:
            break
    return list(chosen.values())


def _sector_themes(index: MatchIndex, given: str, lang: str) -> list[Term]:
    value = expand(given)
    code = value.rsplit("/", 1)[-1] if value.startswith(IATI) else value
    if code.isdigit() and code in index.sector_codes:
        return [
            Term(
                "theme",
                sector,
                index.label(sector, lang),
                code,
                "code",
                SECTOR_MAPPINGS[mapping],
                mapping.rsplit("#", 1)[1],
            )
            for sector, mapping, _ in index.sector_codes[code]
        ]
    for candidate in (value, CGR + value, CGR + "sector-" + value):
        if candidate in index.sectors:
            return [Term("theme", candidate, index.label(candidate, lang), given, "iri", 1.0)]
    names = sorted(index.label(s, lang) for s in index.sectors)
    close = difflib.get_close_matches(given, names, n=5, cutoff=0.5)
    raise MatchError(
        Text(
            es=f"Sector desconocido «{given}»: indique el IRI de un concepto de sector, su identificador "
            f"(p. ej. «sector-salud») o un código CAD-OCDE presente en el grafo (p. ej. «15112»).",
            en=f"Unknown sector {given!r}: give a sector concept IRI, its slug (e.g. 'sector-salud') or an "
            f"OECD-DAC code mapped in the graph (e.g. '15112').",
        ),
        suggestions=[
            {"iri": s, "label": index.label(s, lang), "facet": "theme"}
            for s in index.sectors
            if index.label(s, lang) in close
        ],
    )


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
