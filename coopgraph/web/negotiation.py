"""Content negotiation as data: media types and `format` names for each kind of result.

`choose(kind, accept=..., format=...)` is pure: the `format` parameter (a
name such as `csv` or a media type) wins over the Accept header; with
neither, or `*/*`, the first format of the kind is the default.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pyoxigraph as ox

Serializer = ox.QueryResultsFormat | ox.RdfFormat


@dataclass(frozen=True)
class Format:
    """A result format: its names (for `format=`), media types (first is sent) and pyoxigraph serializer."""

    names: tuple[str, ...]
    media_types: tuple[str, ...]
    serializer: Serializer

    @property
    def media_type(self) -> str:
        return self.media_types[0]


TABULAR: tuple[Format, ...] = (
    Format(("json", "srj"), ("application/sparql-results+json", "application/json"), ox.QueryResultsFormat.JSON),
    Format(
        ("xml", "srx"), ("application/sparql-results+xml", "application/xml", "text/xml"), ox.QueryResultsFormat.XML
    ),
    Format(("csv",), ("text/csv",), ox.QueryResultsFormat.CSV),
    Format(("tsv",), ("text/tab-separated-values",), ox.QueryResultsFormat.TSV),
)
GRAPH: tuple[Format, ...] = (
    Format(("turtle", "ttl"), ("text/turtle", "application/x-turtle"), ox.RdfFormat.TURTLE),
    Format(("ntriples", "nt"), ("application/n-triples", "text/plain"), ox.RdfFormat.N_TRIPLES),
    Format(("jsonld", "json-ld", "json"), ("application/ld+json", "application/json"), ox.RdfFormat.JSON_LD),
    Format(("rdfxml", "rdf", "xml"), ("application/rdf+xml", "application/xml", "text/xml"), ox.RdfFormat.RDF_XML),
    Format(("nquads", "nq"), ("application/n-quads",), ox.RdfFormat.N_QUADS),
    Format(("trig",), ("application/trig",), ox.RdfFormat.TRIG),
)
KINDS: dict[str, tuple[Format, ...]] = {"solutions": TABULAR, "boolean": TABULAR, "graph": GRAPH}
MAX_RANGES = 64


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges with their q-values, best first (stable for equal q); malformed q counts as 0.

    Only the first MAX_RANGES ranges count (a header is the client's to make as long as it likes).
    """
    ranges: list[tuple[str, float]] = []
    for part in (header or "").split(",", MAX_RANGES)[:MAX_RANGES]:
        media, *params = (piece.strip() for piece in part.split(";"))
        if not media:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        ranges.append((media.lower(), quality))
    return sorted(ranges, key=lambda item: -item[1])


def _matches(media_range: str, media_type: str) -> bool:
    if media_range in ("*/*", "*"):
        return True
    if media_range.endswith("/*"):
        return media_type.startswith(media_range[:-1])
    return media_range == media_type


def choose(kind: str, *, accept: str | None = None, format: str | None = None) -> Format | None:
    """The format to answer with for a result `kind` (solutions, boolean, graph), or None (406)."""
    formats = KINDS[kind]
    if format:
        wanted = format.strip().lower()
        for fmt in formats:
            if wanted in fmt.names or wanted in fmt.media_types:
                return fmt
        return None
    ranges = parse_accept(accept)
    if not ranges:
        return formats[0]
    refused = {media for media, quality in ranges if quality == 0.0}
    for media_range, quality in ranges:
        if quality == 0.0:
            break
        for fmt in formats:
            for media_type in fmt.media_types:
                if _matches(media_range, media_type) and media_type not in refused:
                    # Answer with the media type that matched, first of the format's others.
                    rest = tuple(m for m in fmt.media_types if m != media_type)
                    return replace(fmt, media_types=(media_type, *rest))
    return None


def offered(kind: str) -> list[str]:
    """The media types a kind of result can be sent as (for 406 messages)."""
    return [fmt.media_type for fmt in KINDS[kind]]
