"""Scoring the engine against an evaluation set: hit@k, MRR and how diverse the top k is.

A set is a TOML file of `[[need]]` tables: `id`, `text` and/or `sectors`,
`lang`, `requester`, optional `kind`, `country`, `cooperation`, the `expected`
partners (compact `cgr:` IRIs; any one counts), `why` (the passage of the study
behind them) and optional `tags` (what the need tests: paraphrase, typo, way,
territory, kind...). Two sets ship with the tests: `tests/match_eval.toml`
(23 needs in the study's own wording: a regression set) and
`tests/match_dev.toml` (needs written the way officers type them: the
development set).

A result counts for an expected partner when it is that partner, or the
group it stands for holds it (a country's channels, a parent's parts, one
country's peers: "and 4 more channels of Spain"). Diversity: how many
distinct countries or parents (groups.place_of) the top k holds, averaged
over the needs.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coopgraph.core.matching.engine import MAX_LIMIT, match
from coopgraph.core.matching.errors import MatchError, UnknownResource
from coopgraph.core.matching.index import MatchIndex
from coopgraph.core.vocab import CGR

TESTS = Path(__file__).resolve().parents[3] / "tests"
DEFAULT_SET = TESTS / "match_eval.toml"
"""The regression set of the source tree (not shipped in the wheel)."""
DEV_SET = TESTS / "match_dev.toml"
"""The development set of the source tree: needs as officers type them."""
_KEYS = {"id", "text", "sectors", "lang", "requester", "kind", "country", "cooperation", "expected", "why", "tags"}


@dataclass(frozen=True)
class EvalNeed:
    """One need of the evaluation set."""

    id: str
    text: str | None
    sectors: tuple[str, ...]
    lang: str
    requester: str | None
    kind: str | None
    country: str | None
    cooperation: str | None
    expected: tuple[str, ...]
    why: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvalRow:
    """How one need fared: rank of the first result holding an expected partner (None if not in the top
    MAX_LIMIT), the results, and the distinct countries or parents of the top k."""

    need: EvalNeed
    rank: int | None
    top: tuple[str, ...]
    places: int = 0
    error: str | None = None


@dataclass(frozen=True)
class EvalReport:
    """Per-need rows, hit@k, mean reciprocal rank and the mean number of distinct countries or parents in the top k."""

    rows: tuple[EvalRow, ...]
    k: int

    @property
    def hit_at_k(self) -> float:
        return sum(1 for row in self.rows if row.rank is not None and row.rank <= self.k) / len(self.rows)

    @property
    def mrr(self) -> float:
        return sum(1.0 / row.rank for row in self.rows if row.rank) / len(self.rows)

    @property
    def distinct(self) -> float:
        """Mean number of distinct countries or parents among the top k results."""
        return sum(row.places for row in self.rows) / len(self.rows)

    @property
    def answered(self) -> int:
        """Needs that got an answer (no error)."""
        return sum(1 for row in self.rows if row.error is None)

    def by_tag(self) -> dict[str, tuple[int, float]]:
        """tag -> (needs, hit@k) over the needs with that tag."""
        tags = sorted({tag for row in self.rows for tag in row.need.tags})
        found = {}
        for tag in tags:
            rows = [row for row in self.rows if tag in row.need.tags]
            found[tag] = (len(rows), sum(1 for r in rows if r.rank is not None and r.rank <= self.k) / len(rows))
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "needs": len(self.rows),
            "answered": self.answered,
            f"hit@{self.k}": round(self.hit_at_k, 4),
            "mrr": round(self.mrr, 4),
            f"distinct@{self.k}": round(self.distinct, 4),
            "by_tag": {tag: {"needs": n, f"hit@{self.k}": round(hit, 4)} for tag, (n, hit) in self.by_tag().items()},
            "rows": [
                {
                    "id": row.need.id,
                    "rank": row.rank,
                    "hit": row.rank is not None and row.rank <= self.k,
                    "top": list(row.top[: self.k]),
                    "distinct": row.places,
                    "error": row.error,
                }
                for row in self.rows
            ],
        }


def _iri(value: str) -> str:
    return CGR + value[4:] if value.startswith("cgr:") else value


def load_eval_set(path: Path = DEFAULT_SET) -> list[EvalNeed]:
    """Read and check an evaluation set; ValueError names the entry at fault."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ValueError(f"cannot read the evaluation set {path}: {error}") from None
    needs = []
    for position, entry in enumerate(data.get("need", []), start=1):
        where = f"{path}: need {position} ({entry.get('id', '?')})"
        unknown = set(entry) - _KEYS
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        if not entry.get("id") or not entry.get("expected") or not (entry.get("text") or entry.get("sectors")):
            raise ValueError(f"{where}: needs an id, a text or sectors, and expected partners")
        needs.append(
            EvalNeed(
                id=entry["id"],
                text=entry.get("text"),
                sectors=tuple(entry.get("sectors", ())),
                lang=entry.get("lang", "es"),
                requester=entry.get("requester"),
                kind=entry.get("kind"),
                country=entry.get("country"),
                cooperation=entry.get("cooperation"),
                expected=tuple(_iri(value) for value in entry["expected"]),
                why=entry.get("why", ""),
                tags=tuple(entry.get("tags", ())),
            )
        )
    if not needs:
        raise ValueError(f"{path}: no [[need]] entries")
    ids = [need.id for need in needs]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: duplicate ids")
    return needs


def holds(index: MatchIndex, partner: str, group_key: str | None) -> set[str]:
    """The partners a result stands for: itself, and the group it folds (its key and members)."""
    found = {partner}
    if group_key is not None:
        found.add(group_key)
        found.update(index.members.get(group_key, ()))
    return found


def evaluate(index: MatchIndex, needs: list[EvalNeed], *, k: int = 5) -> EvalReport:
    """Run every need (top MAX_LIMIT) and rank its first expected partner; a failing need scores 0."""
    rows = []
    for need in needs:
        try:
            result = match(
                index,
                need.text,
                sectors=need.sectors,
                requester=need.requester,
                kind=need.kind,
                country=need.country,
                cooperation=need.cooperation,
                limit=MAX_LIMIT,
                lang=need.lang,
            )
        except (MatchError, UnknownResource) as error:
            rows.append(EvalRow(need, None, (), error=str(error)))
            continue
        top = tuple(partner.iri for partner in result.results)
        expected = set(need.expected)
        rank = next(
            (
                position
                for position, partner in enumerate(result.results, start=1)
                if expected & holds(index, partner.iri, partner.group.key if partner.group else None)
            ),
            None,
        )
        places = len({index.place_of.get(iri, iri) for iri in top[:k]})
        rows.append(EvalRow(need, rank, top, places))
    return EvalReport(tuple(rows), k)
