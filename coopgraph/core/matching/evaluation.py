"""Scoring the engine against an evaluation set written from the study: hit@k and MRR.

The set is a TOML file of `[[need]]` tables (tests/match_eval.toml): `id`,
`text` and/or `sectors`, `lang`, `requester`, optional `kind`, `country`,
`cooperation`, the `expected` partners (compact `cgr:` IRIs; any one counts)
and `why` (the passage of the study behind them).
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

DEFAULT_SET = Path(__file__).resolve().parents[3] / "tests" / "match_eval.toml"
"""The evaluation set of the source tree (not shipped in the wheel)."""
_KEYS = {"id", "text", "sectors", "lang", "requester", "kind", "country", "cooperation", "expected", "why"}


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


@dataclass(frozen=True)
class EvalRow:
    """How one need fared: rank of the first expected partner (None if not in the top MAX_LIMIT)."""

    need: EvalNeed
    rank: int | None
    top: tuple[str, ...]
    error: str | None = None


@dataclass(frozen=True)
class EvalReport:
    """Per-need rows, hit@k and mean reciprocal rank."""

    rows: tuple[EvalRow, ...]
    k: int

    @property
    def hit_at_k(self) -> float:
        return sum(1 for row in self.rows if row.rank is not None and row.rank <= self.k) / len(self.rows)

    @property
    def mrr(self) -> float:
        return sum(1.0 / row.rank for row in self.rows if row.rank) / len(self.rows)

    def to_json(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "needs": len(self.rows),
            f"hit@{self.k}": round(self.hit_at_k, 4),
            "mrr": round(self.mrr, 4),
            "rows": [
                {
                    "id": row.need.id,
                    "rank": row.rank,
                    "hit": row.rank is not None and row.rank <= self.k,
                    "top": list(row.top[: self.k]),
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
            )
        )
    if not needs:
        raise ValueError(f"{path}: no [[need]] entries")
    ids = [need.id for need in needs]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: duplicate ids")
    return needs


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
        rank = next((position for position, iri in enumerate(top, start=1) if iri in need.expected), None)
        rows.append(EvalRow(need, rank, top))
    return EvalReport(tuple(rows), k)
