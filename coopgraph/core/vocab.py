"""The vocabulary every module speaks: namespaces, prefixes, the two languages, and bilingual text.

Namespaces are plain strings (`CG + "Network"`); wrap them where a library
wants its own term type (`rdflib.URIRef`, `pyoxigraph.NamedNode`).

    >>> CG + "Network"
    'https://w3id.org/coopgraph/def#Network'
    >>> PREFIXES["skos"] == SKOS
    True
    >>> greeting = Text(es="Hola", en="Hello")
    >>> greeting("en"), greeting("es"), greeting("fr")
    ('Hello', 'Hola', 'Hola')
    >>> pick("en", "sí", "yes")
    'yes'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# ---------------------------------------------------------------- namespaces

CG = "https://w3id.org/coopgraph/def#"
"""The ontology's terms (classes and properties)."""
CGR = "https://w3id.org/coopgraph/id/"
"""Instance data: the resources of the graph."""
CGSH = "https://w3id.org/coopgraph/shapes#"
"""The SHACL shapes."""
IATI = "https://w3id.org/coopgraph/iati/"
"""The IATI codelists as SKOS (`IATI + "Sector/11110"`)."""
SYNTH = CGR + "synth/"
"""Synthetic data for scale tests and benchmarks."""
GRAPH_BASE = "https://w3id.org/coopgraph/graph/"
"""The named graphs of the store."""
ONTOLOGY_IRI = "https://w3id.org/coopgraph/def"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ORG = "http://www.w3.org/ns/org#"
FOAF = "http://xmlns.com/foaf/0.1/"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
SH = "http://www.w3.org/ns/shacl#"
SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
FORMATS = "http://www.w3.org/ns/formats/"

RDF_TYPE = RDF + "type"
LABEL = RDFS + "label"
PREF_LABEL = SKOS + "prefLabel"
ALT_LABEL = SKOS + "altLabel"
HIDDEN_LABEL = SKOS + "hiddenLabel"
NOTATION = SKOS + "notation"
XSD_STRING = XSD + "string"
RDF_LANG_STRING = RDF + "langString"

PREFIXES: dict[str, str] = {
    "cg": CG,
    "cgr": CGR,
    "cgsh": CGSH,
    "iati": IATI,
    "synth": SYNTH,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "org": ORG,
    "foaf": FOAF,
    "dcterms": DCTERMS,
    "prov": PROV,
    "sh": SH,
}
"""The graph's prefixes: for compact display, Turtle output and query editors."""


def prefixes(*names: str) -> dict[str, str]:
    """Some of PREFIXES, in the order given.

    >>> prefixes("cg", "skos")
    {'cg': 'https://w3id.org/coopgraph/def#', 'skos': 'http://www.w3.org/2004/02/skos/core#'}
    """
    return {name: PREFIXES[name] for name in names}


def sparql_prefixes(*names: str) -> str:
    """PREFIX lines for a SPARQL query (all of PREFIXES when no name is given).

    >>> sparql_prefixes("cg")
    'PREFIX cg: <https://w3id.org/coopgraph/def#>\\n'
    """
    chosen = prefixes(*names) if names else PREFIXES
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in chosen.items())


# ---------------------------------------------------------------- languages

Lang = Literal["es", "en"]
LANGS: tuple[Lang, ...] = ("es", "en")
"""The graph's languages, Spanish first (the study's language)."""
DEFAULT_LANG: Lang = "es"


def check_lang(value: object) -> Lang:
    """`value` if it is one of LANGS, else ValueError (with a bilingual message).

    >>> check_lang("en")
    'en'
    """
    if value == "es" or value == "en":
        return value
    raise ValueError(f"unknown language {value!r}: use es or en / idioma desconocido: use es o en")


def pick(lang: str, es: str, en: str) -> str:
    """The English text for `en`, else the Spanish one (Spanish is the default)."""
    return en if lang == "en" else es


@dataclass(frozen=True)
class Text:
    """A text in Spanish and English: `text(lang)` gives one, falling back to Spanish."""

    es: str
    en: str

    def __call__(self, lang: str) -> str:
        return pick(lang, self.es, self.en)

    def to_json(self) -> dict[str, str]:
        return {"es": self.es, "en": self.en}
