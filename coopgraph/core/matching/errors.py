"""The two ways a match request fails: unusable input, or a resource the graph does not hold."""

from __future__ import annotations

from typing import Any


class MatchError(ValueError):
    """Unusable input (empty need, no theme matched, bad limit, kind, lang, country or cooperation).

    `message` is English; `message_es` the same in Spanish, for the page.
    """

    def __init__(self, message: str, *, message_es: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.message_es = message_es or message
        self.details = details

    def text(self, lang: str = "en") -> str:
        """The message in `lang` ("es" or "en")."""
        return self.message_es if lang == "es" else self.message


class UnknownResource(LookupError):
    """The requester or actor is not in the graph; `suggestions` are close matches by label or code."""

    def __init__(
        self,
        message: str,
        *,
        message_es: str | None = None,
        value: str = "",
        suggestions: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.message_es = message_es or message
        self.value = value
        self.suggestions: list[dict[str, str]] = suggestions or []

    def text(self, lang: str = "en") -> str:
        """The message in `lang` ("es" or "en")."""
        return self.message_es if lang == "es" else self.message
