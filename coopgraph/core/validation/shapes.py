"""The shapes, the ontology and the shipped data as rdflib graphs: parsed once per process, copied for callers."""

from __future__ import annotations

import functools
from pathlib import Path

import rdflib

from coopgraph.core.resources import resource_dir


def shapes_dir() -> Path:
    """The folder of the SHACL shape files."""
    return resource_dir("shapes")


@functools.lru_cache(maxsize=8)
def _parse_folder(folder: str, pattern: str) -> rdflib.Graph:
    """Parse every file matching `pattern` in `folder`, once per process; callers must not change it."""
    files = sorted(Path(folder).glob(pattern))
    if not files:
        raise FileNotFoundError(f"no {pattern} files in {folder}")
    graph = rdflib.Graph()
    for path in files:
        graph.parse(path, format="turtle")
    return graph


def cached_shapes(directory: Path | None = None) -> rdflib.Graph:
    """The shapes graph shared by every validation of the process: read it, never change it."""
    return _parse_folder(str(directory or shapes_dir()), "*.ttl")


def cached_ontology(directory: Path | None = None) -> rdflib.Graph:
    """The ontology graph shared by every validation of the process: read it, never change it."""
    return _parse_folder(str(directory or resource_dir("ontology")), "*.ttl")


def load_shapes(*, directory: Path | None = None) -> rdflib.Graph:
    """A copy of the shapes graph (every `shapes/*.ttl`, loaded together)."""
    return copy_graph(cached_shapes(directory))


def load_ontology(*, directory: Path | None = None) -> rdflib.Graph:
    """A copy of the ontology (every `ontology/*.ttl`; `owl:imports` is not followed)."""
    return copy_graph(cached_ontology(directory))


def load_shipped_data() -> rdflib.Graph:
    """The shipped instance data and codelists (`graph/*.ttl`, `graph/codelists/*.ttl`)."""
    data = resource_dir("graph")
    graph = rdflib.Graph()
    for path in sorted(data.glob("*.ttl")) + sorted((data / "codelists").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def copy_graph(graph: rdflib.Graph, *, cls: type[rdflib.Graph] = rdflib.Graph, store: str = "default") -> rdflib.Graph:
    """A new graph of class `cls`, over a new rdflib store of kind `store`, with the triples and prefixes of `graph`."""
    copy = cls(store=store)
    for prefix, namespace in graph.namespaces():
        copy.bind(prefix, namespace, override=False)
    copy += graph
    return copy
