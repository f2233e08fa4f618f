"""The register list read from the store once, so that filtering and paging cost no further reads.

An officer's list request filters by province, kind, words, partner, sector, status and year, then pages. Reading
the store for every record on every request costs ~150 ms at 10,000 records; `Listing` (kept by the service until
the next write drops it) reads the records' dates, statuses and provinces once, and what only a search needs
(words, partners, sectors) at the first search that needs it, so that each further request is a pass over small
tuples.
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
    """What every list request shows or filters a record by."""

    kind: str
    cls: str
    iri: str
    date: str
    status: str
    provinces: frozenset[str]


class Listing:
    """Every register record's `Summary`, newest date first; `search` answers the list requests from it.

    What only some searches need (a record's words, partners, sectors) is read at the first search that needs it,
    for every record, and kept too."""

    def __init__(self, store: ox.Store) -> None:
        self._store = store
        self.summaries = sorted(self._summaries(), key=lambda s: (s.kind, s.date, s.iri), reverse=True)
        self._words: dict[str, str] | None = None
        self._sectors: dict[str, frozenset[str]] | None = None
        self._partners: dict[str, tuple[frozenset[str], tuple[str, ...]]] | None = None
        self._labels: dict[tuple[str, str], str] = {}

    def search(self, found: RecordFilter, *, lang: str = "es", limit: int = 100, offset: int = 0) -> dict[str, Any]:
        """The records `found` keeps, `limit` of them from `offset`, how many in all, and the years to pick from
        (of the records of the filter's province and kind, whatever the other filters)."""
        words = fold(found.q).split()
        sectors = sector_and_matches(self._store, found.sector) if found.sector else set()
        statuses = status_iris(found.status) if found.status else set()
        province = province_iri(found.province) if found.province else ""
        partner = found.partner.strip()
        folded_partner = fold(partner)
        texts = self._record_words() if words else {}
        themes = self._record_sectors() if sectors else {}
        partners = self._record_partners() if partner else {}
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
                or (words and not all(word in texts[summary.iri] for word in words))
                or (sectors and not sectors & themes[summary.iri])
            ):
                continue
            if partner:
                actors, names = partners[summary.iri]
                if partner not in actors and not any(folded_partner in name for name in names):
                    continue
            kept.append(summary)
        rows = [
            {
                "iri": summary.iri,
                "kind": summary.kind,
                "type": summary.cls,
                "typeLabel": self._label(summary.cls, lang),
                "label": self._title(summary, lang),
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

    def _summaries(self) -> list[Summary]:
        seen: set[str] = set()
        found: list[Summary] = []
        for kind, classes in LISTED.items():
            for cls in classes:
                for quad in self._store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(cls), REGISTER):
                    record = quad.subject
                    if isinstance(record, ox.NamedNode) and record.value not in seen:
                        seen.add(record.value)
                        found.append(self._summary(kind, cls, record))
        return found

    def _summary(self, kind: str, cls: str, record: ox.NamedNode) -> Summary:
        def first(prop: str) -> str:
            got = values(self._store, record, prop)
            return got[0].value if got else ""

        return Summary(
            kind=kind,
            cls=cls,
            iri=record.value,
            date=first(DATE_OF[kind]),
            status=first(STATUS_OF[kind]) if kind in STATUS_OF else "",
            provinces=frozenset(value.value for value in values(self._store, record, CG + "registerProvince")),
        )

    # Read at the first search that needs them; two requests racing both read them: the same result, no harm.

    def _record_words(self) -> dict[str, str]:
        """Each record's titles and its IRI's last segment, folded (accents and case ignored)."""
        if self._words is None:
            self._words = {
                summary.iri: fold(" ".join([*self._titles(summary.iri), summary.iri.rsplit("/", 1)[-1]]))
                for summary in self.summaries
            }
        return self._words

    def _record_sectors(self) -> dict[str, frozenset[str]]:
        if self._sectors is None:
            self._sectors = {
                summary.iri: frozenset(record_sectors(self._store, ox.NamedNode(summary.iri)))
                for summary in self.summaries
            }
        return self._sectors

    def _record_partners(self) -> dict[str, tuple[frozenset[str], tuple[str, ...]]]:
        """Each record's partners: the IRIs of its parties' and participating organisations' actors, and their
        names (the party's own, the actor's es/en labels), folded."""
        if self._partners is None:
            actor_names: dict[str, tuple[str, ...]] = {}  # an actor's folded labels, read once for all records
            partners: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {}
            for summary in self.summaries:
                actors: set[str] = set()
                names: list[str] = []
                for node in organisations(self._store, ox.NamedNode(summary.iri)):
                    found = [value.value for value in values(self._store, node, CG + "actor")]
                    actors.update(found)
                    names += [fold(value.value) for value in values(self._store, node, CG + "orgName")]
                    for actor in found:
                        if actor not in actor_names:
                            actor_names[actor] = tuple(fold(label(self._store, actor, lang)) for lang in ("es", "en"))
                        names += actor_names[actor]
                partners[summary.iri] = (frozenset(actors), tuple(names))
            self._partners = partners
        return self._partners

    def _titles(self, iri: str) -> list[str]:
        return [value.value for value in values(self._store, ox.NamedNode(iri), LABEL) if isinstance(value, ox.Literal)]

    def _title(self, summary: Summary, lang: str) -> str:
        titles = [
            value for value in values(self._store, ox.NamedNode(summary.iri), LABEL) if isinstance(value, ox.Literal)
        ]
        return next((t.value for t in titles if t.language == lang), "") or next(
            (t.value for t in titles if t.language == "es"), summary.iri
        )

    def _label(self, iri: str, lang: str) -> str:
        if (iri, lang) not in self._labels:
            self._labels[iri, lang] = label(self._store, iri, lang)
        return self._labels[iri, lang]


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
