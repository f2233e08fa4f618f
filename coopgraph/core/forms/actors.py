"""Actors of the graph an officer can pick as a party by typing part of a name: labels (es, en) and acronyms.

The register forms link a party or participating organisation to an actor of the graph (`cg:actor`) when the
officer picks one; a name that matches none is kept as the party's own name (`cg:orgName`), a new organisation.
An actor is anything whose class is `rdfs:subClassOf*` `org:Organization` (the vocabulary contract), found by its
`rdfs:label` or `skos:altLabel`, accents and case ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from coopgraph.core.forms.reading import fold
from coopgraph.core.vocab import sparql_prefixes

NAMES = (
    sparql_prefixes("rdfs", "skos")
    + """PREFIX org: <http://www.w3.org/ns/org#>
SELECT DISTINCT ?actor ?name WHERE {
  ?actor a ?class . ?class rdfs:subClassOf* org:Organization .
  ?actor rdfs:label|skos:altLabel ?name .
}"""
)


@dataclass(frozen=True)
class Actor:
    """An actor and every name it goes by, with each name's language ("" for none)."""

    iri: str
    names: tuple[tuple[str, str], ...]

    def label(self, lang: str) -> str:
        """Its first name in `lang`, else in Spanish, else any."""
        for wanted in (lang, "es", ""):
            for name, language in self.names:
                if language == wanted or not wanted:
                    return name
        return self.iri


def actor_names(store: ox.Store) -> list[Actor]:
    """Every actor of the graph (any named graph) with its names, labels first, sorted by IRI."""
    found: dict[str, list[tuple[str, str]]] = {}
    for row in store.query(NAMES, use_default_graph_as_union=True):  # type: ignore[union-attr]
        actor, name = row["actor"], row["name"]
        if isinstance(actor, ox.NamedNode) and isinstance(name, ox.Literal):
            found.setdefault(actor.value, []).append((name.value, name.language or ""))
    return [Actor(iri, tuple(names)) for iri, names in sorted(found.items())]


def find_actors(actors: list[Actor], typed: str, *, lang: str = "es", limit: int = 10) -> list[dict[str, str]]:
    """The actors with a name holding every word of `typed` (accents and case ignored), those whose name starts with
    it first, then shortest name: `iri`, `label` (in `lang`) and `matched` (the name that matched).

    >>> aecid = Actor("https://w3id.org/coopgraph/id/aecid", (("Agencia Española de Cooperación", "es"), ("AECID", "")))
    >>> [row["matched"] for row in find_actors([aecid], "aecid")]
    ['AECID']
    >>> [row["label"] for row in find_actors([aecid], "agencia espanola")]
    ['Agencia Española de Cooperación']
    """
    words = fold(typed).split()
    if not words:
        return []
    whole = " ".join(words)
    ranked: list[tuple[tuple[int, int, str], dict[str, str]]] = []
    for actor in actors:
        hits = [name for name, _ in actor.names if all(word in fold(name) for word in words)]
        if not hits:
            continue
        best = min(hits, key=lambda name: (not fold(name).startswith(whole), len(name)))
        rank = (0 if fold(best).startswith(whole) else 1, len(best), actor.iri)
        ranked.append((rank, {"iri": actor.iri, "label": actor.label(lang), "matched": best}))
    ranked.sort(key=lambda pair: pair[0])
    return [row for _, row in ranked[:limit]]
