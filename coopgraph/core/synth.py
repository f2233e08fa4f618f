"""Synthetic actors with the study's shape, for scale tests and benchmarks.

`write_synthetic` streams a deterministic graph of N actors (countries,
sectors, government levels, network memberships, cooperation types, web
sites, a source) as Turtle or N-Triples: same seed, same bytes. Actors live
under `https://w3id.org/coopgraph/id/synth/` so they never collide with the
study's resources. The concepts they point at (countries, sectors, levels,
cooperation types) are the shipped graph's own where it has them; missing
kinds (or all of them, with `standalone=True`) are declared in the output.
"""

from __future__ import annotations

import functools
import gettext
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple, TextIO

import pycountry
import pyoxigraph as ox

from coopgraph.core.resources import resource_dir
from coopgraph.core.store import solutions
from coopgraph.core.vocab import CG, CGR, DCTERMS, FOAF, ORG, RDF_TYPE, RDFS, SKOS, SYNTH, prefixes

PREFIXES = prefixes("cg", "cgr", "synth", "rdfs", "skos", "org", "foaf", "dcterms")
REFERENCE = SYNTH + "ref-synthetic"
HOMEPAGE_BASE = "https://example.org/coopgraph-synth/"
FORMATS = ("turtle", "ntriples")
_SAFE_LOCAL = re.compile(r"[A-Za-z0-9_-]+")

# Fallbacks, declared in the output when the shipped data lacks the kind.
STUDY_COUNTRIES = [
    "AR",
    "BO",
    "BR",
    "CA",
    "CL",
    "CO",
    "CR",
    "CU",
    "SV",
    "GT",
    "MX",
    "PA",
    "PY",
    "PE",
    "DO",
    "UY",
    "CN",
    "KR",
    "IR",
    "ES",
    "BE",
    "IT",
    "EC",
    "JP",
    "RU",
    "DE",
]
SECTORS = {
    "medio-ambiente": ("Medio ambiente", "Environment"),
    "salud": ("Salud", "Health"),
    "educacion": ("Educación", "Education"),
    "agricultura": ("Agricultura", "Agriculture"),
    "riego-y-drenaje": ("Riego y drenaje", "Irrigation and drainage"),
    "gobernabilidad": ("Gobernabilidad", "Governance"),
    "proteccion-social": ("Protección social", "Social protection"),
    "energia": ("Energía", "Energy"),
}
LEVELS = {
    "provincial": ("Provincial", "Provincial"),
    "municipal": ("Municipal", "Municipal"),
    "parroquial": ("Parroquial", "Parish"),
    "regional": ("Regional", "Regional"),
}
COOPERATION_TYPES = {
    "no-reembolsable": ("No reembolsable", "Non-reimbursable"),
    "tecnica": ("Técnica", "Technical"),
}
# (class, weight, Spanish name, English name); networks are the first actors.
KINDS = (
    ("SubnationalGovernment", 85, "Gobierno subnacional sintético", "Synthetic subnational government"),
    ("CooperationAgency", 8, "Agencia de cooperación sintética", "Synthetic cooperation agency"),
    ("GovernmentAssociation", 7, "Asociación de gobiernos sintética", "Synthetic association of governments"),
)
NETWORK_LABELS = ("Red sintética", "Synthetic network")
LEVELLED = {"SubnationalGovernment", "GovernmentAssociation"}


class Lit(NamedTuple):
    """A literal: text with a language tag, or a plain string."""

    value: str
    lang: str | None = None


Term = str | Lit  # a str is an IRI
Triple = tuple[str, str, Term]


@dataclass(frozen=True)
class Vocabulary:
    """The concepts synthetic actors point at, and the triples declaring the ones not shipped."""

    countries: tuple[str, ...]
    sectors: tuple[str, ...]
    levels: tuple[str, ...]
    cooperation_types: tuple[str, ...]
    declarations: tuple[Triple, ...]


