"""Where the shipped data folders are, from a source tree or an installed wheel.

The repository's top-level data folders (`ontology/`, `shapes/`, `queries/`,
`graph/` with the curated Turtle, and `service/` with the pages' templates and
static files) are loaded by the code. The wheel carries them inside the package
as `coopgraph/_shipped/<name>` (see pyproject.toml); in a source tree (or an
editable install) they sit beside the `coopgraph` package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

ResourceName = Literal["ontology", "shapes", "queries", "graph", "service"]
RESOURCE_NAMES: tuple[str, ...] = get_args(ResourceName)

_PACKAGE_DIR = Path(__file__).resolve().parents[1]


def resource_dir(name: ResourceName) -> Path:
    """Return the folder holding the shipped resource `name`.

    >>> resource_dir("graph").name
    'graph'
    >>> (resource_dir("graph") / "actors.ttl").is_file()
    True
    """
    if name not in RESOURCE_NAMES:
        raise ValueError(f"unknown resource {name!r}; expected one of {', '.join(RESOURCE_NAMES)}")
    shipped = _PACKAGE_DIR / "_shipped" / name
    if shipped.is_dir():
        return shipped
    return _PACKAGE_DIR.parent / name
