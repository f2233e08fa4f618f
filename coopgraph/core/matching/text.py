"""Accent- and case-insensitive text matching of a need against the graph's labels.

A need ("riego y drenaje", "climate change adaptation") is normalised the same
way as every label: Unicode accents folded, case folded, punctuation turned into
spaces, then each word reduced by a light plural stemmer shared by Spanish and
English ("riesgos" = "riesgo", "ciudades" = "ciudad", "cities" = "city"). A
label matches when all its words occur consecutively in the need; at each
position the longest label wins, so "cambio climático" is one theme, not
"cambio" plus "clima".

>>> normalise("  Gestión de RIESGOS, desastres ")
'gestion de riesgos desastres'
>>> words("Energías renovables")
('energia', 'renovabl')
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

Payload = TypeVar("Payload")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_COMBINING = re.compile(r"[\u0300-\u036f]+")  # combining diacritical marks, left apart by NFKD


def normalise(text: str) -> str:
    """Fold accents and case, turn everything but ASCII letters and digits into single spaces."""
    folded = _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold()))
    return _NON_WORD.sub(" ", folded).strip()


def stem(word: str) -> str:
    """A light plural stemmer for Spanish and English; the same on both sides of a comparison.

    >>> [stem(w) for w in ("ciudades", "ciudad", "mujeres", "mujer", "cities", "city", "ods", "sdgs")]
    ['ciudad', 'ciudad', 'mujer', 'mujer', 'city', 'city', 'ods', 'sdg']
    """
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    word = word.removesuffix("s")
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def words(text: str) -> tuple[str, ...]:
    """The stemmed words of a text, in order."""
    return tuple(stem(word) for word in normalise(text).split())


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
        tokens = words(text)
        found: list[PhraseMatch[Payload]] = []
        position = 0
        while position < len(tokens):
            best = 0
            for key, payload in self._by_first.get(tokens[position], ()):
                size = len(key)
                if size < best:
                    break
                if tokens[position : position + size] == key:
                    best = size
                    found.append(PhraseMatch(payload, position, position + size))
            position += best or 1
        return found

    def vocabulary(self) -> set[str]:
        """The stemmed words of every phrase (for suggestions when nothing matched)."""
        return {word for entries in self._by_first.values() for key, _ in entries for word in key}
