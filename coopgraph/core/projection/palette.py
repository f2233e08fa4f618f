"""The colour of each kind of node (from `rules.KIND_COLOURS`) and what a drawing derives from it.

>>> kind_colour("network"), kind_colour("no-such-kind") == OTHER_COLOUR
('#d62728', True)
>>> rgb("#0b6e4f"), text_colour("#0b6e4f"), text_colour("#c7c7c7")
((11, 110, 79), '#ffffff', '#000000')
"""

from __future__ import annotations

from coopgraph.core.projection.rules import KIND_COLOURS, OTHER_COLOUR

__all__ = ["KIND_COLOURS", "OTHER_COLOUR", "kind_colour", "rgb", "text_colour"]


def kind_colour(kind: str) -> str:
    """The kind's colour (`#rrggbb`); OTHER_COLOUR for a kind the rules do not name."""
    return KIND_COLOURS.get(kind, OTHER_COLOUR)


def rgb(colour: str) -> tuple[int, int, int]:
    """`#rrggbb` as (red, green, blue), 0-255."""
    value = colour.removeprefix("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _luminance(colour: str) -> float:
    """WCAG relative luminance."""
    channels = [c / 255 for c in rgb(colour)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def text_colour(fill: str) -> str:
    """Black or white, whichever contrasts more with `fill` (text written on a node of that colour)."""
    lum = _luminance(fill)
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"
