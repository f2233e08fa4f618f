"""The register list as one read of the store: each record's summary, so that filtering and paging cost no reads.

An officer's list request filters by province, kind, words, partner, sector, status and year, then pages. Reading
the store for every record on every request costs ~150 ms at 10,000 records; reading it once into `Listing` (kept
by the service until the next write drops it) makes each further request a pass over small tuples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from coopgraph.core.forms.reading import (
    DATE_OF,
    LISTED,
    STATUS_OF,
    RecordFilter,
    fold,
    label,
    organisations,
    record_sectors,
    sector_and_matches,
    status_iris,
    values,
)
from coopgraph.core.forms.records import REGISTER
from coopgraph.core.iati.model import province_iri
from coopgraph.core.vocab import CG, LABEL, RDF_TYPE


@dataclass(frozen=True)
class Summary:
    """What the list shows and filters a record by, read once."""

    kind: str
    cls: str
    iri: str
    date: str
    status: str
    provinces: frozenset[str]
    titles: tuple[tuple[str, str], ...]
    """(language, title) pairs, in the store's order."""
    words: str
    """Titles and the IRI's last segment, folded (accents and case ignored)."""
    sectors: frozenset[str]
    partners: frozenset[str]
    """The IRIs of the actors of its parties and participating organisations."""
    partner_names: tuple[str, ...]
    """Their names (the party's own, the actor's es/en labels), folded."""

    def title(self, lang: str) -> str:
        return next((t for lg, t in self.titles if lg == lang), "") or next(
            (t for lg, t in self.titles if lg == "es"), self.iri
        )


class Listing:
    """Every register record's `Summary`, newest date first; `search` answers the list requests from it."""

    def __init__(self, store: ox.Store) -> None:
        self._store = store
        self.summaries = sorted(_summaries(store), key=lambda s: (s.kind, s.date, s.iri), reverse=True)
        self._labels: dict[tuple[str, str], str] = {}

    def search(self, found: RecordFilter, *, lang: str = "es", limit: int = 100, offset: int = 0) -> dict[str, Any]:
        """The records `found` keeps, `limit` of them from `offset`, how many in all, and the years to pick from
        (of the records of the filter's province and kind, whatever the other filters)."""
        words = fold(found.q).split()
        sectors = sector_and_matches(self._store, found.sector) if found.sector else set()
        statuses = status_iris(found.status) if found.status else set()
        province = province_iri(found.province) if found.province else ""
        wanted_partner = fold(found.partner.strip())
        kept: list[Summary] = []
        years: set[str] = set()
        for summary in self.summaries:
            if (found.kind and summary.kind != found.kind) or (province and province not in summary.provinces):
                continue
            if summary.date:
                years.add(summary.date[:4])
            if (
                (found.year and not summary.date.startswith(found.year))
                or (statuses and summary.status not in statuses)
                or not all(word in summary.words for word in words)
                or (sectors and not sectors & summary.sectors)
            ):
                continue
            if found.partner and not (
                found.partner in summary.partners or any(wanted_partner in name for name in summary.partner_names)
            ):
                continue
            kept.append(summary)
        rows = [
            {
                "iri": summary.iri,
                "kind": summary.kind,
                "type": summary.cls,
                "typeLabel": self._label(summary.cls, lang),
                "label": summary.title(lang),
                "date": summary.date,
                "status": summary.status,
                "statusLabel": self._label(summary.status, lang) if summary.status else "",
            }
            for summary in kept[offset : offset + limit]
        ]
        return {
            "total": len(kept),
            "limit": limit,
            "offset": offset,
            "records": rows,
            "years": sorted(years, reverse=True),
        }

    def _label(self, iri: str, lang: str) -> str:
        if (iri, lang) not in self._labels:
            self._labels[iri, lang] = label(self._store, iri, lang)
        return self._labels[iri, lang]


def _summaries(store: ox.Store) -> list[Summary]:
    seen: set[str] = set()
    found: list[Summary] = []
    for kind, classes in LISTED.items():
        for cls in classes:
            for quad in store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(cls), REGISTER):
                record = quad.subject
                if isinstance(record, ox.NamedNode) and record.value not in seen:
                    seen.add(record.value)
                    found.append(_summary(store, kind, cls, record))
    return found


def _summary(store: ox.Store, kind: str, cls: str, record: ox.NamedNode) -> Summary:
    def first(prop: str) -> str:
        got = values(store, record, prop)
        return got[0].value if got else ""

    titles = tuple(
        (value.language or "", value.value) for value in values(store, record, LABEL) if isinstance(value, ox.Literal)
    )
    partners: set[str] = set()
    names: list[str] = []
    for node in organisations(store, record):
        actors = [value.value for value in values(store, node, CG + "actor")]
        partners.update(actors)
        names += [value.value for value in values(store, node, CG + "orgName")]
        names += [label(store, actor, lang) for actor in actors for lang in ("es", "en")]
    return Summary(
        kind=kind,
        cls=cls,
        iri=record.value,
        date=first(DATE_OF[kind]),
        status=first(STATUS_OF[kind]) if kind in STATUS_OF else "",
        provinces=frozenset(value.value for value in values(store, record, CG + "registerProvince")),
        titles=titles,
        words=fold(" ".join([*(t for _, t in titles), record.value.rsplit("/", 1)[-1]])),
        sectors=frozenset(record_sectors(store, record)),
        partners=frozenset(partners),
        partner_names=tuple(fold(name) for name in names),
    )


def search_records(
    store: ox.Store, found: RecordFilter, *, lang: str = "es", limit: int = 100, offset: int = 0
) -> dict[str, Any]:
    """`Listing(store).search(...)`, for a caller that lists once (the service keeps its `Listing` across requests)."""
    return Listing(store).search(found, lang=lang, limit=limit, offset=offset)


def list_records(store: ox.Store, province: str, *, lang: str = "es") -> list[dict[str, str]]:
    """The register records of `province` (an ISO code), newest date first: IRI, kind, type, title, date, status."""
    rows: list[dict[str, str]] = search_records(store, RecordFilter(province=province), lang=lang, limit=10**9)[
        "records"
    ]
    return rows
