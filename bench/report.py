"""Markdown tables for the benchmark scripts' results (one row per dict, columns in first-seen order)."""

from __future__ import annotations

import io
from typing import Any


def markdown(rows: list[dict[str, Any]]) -> str:
    """A Markdown table; floats with two decimals, missing cells as an em dash."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    out = io.StringIO()
    out.write("| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n")
    for row in rows:
        cells = [f"{row[c]:.2f}" if isinstance(row.get(c), float) else str(row.get(c, "—")) for c in columns]
        out.write("| " + " | ".join(cells) + " |\n")
    return out.getvalue()
