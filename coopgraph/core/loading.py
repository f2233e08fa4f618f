"""Loading the shipped graphs into a store: first start, upgrades, rebuilds.

The shipped Turtle goes into three named graphs (vocabulary contract, see
ontology/README.md). A content hash of the shipped files is kept in a small
metadata graph, so a store built by an older release reloads the shipped
graphs when the files change, and leaves them alone otherwise.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from coopgraph.core.resources import resource_dir
from coopgraph.core.store import Progress, Store, StoreError, solutions
from coopgraph.core.vocab import GRAPH_BASE

ONTOLOGY_GRAPH = GRAPH_BASE + "ontology"
DATA_GRAPH = GRAPH_BASE + "data"
CODELISTS_GRAPH = GRAPH_BASE + "codelists"
META_GRAPH = GRAPH_BASE + "meta"
LOCAL_GRAPH = GRAPH_BASE + "local"
"""Where `coopgraph load FILE` puts a user's own files unless told otherwise."""
SHIPPED_GRAPHS = (ONTOLOGY_GRAPH, DATA_GRAPH, CODELISTS_GRAPH)
SHIPPED_HASH = "https://w3id.org/coopgraph/meta#shippedDataHash"
DATA_DIR_ENV = "COOPGRAPH_DATA_DIR"


@dataclass(frozen=True)
class LoadSummary:
    """What `ensure_loaded` or `rebuild` did: `loaded`, `upgraded`, `rebuilt` or `current`."""

    status: str
    triples: dict[str, int] = field(default_factory=dict)


def default_data_dir() -> Path:
    """The on-disk store's folder: `$COOPGRAPH_DATA_DIR`, else the user data dir."""
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    return platformdirs.user_data_path("coopgraph") / "store"


def shipped_sources() -> dict[str, list[Path]]:
    """The shipped Turtle files of each shipped graph, sorted by name."""
    data = resource_dir("graph")
    return {
        ONTOLOGY_GRAPH: sorted(resource_dir("ontology").glob("*.ttl")),
        DATA_GRAPH: sorted(data.glob("*.ttl")),
        CODELISTS_GRAPH: sorted((data / "codelists").glob("*.ttl")),
    }


def shipped_hash(sources: dict[str, list[Path]] | None = None) -> str:
    """A SHA-256 over the shipped graphs' file names and contents."""
    digest = hashlib.sha256()
    for graph, paths in sorted((sources or shipped_sources()).items()):
        for path in paths:
            content = path.read_bytes()
            digest.update(f"{graph}\0{path.name}\0{len(content)}\0".encode())
            digest.update(content)
    return digest.hexdigest()


def stored_hash(store: Store) -> str | None:
    """The hash recorded by the last load of the shipped graphs, if any."""
    result = store.query(f"SELECT ?h WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> <{SHIPPED_HASH}> ?h }} }}")
    values = [solution["h"].value for solution in solutions(result)]
    return values[0] if len(values) == 1 else None


def ensure_loaded(store: Store, *, progress: Progress | None = None) -> LoadSummary:
    """Load the shipped graphs on first start, reload them when the shipped files changed."""
    sources = shipped_sources()
    digest = shipped_hash(sources)
    previous = stored_hash(store)
    if previous == digest:
        return LoadSummary("current")
    counts = _load_shipped(store, sources, digest, progress=progress)
    return LoadSummary("loaded" if previous is None else "upgraded", counts)


def rebuild(store: Store, *, progress: Progress | None = None) -> LoadSummary:
    """Reload the shipped graphs now, whatever the recorded hash says."""
    sources = shipped_sources()
    return LoadSummary("rebuilt", _load_shipped(store, sources, shipped_hash(sources), progress=progress))


def _load_shipped(
    store: Store, sources: dict[str, list[Path]], digest: str, *, progress: Progress | None
) -> dict[str, int]:
    """Replace the shipped graphs all at once; record the hash after, so an interrupted load is redone."""
    if not any(sources.values()):
        raise StoreError("no shipped data found (ontology/*.ttl, graph/*.ttl): is the install complete?")
    counts = store.replace_graphs(sources, progress=progress)
    store.update(
        f"DROP SILENT GRAPH <{META_GRAPH}> ;\n"
        f'INSERT DATA {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> <{SHIPPED_HASH}> "{digest}" }} }}'
    )
    return counts
