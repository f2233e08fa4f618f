"""The two ways a match request fails: unusable input, or a resource the graph does not hold.

Each error carries its message as a `Text` (Spanish and English): `error.text("es")`;
`str(error)` is the English one.
"""

from __future__ import annotations

from typing import Any

from coopgraph.core.vocab import LANGS, Lang, Text, check_lang


class MatchError(ValueError):
    """Unusable input (empty need, no theme matched, bad limit, kind, lang, country or cooperation)."""

    def __init__(self, text: Text, **details: Any) -> None:
        super().__init__(text.en)
        self.text = text
        self.details = details


class UnknownResource(LookupError):
    """The requester or actor is not in the graph; `suggestions` are close matches by label or code."""

    def __init__(self, text: Text, *, value: str = "", suggestions: list[dict[str, str]] | None = None) -> None:
        super().__init__(text.en)
        self.text = text
        self.value = value
        self.suggestions: list[dict[str, str]] = suggestions or []


def require_lang(lang: object) -> Lang:
    """`lang` if it is one of LANGS (`vocab.check_lang`), else MatchError with the engine's message."""
    try:
        return check_lang(lang)
    except ValueError:
        raise MatchError(
            Text(
                es=f"Idioma desconocido «{lang}»; válidos: {', '.join(LANGS)}.",
                en=f"Unknown language {lang!r}; valid: {', '.join(LANGS)}.",
            )
        ) from None
