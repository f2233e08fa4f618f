"""Where the shipped data folders are, from a source tree or an installed wheel.

The wheel carries the top-level folders `ontology/`, `shapes/` and `queries/`
inside the package as `graph/_shipped/<name>` (see pyproject.toml); in a
source tree (or an editable install) they sit beside the package. The curated
instance data is package data, `graph/data/`, in both cases.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

ResourceName = Literal["ontology", "shapes", "queries", "data"]
RESOURCE_NAMES: tuple[str, ...] = ("ontology", "shapes", "queries", "data")

_PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: ResourceName) -> Path:
    """Return the folder holding the shipped resource `name`.

    The folder may not exist (e.g. `shapes/` before it is written); callers
    globbing it then simply find no files.

    >>> resource_dir("data").name
    'data'
    """
    if name not in RESOURCE_NAMES:
        raise ValueError(f"unknown resource {name!r}; expected one of {', '.join(RESOURCE_NAMES)}")
    if name == "data":
        return _PACKAGE_DIR / "data"
    shipped = _PACKAGE_DIR / "_shipped" / name
    if shipped.is_dir():
        return shipped
    return _PACKAGE_DIR.parent / name
