"""What a match reads and returns: the need and requester as understood, and the ranked partners.

Plain dataclasses; the returned ones have the JSON shape service/README.md documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EXPLANATION_TYPES: tuple[str, ...] = (
    "sector",
    "way",
    "place",
    "actor",
    "kind",
    "channel",
    "path",
    "mechanism",
    "space",
    "legal",
    "cooperation",
)
FACETS: tuple[str, ...] = ("theme", "way", "place", "actor", "kind")
"""What a need can say: themes (sectors), ways of cooperating (kinds of cooperation, mechanisms, instruments,
spaces), places (territories), actors it names, and kinds of partner."""
STRENGTHS: tuple[str, ...] = ("direct", "indirect", "weak")


@dataclass(frozen=True)
class Term:
    """A resource of the graph the need asks for, and how it was recognised.

    `facet` is one of FACETS; `resource` the IRI (a kind key for "kind"). `how`:
    "label", "altLabel", "hiddenLabel" (a name of the resource), "thesaurus"
    (words the thesaurus ties to it: `via` is the relation), "dac" (an OECD-DAC
    purpose code's name: `via` is the code's IRI), "part" (distinctive words of
    its name), "iri" / "code" (given as a concept or a DAC code, mapped through
    `mapping`); `corrected` is set when a typo was read as another word, and
    `family` when a word of the same family was (fronterizo: frontera).
    `strength` in (0, 1] weighs the term.
    """

    facet: str
    resource: str
    label: str
    matched: str
    how: str
    strength: float
    mapping: str | None = None
    via: str | None = None
    corrected: tuple[tuple[str, str], ...] = ()
    family: bool = False
    span: tuple[int, int] = (-1, -1)
    """Word positions in the need it was read from ((-1, -1): given as a sector). Terms of one facet read from the
    same words are alternatives (the words mean one of them): a partner's value is its best among them."""

    @property
    def sector(self) -> str:
        """The sector concept of a theme (the term's resource)."""
        return self.resource

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "iri": self.resource,
            "label": self.label,
            "matched": self.matched,
            "how": self.how,
            "strength": round(self.strength, 4),
        }
        if self.facet == "theme":
            found["sector"] = self.resource
        if self.via:
            found["via"] = self.via
        if self.corrected:
            found["corrected"] = [{"typed": typed, "read": read} for typed, read in self.corrected]
        return found


Theme = Term
"""A term of the theme facet (a sector concept)."""


@dataclass(frozen=True)
class Need:
    """The need as understood: the text given, its language, and the terms recognised in it (or given as sectors)."""

    text: str | None
    terms: tuple[Term, ...]
    lang: str = "es"

    def facet(self, name: str) -> tuple[Term, ...]:
        return tuple(term for term in self.terms if term.facet == name)

    @property
    def themes(self) -> tuple[Term, ...]:
        return self.facet("theme")

    @property
    def ways(self) -> tuple[Term, ...]:
        return self.facet("way")

    @property
    def facets(self) -> tuple[str, ...]:
        """The facets the need has terms in, in FACETS order."""
        present = {term.facet for term in self.terms}
        return tuple(name for name in FACETS if name in present)

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"text": self.text, "lang": self.lang}
        for name, key in zip(FACETS, ("themes", "ways", "places", "actors", "kinds"), strict=True):
            found[key] = [term.to_json() for term in self.facet(name)]
        return found


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
class Group:
    """Partners folded under a result: the other channels of a country, parts of a parent, peers of one country.

    `key` is the country or parent they share; `members` the related ones shown (best first), `more` how
    many more relate to the need.
    """

    key: str
    label: str
    kind: str
    members: tuple[tuple[str, str], ...]
    more: int
    at_least: bool = False
    """`more` is a lower bound (a very large group was looked at in part)."""
    contacts: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    """member -> where the study says it can be reached (homepage, email, pages)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "kind": self.kind,
            "members": [
                {"iri": iri, "label": label, "contact": self.contacts.get(iri, {})} for iri, label in self.members
            ],
            "more": self.more,
            "more_at_least": self.at_least,
        }


@dataclass(frozen=True)
class Partner:
    """A ranked partner; `components` holds the parts of the score, `strength` how directly it relates to the need
    ("direct", "indirect", "weak"; empty for `similar`, which answers no need); `why` is one line of it."""

    iri: str
    label: str
    kind: str
    country: dict[str, str] | None
    score: float
    explanation: tuple[Explanation, ...]
    components: dict[str, float] = field(default_factory=dict)
    strength: str = "direct"
    why: str = ""
    group: Group | None = None
    contact: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "partner": self.iri,
            "label": self.label,
            "kind": self.kind,
            "country": self.country,
            "score": self.score,
            "components": self.components,
            "strength": self.strength,
            "why": self.why,
            "group": self.group.to_json() if self.group else None,
            "contact": self.contact,
            "explanation": [item.to_json() for item in self.explanation],
        }


@dataclass(frozen=True)
class MatchResult:
    """The answer to `match` (engine.py); `legal` is what the requester stands on, the same for every partner."""

    need: Need
    requester: dict[str, Any] | None
    filters: dict[str, Any]
    results: tuple[Partner, ...]
    legal: tuple[Explanation, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "need": self.need.to_json(),
            "requester": self.requester,
            "filters": self.filters,
            "legal": [item.to_json() for item in self.legal],
            "results": [partner.to_json() for partner in self.results],
        }


@dataclass(frozen=True)
class SimilarResult:
    """The answer to `similar` (engine.py): the actor asked about and the actors most like it."""

    actor: dict[str, Any]
    results: tuple[Partner, ...]

    def to_json(self) -> dict[str, Any]:
        return {"actor": self.actor, "results": [partner.to_json() for partner in self.results]}
