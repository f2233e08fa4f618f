"""Reading a need's words: normalising, light stemming, phrase matching, typos and word families.

A need ("riego y drenaje", "climate change adaptation") is normalised the same
way as every label: Unicode accents folded, case folded, punctuation turned into
spaces, then each word reduced by a light stemmer shared by Spanish and English
(plurals, and the final vowel of Spanish gender: "riesgos" = "riesgo",
"ciudades" = "ciudad", "cities" = "city", "técnico" = "técnica"). A label
matches when all its words occur consecutively in the need; at each position
the longest label wins, so "cambio climático" is one theme, not "cambio" plus
"clima".

Two helpers widen what a need's words can be, each weaker than an exact word:
`Speller` corrects a word the vocabulary does not know to the one known word at
the smallest edit distance (one edit for words of five or more letters, two
from eight: "climatco" -> "climatico", "edcuacion" -> "educacion"), and
`family` says two known words share a stem long enough to be one word family
("frontera" / "fronterizo", "sostenible" / "sostenibilidad").

>>> normalise("  Gestión de RIESGOS, desastres ")
'gestion de riesgos desastres'
>>> words("Energías renovables")
('energi', 'renovabl')
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Generic, TypeVar

Payload = TypeVar("Payload")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_COMBINING = re.compile(r"[\u0300-\u036f]+")  # combining diacritical marks, left apart by NFKD

STOPWORDS: frozenset[str] = frozenset(
    """
    a about al an and ante apoyar apoye apoyen apoyo are as at ayuda ayudar be busca buscamos busco by can con
    contra de del desde e el en entre esta estas este estos for from hacia has have help helping in into is it
    its la las lo looking los mas mi mis muy necesita necesitamos necesito need needed needs nuestra nuestras
    nuestro nuestros o of on or other others otra otras otro otros our para partner partners pero por program
    programa programas programme programmes programs project projects proyecto proyectos que quien quienes
    requerimos se sin sobre socio socios su support supporting sus that the their this those to trabaja
    trabajan trabajar trabaje trabajen u un una unas unos we what which who with work working works y ya you
    your
    """.split()  # noqa: SIM905 -- a word list reads better as text than as 130 quoted items
)
"""Function words of Spanish and English, and the words of asking: never a part of a name on their own
(normalised, not stemmed; names that contain them still match whole)."""
FAMILY_MIN = 6
"""Shortest common stem of two words of one family."""


def normalise(text: str) -> str:
    """Fold accents and case, turn everything but ASCII letters and digits into single spaces."""
    folded = _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold()))
    return _NON_WORD.sub(" ", folded).strip()


def stem(word: str) -> str:
    """A light stemmer for Spanish and English: plurals, and a final gender vowel; the same on both sides.

    >>> [stem(w) for w in ("ciudades", "ciudad", "mujeres", "mujer", "cities", "city", "ods", "sdgs")]
    ['ciudad', 'ciudad', 'mujer', 'mujer', 'city', 'city', 'ods', 'sdg']
    >>> [stem(w) for w in ("tecnico", "tecnica", "tecnicas", "agua", "agro")]
    ['tecnic', 'tecnic', 'tecnic', 'agua', 'agro']
    """
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    word = word.removesuffix("s")
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    if word.endswith(("a", "o")) and len(word) > 4:
        word = word[:-1]
    return word


def words(text: str) -> tuple[str, ...]:
    """The stemmed words of a text, in order."""
    return tuple(stem(word) for word in normalise(text).split())


def content_words(text: str) -> tuple[str, ...]:
    """The stemmed words of a text that are not function words."""
    return tuple(stem(word) for word in normalise(text).split() if word not in STOPWORDS)


def family(one: str, other: str) -> bool:
    """Whether two stemmed words are one word family: a common stem of FAMILY_MIN letters or more that is
    most of the shorter word (at most two letters of it left over), the longer adding at most two letters.

    >>> family("fronter", "fronteriz"), family("cultur", "cultural"), family("articul", "articulacion")
    (True, True, False)
    >>> family("agricultur", "agricol"), family("educacion", "educativ"), family("program", "programabl")
    (False, False, False)
    """
    if one == other:
        return True
    if abs(len(one) - len(other)) > 2:
        return False
    shorter = min(len(one), len(other))
    common = 0
    for a, b in zip(one, other, strict=False):
        if a != b:
            break
        common += 1
    return common >= FAMILY_MIN and shorter - common <= 2


@dataclass(frozen=True)
class PhraseMatch(Generic[Payload]):
    """One label found in a text: its payload and where (word positions) it was found."""

    payload: Payload
    start: int
    end: int


class PhraseMatcher(Generic[Payload]):
    """Finds known phrases (labels) in a text, longest first, without overlaps.

    >>> matcher = PhraseMatcher([("cambio climático", "cc"), ("clima", "c"), ("riego", "r")])
    >>> [m.payload for m in matcher.find("Riego ante el CAMBIO climatico y el clima")]
    ['r', 'cc', 'c']
    """

    def __init__(self, phrases: Iterable[tuple[str, Payload]]) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], Payload]]] = {}
        for phrase, payload in phrases:
            key = words(phrase)
            if key:
                self._by_first.setdefault(key[0], []).append((key, payload))
        for entries in self._by_first.values():
            entries.sort(key=lambda entry: -len(entry[0]))  # longest first; stable otherwise

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._by_first.values())

    def find(self, text: str) -> list[PhraseMatch[Payload]]:
        """Every phrase found; several payloads may share the longest phrase at a position."""
        return self.find_words(words(text))

    def find_words(self, tokens: Sequence[str]) -> list[PhraseMatch[Payload]]:
        """`find` on words already stemmed (a need read once, matched by several matchers)."""
        found: list[PhraseMatch[Payload]] = []
        position = 0
        while position < len(tokens):
            best = 0
            for key, payload in self._by_first.get(tokens[position], ()):
                size = len(key)
                if size < best:
                    break
                if tuple(tokens[position : position + size]) == key:
                    best = size
                    found.append(PhraseMatch(payload, position, position + size))
            position += best or 1
        return found

    def entries(self) -> list[tuple[tuple[str, ...], Payload]]:
        """Every phrase (its words) and payload, by first word, longest first."""
        return [entry for entries in self._by_first.values() for entry in entries]

    def replace(self, old: Iterable[str], new: Iterable[tuple[str, Payload]], owned: Callable[[Payload], bool]) -> None:
        """Take out the phrases `old` whose payload is `owned`, put in `new`: in place, touching only the lists of
        their first words. A new phrase goes after those as long as it (where a build puts the phrases of a
        resource it meets last)."""
        for phrase in old:
            key = words(phrase)
            entries = self._by_first.get(key[0]) if key else None
            if entries is None:
                continue
            entries[:] = [entry for entry in entries if entry[0] != key or not owned(entry[1])]
            if not entries:
                del self._by_first[key[0]]
        for phrase, payload in new:
            key = words(phrase)
            if key:
                entries = self._by_first.setdefault(key[0], [])
                # Longest first, so its place is found by bisection (a first word may start 100k names).
                at = bisect.bisect_right(entries, -len(key), key=lambda entry: -len(entry[0]))
                entries.insert(at, (key, payload))

    def vocabulary(self) -> set[str]:
        """The stemmed words of every phrase (for suggestions when nothing matched)."""
        return {word for entries in self._by_first.values() for key, _ in entries for word in key}


def edit_distance(one: str, other: str, limit: int) -> int:
    """Optimal string alignment distance (insertions, deletions, substitutions, adjacent swaps), or limit + 1.

    >>> edit_distance("edcuacion", "educacion", 2), edit_distance("climatc", "climatic", 2)
    (1, 1)
    """
    if abs(len(one) - len(other)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(other) + 1))
    for i, a in enumerate(one, start=1):
        current = [i] + [0] * len(other)
        for j, b in enumerate(other, start=1):
            cost = 0 if a == b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a == other[j - 2] and one[i - 2] == b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def allowed_edits(word: str) -> int:
    """How many edits a word of this length may be off: none under 5 letters, 1 from 5, 2 from 8."""
    return 0 if len(word) < 5 else 1 if len(word) < 8 else 2


def _deletes(word: str, depth: int) -> set[str]:
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


class Speller:
    """Corrects an unknown word to the one known word nearest to it (symmetric-delete candidates, then
    `edit_distance`, then the share of letters in common as difflib counts them); no correction when two
    known words are equally near by both.

    >>> speller = Speller(["educacion", "climat", "climatic", "salud", "migracion"])
    >>> speller.correct("edcuacion"), speller.correct("climatc"), speller.correct("salud"), speller.correct("xyz")
    ('educacion', 'climatic', None, None)
    """

    def __init__(self, known: Iterable[str]) -> None:
        self.known = frozenset(known)
        self._by_delete: dict[str, list[str]] = defaultdict(list)
        for word in sorted(self.known):
            for variant in _deletes(word, allowed_edits(word)):
                self._by_delete[variant].append(word)

    def correct(self, word: str) -> str | None:
        """The known word `word` is a typo of, or None (known already, too short, or no single nearest word)."""
        limit = allowed_edits(word)
        if word in self.known or not limit or not word.isalpha():
            return None
        candidates = {c for variant in _deletes(word, limit) for c in self._by_delete.get(variant, ())}
        scored = sorted(
            (edit_distance(word, c, limit), -round(SequenceMatcher(None, word, c).ratio(), 6), c) for c in candidates
        )
        scored = [(d, r, c) for d, r, c in scored if d <= min(limit, allowed_edits(c))]
        if not scored or (len(scored) > 1 and scored[0][:2] == scored[1][:2]):
            return None
        return scored[0][2]
