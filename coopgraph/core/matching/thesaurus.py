"""The thesaurus: how officers say what the graph names (thesaurus.toml, shipped inside the package).

Entries tie words (Spanish and English) to one resource of the graph with a
relation (synonym, narrower, related) that sets how strong a term read from
them is; kinds tie words to a kind of partner. The file is language, not
facts: who works on what stays in the graph.

>>> thesaurus = load_thesaurus()
>>> sorted({entry.relation for entry in thesaurus.entries}) == sorted(RELATION_STRENGTH)
True
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from coopgraph.core.vocab import CG, CGR

THESAURUS_FILE = Path(__file__).with_name("thesaurus.toml")
RELATION_STRENGTH: dict[str, float] = {"synonym": 0.9, "narrower": 0.8, "related": 0.6}
"""How strong a term read through the thesaurus is, by the relation of the words to the resource."""


@dataclass(frozen=True)
class Entry:
    """Words (`phrases`: (text, language)) for one resource of the graph (`target`, a full IRI)."""

    target: str
    relation: str
    phrases: tuple[tuple[str, str], ...]

    @property
    def strength(self) -> float:
        return RELATION_STRENGTH[self.relation]


@dataclass(frozen=True)
class Thesaurus:
    entries: tuple[Entry, ...]
    kinds: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    """(kind key, phrases naming it)."""


def _expand(compact: str) -> str:
    if compact.startswith("cgr:"):
        return CGR + compact[4:]
    if compact.startswith("cg:"):
        return CG + compact[3:]
    raise ValueError(f"thesaurus target {compact!r} is not a cgr: or cg: compact IRI")


def _phrases(table: dict[str, object], where: str) -> tuple[tuple[str, str], ...]:
    found = []
    for lang in ("es", "en"):
        values = table.get(lang, [])
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            raise ValueError(f"{where}: '{lang}' must be a list of non-empty strings")
        found += [(value, lang) for value in values]
    if not found:
        raise ValueError(f"{where}: no words")
    return tuple(found)


def load_thesaurus(path: Path = THESAURUS_FILE) -> Thesaurus:
    """Read and check the thesaurus; ValueError names the entry at fault."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    entries = []
    for position, table in enumerate(data.get("entry", []), start=1):
        where = f"{path.name}: entry {position}"
        unknown = set(table) - {"target", "relation", "es", "en"}
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        relation = table.get("relation")
        if relation not in RELATION_STRENGTH:
            raise ValueError(f"{where}: relation must be one of {', '.join(RELATION_STRENGTH)}, not {relation!r}")
        entries.append(Entry(_expand(str(table.get("target", ""))), relation, _phrases(table, where)))
    kinds = []
    for position, table in enumerate(data.get("kind", []), start=1):
        where = f"{path.name}: kind {position}"
        if not table.get("key"):
            raise ValueError(f"{where}: needs a key")
        kinds.append((str(table["key"]), _phrases(table, where)))
    return Thesaurus(tuple(entries), tuple(kinds))
