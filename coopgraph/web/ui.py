"""What every HTML page shares: the language (Spanish first), the navigation, rendering with both."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Response, current_app, make_response, render_template, request

from coopgraph.core.vocab import LANGS, Text, pick

LANG_COOKIE = "coopgraph_lang"
NAV: tuple[tuple[str, Text], ...] = (
    ("pages.query", Text("Consulta SPARQL", "SPARQL query")),
    ("match.page", Text("Buscar socios", "Find partners")),
    ("explore.page", Text("Explorar la red", "Explore the network")),
    ("register.page", Text("Registro", "Register")),
)
"""(endpoint, name): a page is listed once its blueprint is registered."""


def page_lang() -> str:
    """`?lang=` if valid, else the cookie a previous choice left, else Spanish."""
    asked = request.args.get("lang", "")
    if asked in LANGS:
        return asked
    remembered = request.cookies.get(LANG_COOKIE, "")
    return remembered if remembered in LANGS else "es"


def render_page(template: str, *, strings: dict[str, Text] | None = None, **context: Any) -> Response:
    """Render `template` (which extends base.html) in the page language.

    `strings` maps keys to the texts the page's script needs; the template
    gets them, in the page language, as `strings` (base.html embeds them as
    JSON for `cg.t(key)` in coopgraph.js). Templates pick a text with
    `tr("español", "English")` (vocab.pick).
    """
    lang = page_lang()
    other = "en" if lang == "es" else "es"
    switch_args = request.args.to_dict(flat=False) | {"lang": [other]}
    nav = [(endpoint, name(lang)) for endpoint, name in NAV if endpoint in current_app.view_functions]
    response = make_response(
        render_template(
            template,
            lang=lang,
            other_lang=other,
            lang_switch_href="?" + urlencode(switch_args, doseq=True),
            tr=lambda es, en: pick(lang, es, en),
            nav=nav,
            strings={key: text(lang) for key, text in (strings or {}).items()},
            **context,
        )
    )
    if request.args.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax")
    return response
