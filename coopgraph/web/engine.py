"""The SPARQL engine `coopgraph serve --store sparql` serves from: its URLs and timeouts, and the store on it.

The front keeps it as an `EngineConfig`, hands it to the data holder as JSON
(credentials never travel: the holder reads them from the environment it
inherits, as the command line does), and the holder opens the `SparqlStore`
its app and workers use.

Timeouts: the holder's warm-up (the partner-matching index, read from the
engine) waits up to `timeout` (`--store-timeout`) for each answer. A request
then waits less than the service's one time limit (`query_timeout_s`):
`request_wait` seconds, so that a slow engine is answered 504 (the engine
named) before the front stops the request (503 Query timeout). The same
seconds go to the engine as the protocol parameter `timeout`, which Fuseki
and GraphDB apply themselves; Oxigraph server ignores it (start it with
`--timeout-s`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from coopgraph.core.store import SparqlStore

REQUEST_SHARE = 0.9
"""The share of the time limit a request waits for the engine."""


@dataclass(frozen=True)
class EngineConfig:
    """Where the engine is (query, update, optional Graph Store Protocol URLs) and how long to wait for it."""

    query_url: str
    update_url: str
    gsp_url: str | None = None
    timeout: float = 30.0

    def urls(self) -> list[str]:
        return [url for url in (self.query_url, self.update_url, self.gsp_url) if url]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EngineConfig:
        return cls(**data)

    def request_wait(self, query_timeout_s: float) -> float:
        """Seconds a request waits for the engine (and the engine's own limit where it takes one)."""
        return max(0.1, min(self.timeout, query_timeout_s * REQUEST_SHARE))

    def open(self) -> SparqlStore:
        """The store on the engine, credentials from COOPGRAPH_STORE_USER / COOPGRAPH_STORE_PASSWORD."""
        return SparqlStore.from_env(
            query_url=self.query_url, update_url=self.update_url, gsp_url=self.gsp_url, timeout=self.timeout
        )


def for_requests(store: SparqlStore, config: EngineConfig, query_timeout_s: float) -> None:
    """Narrow `store`'s waits to a request's (after the warm-up, before the workers are forked)."""
    wait = config.request_wait(query_timeout_s)
    if store.engine is not None:
        store.engine.timeout = wait
    store.server_timeout = wait
