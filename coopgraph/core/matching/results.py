"""What a match reads and returns: the need and requester as understood, and the ranked partners.

Plain dataclasses; the returned ones have the JSON shape service/README.md documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EXPLANATION_TYPES: tuple[str, ...] = ("sector", "path", "mechanism", "space", "legal", "cooperation")


@dataclass(frozen=True)
class Theme:
    """A sector concept the need asks for, and how it was recognised.

    `how` is "label", "altLabel" or "hiddenLabel" (text matched that label),
    "iri" (given as a concept) or "code" (given as an OECD-DAC/IATI code, mapped
    through `mapping`, e.g. "closeMatch"). `strength` in (0, 1] weighs the theme.
    """

    sector: str
    label: str
    matched: str
    how: str
    strength: float
    mapping: str | None = None

    def to_json(self) -> dict[str, str]:
        return {"sector": self.sector, "label": self.label, "matched": self.matched}


@dataclass(frozen=True)
class Need:
    """The need as understood: the text given and the themes recognised in it (or given as sectors)."""

    text: str | None
    themes: tuple[Theme, ...]

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "themes": [theme.to_json() for theme in self.themes]}


@dataclass
class Requester:
    """A resolved requester with everything requester-dependent, computed once and cached (requester.py).

    `sources` are the starts of its paths (itself, its GADs and territories);
    `distance` and `parent` the breadth-first search from them; `links` the
    spaces linking it to a partner (space, "covers" or "shared", the partner's
    role, the requester's side); `bonus` each reached partner's
    requester-dependent part of the score.
    """

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


@dataclass(frozen=True)
class Explanation:
    """One checkable reason: its type, a sentence, and the graph resources it rests on."""

    type: str
    text: str
    resources: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "text": self.text, "resources": list(self.resources)}


@dataclass(frozen=True)
class Partner:
    """A ranked partner; `components` holds the parts of the score (theme, proximity, channel)."""

    iri: str
    label: str
    kind: str
    country: dict[str, str] | None
    score: float
    explanation: tuple[Explanation, ...]
    components: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "partner": self.iri,
            "label": self.label,
            "kind": self.kind,
            "country": self.country,
            "score": self.score,
            "explanation": [item.to_json() for item in self.explanation],
        }


@dataclass(frozen=True)
class MatchResult:
    """The answer to `match` (engine.py)."""

    need: Need
    requester: dict[str, Any] | None
    filters: dict[str, Any]
    results: tuple[Partner, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "need": self.need.to_json(),
            "requester": self.requester,
            "filters": self.filters,
            "results": [partner.to_json() for partner in self.results],
        }


@dataclass(frozen=True)
class SimilarResult:
    """The answer to `similar` (engine.py): the actor asked about and the actors most like it."""

    actor: dict[str, Any]
    results: tuple[Partner, ...]

    def to_json(self) -> dict[str, Any]:
        return {"actor": self.actor, "results": [partner.to_json() for partner in self.results]}
