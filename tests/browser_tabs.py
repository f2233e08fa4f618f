"""A browser tab on one site that records (and aborts) every request leaving it: pages must work offline."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def site_tab(browser: Any, site_url: str, **context_options: Any) -> Iterator[Any]:
    """A fresh tab whose relative URLs go to `site_url`; fails afterwards if the page reached anywhere else."""
    context = browser.new_context(base_url=site_url, **context_options)
    outside: list[str] = []

    def only_site(route: Any) -> None:
        if route.request.url.startswith(site_url) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_site)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    try:
        yield tab
    finally:
        context.close()
    assert not outside, f"the page tried to reach outside the site (no CDN allowed): {outside}"


@contextmanager
def watched_tab(browser: Any, site_url: str, **context_options: Any) -> Iterator[Any]:
    """`site_tab`, also failed afterwards by any uncaught error or console error of the page."""
    problems: list[str] = []
    with site_tab(browser, site_url, **context_options) as tab:
        tab.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
        tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        yield tab
    assert not problems, problems