def synth_vocabulary(*, standalone: bool = False) -> Vocabulary:
    """Read the shipped concepts (unless `standalone`); declare fallbacks for missing kinds."""
    found = {} if standalone else _shipped_concepts()
    declared: list[Triple] = []
    countries = found.get("Country") or _declare_countries(declared)
    sectors = found.get("Sector") or _declare_concepts(declared, "Sector", "sector", "esquema-sectores", SECTORS)
    levels = found.get("GovernmentLevel") or _declare_concepts(
        declared, "GovernmentLevel", "nivel", "esquema-niveles-gobierno", LEVELS
    )
    types = found.get("CooperationType") or _declare_concepts(
        declared, "CooperationType", "tipo", "esquema-tipos-cooperacion", COOPERATION_TYPES
    )
    return Vocabulary(tuple(countries), tuple(sectors), tuple(levels), tuple(types), tuple(declared))


def synthetic_triples(*, actors: int, seed: int, vocabulary: Vocabulary) -> Iterator[Triple]:
    """The synthetic graph as triples, in a fixed order: same arguments, same sequence."""
    if actors < 1:
        raise ValueError("actors must be at least 1")
    rng = random.Random(seed)
    yield from _reference()
    yield from vocabulary.declarations
    networks = [f"{SYNTH}actor-{i}" for i in range(1, max(1, actors // 100) + 1)]
    weights = [kind[1] for kind in KINDS]
    for i in range(1, actors + 1):
        iri = f"{SYNTH}actor-{i}"
        if i <= len(networks):
            cls, label_es, label_en, members = "Network", *NETWORK_LABELS, []
        else:
            cls, _, label_es, label_en = rng.choices(KINDS, weights)[0]
            members = sorted(rng.sample(networks, rng.randint(1, min(3, len(networks)))))
        yield iri, RDF_TYPE, CG + cls
        yield iri, RDFS + "label", Lit(f"{label_es} {i}", "es")
        yield iri, RDFS + "label", Lit(f"{label_en} {i}", "en")
        if cls in LEVELLED:
            yield iri, CG + "governmentLevel", rng.choice(vocabulary.levels)
        yield iri, CG + "country", rng.choice(vocabulary.countries)
        for sector in sorted(rng.sample(vocabulary.sectors, rng.randint(1, min(4, len(vocabulary.sectors))))):
            yield iri, CG + "sector", sector
        for network in members:
            yield iri, ORG + "memberOf", network
        yield iri, CG + "cooperationType", rng.choice(vocabulary.cooperation_types)
        yield iri, FOAF + "homepage", f"{HOMEPAGE_BASE}actor-{i}"
        yield iri, DCTERMS + "source", REFERENCE


def write_synthetic(
    out: TextIO, *, actors: int, seed: int, format: str = "turtle", vocabulary: Vocabulary | None = None
) -> int:
    """Stream the synthetic graph to `out`; return the number of triples written."""
    if format not in FORMATS:
        raise ValueError(f"unknown synthetic output format {format!r}; valid formats: {', '.join(FORMATS)}")
    vocabulary = vocabulary or synth_vocabulary()
    out.write(
        f"# Synthetic coopgraph data (not from the study): {actors} actors, seed {seed}.\n"
        "# Written by `coopgraph synth`; same arguments, same bytes.\n"
    )
    triples = synthetic_triples(actors=actors, seed=seed, vocabulary=vocabulary)
    if format == "ntriples":
        return _write_ntriples(out, triples)
    return _write_turtle(out, triples)


def _write_ntriples(out: TextIO, triples: Iterable[Triple]) -> int:
    count = 0
    for s, p, o in triples:
        out.write(f"<{s}> <{p}> {_nt(o)} .\n")
        count += 1
    return count


def _write_turtle(out: TextIO, triples: Iterable[Triple]) -> int:
    """Turtle grouped by consecutive subject; triples of one subject must be consecutive."""
    out.write("".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()))
    count, current = 0, None
    for s, p, o in triples:
        if s != current:
            out.write(" .\n" if current is not None else "")
            out.write(f"\n{_ttl(s)} {_ttl(p)} {_ttl(o)}")
            current = s
        else:
            out.write(f" ;\n    {_ttl(p)} {_ttl(o)}")
        count += 1
    out.write(" .\n" if current is not None else "")
    return count


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def _nt(term: Term) -> str:
    if isinstance(term, Lit):
        return f'"{_escape(term.value)}"' + (f"@{term.lang}" if term.lang else "")
    return f"<{term}>"


def _ttl(term: Term) -> str:
    if isinstance(term, Lit):
        return _nt(term)
    if term.startswith(SYNTH) and _SAFE_LOCAL.fullmatch(term, len(SYNTH)):
        return "synth:" + term[len(SYNTH) :]  # the many actor IRIs: skip the cache
    return _ttl_iri(term)


@functools.lru_cache(maxsize=4096)
def _ttl_iri(iri: str) -> str:
    if iri == RDF_TYPE:
        return "a"
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and _SAFE_LOCAL.fullmatch(iri, len(namespace)):
            return f"{prefix}:{iri[len(namespace) :]}"
    return f"<{iri}>"


def _reference() -> list[Triple]:
    return [
        (REFERENCE, RDF_TYPE, CG + "Reference"),
        (REFERENCE, RDFS + "label", Lit("Datos sintéticos de coopgraph", "es")),
        (REFERENCE, RDFS + "label", Lit("coopgraph synthetic data", "en")),
        (REFERENCE, DCTERMS + "creator", Lit("coopgraph synth")),
    ]


def _shipped_concepts() -> dict[str, list[str]]:
    """IRIs of the shipped countries (with an ISO notation), sectors, levels and cooperation types."""
    store = ox.Store()
    for path in sorted(resource_dir("graph").glob("*.ttl")):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    found: dict[str, list[str]] = {}
    for cls in ("Country", "Sector", "GovernmentLevel", "CooperationType"):
        notation = f" ; <{SKOS}notation> ?n " if cls == "Country" else ""
        query = f"SELECT DISTINCT ?x WHERE {{ ?x a <{CG}{cls}> {notation} FILTER(isIRI(?x)) }}"
        found[cls] = sorted(solution["x"].value for solution in solutions(store.query(query)))
    return found


def _declare_countries(declared: list[Triple]) -> list[str]:
    spanish = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["es"])
    iris = []
    for code in sorted(STUDY_COUNTRIES):
        country = pycountry.countries.get(alpha_2=code)
        if country is None:
            raise ValueError(f"pycountry has no country with alpha-2 code {code!r}")
        iri = f"{CGR}pais-{code.lower()}"
        declared += [
            (iri, RDF_TYPE, CG + "Country"),
            (iri, RDFS + "label", Lit(spanish.gettext(country.name), "es")),
            (iri, RDFS + "label", Lit(country.name, "en")),
            (iri, SKOS + "notation", Lit(code)),
            (iri, DCTERMS + "source", REFERENCE),
        ]
        iris.append(iri)
    return iris


def _declare_concepts(
    declared: list[Triple], cls: str, kind: str, scheme_slug: str, labels: dict[str, tuple[str, str]]
) -> list[str]:
    scheme = CGR + scheme_slug
    declared += [
        (scheme, RDF_TYPE, SKOS + "ConceptScheme"),
        (scheme, RDFS + "label", Lit(f"Esquema sintético: {scheme_slug}", "es")),
        (scheme, RDFS + "label", Lit(f"Synthetic scheme: {scheme_slug}", "en")),
        (scheme, DCTERMS + "source", REFERENCE),
    ]
    iris = []
    for slug, (es, en) in sorted(labels.items()):
        iri = f"{CGR}{kind}-{slug}"
        declared += [(iri, RDF_TYPE, CG + cls), (iri, RDF_TYPE, SKOS + "Concept")]
        for prop in (SKOS + "prefLabel", RDFS + "label"):
            declared += [(iri, prop, Lit(es, "es")), (iri, prop, Lit(en, "en"))]
        declared += [
            (iri, SKOS + "inScheme", scheme),
            (iri, SKOS + "topConceptOf", scheme),
            (iri, DCTERMS + "source", REFERENCE),
        ]
        iris.append(iri)
    return iris
