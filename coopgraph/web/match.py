"""Partner matching over HTTP: `/api/match`, `/api/partners/<IRI>/similar`, `/api/match/options` and the `/match` page.

The ranking itself is `coopgraph.core.matching`'s; this module reads and checks the
request, keeps one `MatchIndex` per app (rebuilt under a lock when the store
changed) and turns the engine's errors into the service's JSON errors.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, jsonify, request, url_for

from coopgraph.core import matching
from coopgraph.core.matching import MatchError, MatchIndex, UnknownResource
from coopgraph.core.matching.lookup import resolve_requester
from coopgraph.core.matching.results import Partner
from coopgraph.core.matching.weights import W_CHANNEL, W_PROXIMITY, W_RELEVANCE, WEAK_BELOW
from coopgraph.core.vocab import LANGS, Text, sparql_prefixes
from coopgraph.web.errors import ApiError
from coopgraph.web.state import INDEX_KEY, LOCK_KEY, Coopgraph, coopgraph
from coopgraph.web.ui import render_page

bp = Blueprint("match", __name__)

DEFAULT_LIMIT = 10
MAX_LIMIT = 50
MAX_NEED_CHARS = 500
SINGLE_KEYS = ("need", "requester", "kind", "country", "cooperation", "limit", "group", "lang", "format")
MATCH_KEYS = (*SINGLE_KEYS, "sector")
SIMILAR_KEYS = ("limit", "lang", "format")
FORMATS = ("json", "csv")
CSV_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"  # so that Excel on Windows reads the file as UTF-8 (accents)
OPTIONS_KEYS = ("lang", "requester")
BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
JSON_TYPES = ("application/json",)
COOPERATION_TYPES = (
    sparql_prefixes("cg", "skos")
    + """SELECT ?type ?label ?lang WHERE {
  ?type a cg:CooperationType ; skos:prefLabel ?label . FILTER(LANG(?label) = ?lang)
} ORDER BY LCASE(STR(?label))"""
)


@dataclass(frozen=True)
class MatchParams:
    """A checked match request: what `matching.match` takes."""

    need: str | None
    sectors: tuple[str, ...]
    requester: str | None
    kind: str | None
    country: str | None
    cooperation: str | None
    limit: int
    group: bool | None
    lang: str
    format: str = "json"


# --- the index ---------------------------------------------------------------------------------------------------


def match_index(state: Coopgraph | None = None) -> MatchIndex:
    """This app's index of the store, built on first use and again whenever the store changed (once, under a lock);
    in a worker of `coopgraph serve` that a write left with an older index, that one (`Coopgraph.stale_index`)."""
    state = state or coopgraph()
    index: MatchIndex | None = state.cache.get(INDEX_KEY)
    if index is not None and (state.stale_index or index.is_current(state.store)):
        return index
    lock = state.cache.setdefault(LOCK_KEY, threading.Lock())
    with lock:
        index = state.cache.get(INDEX_KEY)
        if index is None or not index.is_current(state.store):
            index = MatchIndex.build(state.store)
            state.cache[INDEX_KEY] = index
    return index


# --- views -------------------------------------------------------------------------------------------------------


@bp.route("/api/match", methods=["GET", "POST"])
def match() -> Response:
    """Ranked, explained partners for a need (GET parameters or a POST JSON body with the same keys)."""
    params = parse_match(_json_body() if request.method == "POST" else _args(MATCH_KEYS))
    try:
        result = matching.match(
            match_index(),
            params.need,
            sectors=params.sectors,
            requester=params.requester,
            kind=params.kind,
            country=params.country,
            cooperation=params.cooperation,
            limit=params.limit,
            group=params.group,
            lang=params.lang,
        )
    except (MatchError, UnknownResource) as error:
        raise _engine_error(error) from None
    if params.format == "csv":
        return _csv_response(result.results, params.lang, "socios" if params.lang == "es" else "partners")
    return jsonify(result.to_json())


@bp.get("/api/partners/<path:iri>/similar", merge_slashes=False)
def similar(iri: str) -> Response:
    """The actors most like one actor (shared sectors, networks, kind), each with its explanation."""
    values = _args(SIMILAR_KEYS)
    limit, lang, form = _limit(values.get("limit")), _lang(values.get("lang")), _format(values.get("format"))
    try:
        result = matching.similar(match_index(), iri, limit=limit, lang=lang)
    except (MatchError, UnknownResource) as error:
        raise _engine_error(error) from None
    if form == "csv":
        return _csv_response(result.results, lang, "parecidos" if lang == "es" else "similar")
    return jsonify(result.to_json())


@bp.get("/api/match/options")
def options() -> Response:
    """What the page's pickers offer: kinds of partner, requesters (provinces), kinds of cooperation (for a
    provincial requester, only those it may manage), sectors, limits."""
    values = _args(OPTIONS_KEYS)
    lang = _lang(values.get("lang"))
    requester = _text("requester", values.get("requester"))
    state = coopgraph()
    index = match_index(state)
    rows = state.store.query(COOPERATION_TYPES, substitutions={ox.Variable("lang"): ox.Literal(lang)})
    assert isinstance(rows, ox.QuerySolutions)  # a SELECT
    cooperation = [{"iri": str(row["type"].value), "label": str(row["label"].value)} for row in rows]
    scope: list[dict[str, str]] | None = None
    if requester is not None:
        try:
            who = resolve_requester(index, requester)
        except (MatchError, UnknownResource) as error:
            raise _engine_error(error) from None
        if who.provincial and index.scope_types:
            cooperation = [row for row in cooperation if row["iri"] in index.scope_accepted]
            scope = [{"iri": t, "label": index.label(t, lang)} for t in index.scope_types]
    return jsonify(
        {
            "lang": lang,
            "kinds": [{"key": key, "label": label} for key, label in index.kinds(lang).items()],
            "requesters": [{"iri": iri, "code": code, "label": label} for iri, code, label in index.requesters(lang)],
            "cooperation": cooperation,
            "cooperation_scope": scope,
            "sectors": [
                {"iri": iri, "label": label, "broader": broader} for iri, label, broader in index.sector_options(lang)
            ],
            "limit": {"default": DEFAULT_LIMIT, "max": MAX_LIMIT},
        }
    )


@bp.get("/match")
def page() -> Response:
    """The "Buscar socios / Find partners" page; `?need=&requester=...` prefills and runs, `?similar=IRI` too."""
    views = current_app.view_functions
    return render_page(
        "match.html",
        strings=PAGE_STRINGS,
        prefill={
            **{key: request.args.get(key, "") for key in (*SINGLE_KEYS, "similar")},
            "sector": request.args.getlist("sector"),
        },
        explore_url=url_for("explore.page") if "explore.page" in views else "",
        query_url=url_for("pages.query") if "pages.query" in views else url_for("sparql.sparql"),
    )


# --- reading and checking requests ---------------------------------------------------------------------------------


def parse_match(values: Mapping[str, Any]) -> MatchParams:
    """Check a match request's values (from the query string or a JSON object); ApiError 400 when unusable."""
    unknown = sorted(set(values) - set(MATCH_KEYS))
    if unknown:
        raise _bad(
            Text(
                f"parámetro(s) desconocido(s) {', '.join(unknown)}; se aceptan: {', '.join(MATCH_KEYS)}",
                f"unknown parameter(s) {', '.join(unknown)}; accepted: {', '.join(MATCH_KEYS)}",
            )
        )
    text = {key: _text(key, values.get(key)) for key in ("need", "requester", "kind", "country", "cooperation")}
    sectors = _sectors(values.get("sector"))
    need = text["need"]
    if need is not None and len(need) > MAX_NEED_CHARS:
        raise _bad(
            Text(
                f"la necesidad es demasiado larga ({len(need)} caracteres; máximo {MAX_NEED_CHARS})",
                f"the need is too long ({len(need)} characters; at most {MAX_NEED_CHARS})",
            )
        )
    if need is None and not sectors:
        raise _bad(
            Text(
                "indique qué necesita: dé 'need' (texto libre, p. ej. 'riego y drenaje') o al menos un 'sector'",
                "say what you need: give 'need' (free text, e.g. 'riego y drenaje') or at least one 'sector'",
            )
        )
    return MatchParams(
        need=need,
        sectors=sectors,
        requester=text["requester"],
        kind=text["kind"],
        country=text["country"],
        cooperation=text["cooperation"],
        limit=_limit(values.get("limit")),
        group=_bool("group", values.get("group")),
        lang=_lang(values.get("lang")),
        format=_format(values.get("format")),
    )


def _args(keys: tuple[str, ...]) -> dict[str, Any]:
    """The query string as a dict: `sector` as a list, every other key at most once; unknown keys refused."""
    unknown = sorted(set(request.args) - set(keys))
    if unknown:
        raise _bad(
            Text(
                f"parámetro(s) desconocido(s) {', '.join(unknown)}; se aceptan: {', '.join(keys)}",
                f"unknown parameter(s) {', '.join(unknown)}; accepted: {', '.join(keys)}",
            )
        )
    values: dict[str, Any] = {}
    for key in request.args:
        given = request.args.getlist(key)
        if key == "sector":
            values[key] = given
        elif len(given) > 1:
            raise _bad(Text(f"dé '{key}' una sola vez, no {len(given)}", f"give '{key}' once, not {len(given)} times"))
        else:
            values[key] = given[0]
    return values


def _json_body() -> dict[str, Any]:
    """The POST body: a UTF-8 JSON object (415 for another media type, 400 when it does not parse, 413 too big)."""
    if request.args:
        raise _bad(
            Text(
                f"POST recibe sus parámetros en el cuerpo JSON, no en la URL ({', '.join(sorted(request.args))})",
                f"POST takes its parameters in the JSON body, not in the URL ({', '.join(sorted(request.args))})",
            )
        )
    media_type = (request.mimetype or "").lower()
    if media_type not in JSON_TYPES and not media_type.endswith("+json"):
        raise ApiError(
            415,
            "Unsupported Media Type",
            Text(
                f"envíe un objeto JSON como application/json; se recibió {media_type or 'ningún Content-Type'}",
                f"POST a JSON object as application/json; got {media_type or 'no Content-Type'}",
            ),
        )
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ApiError(415, "Unsupported Media Type", f"the body must be UTF-8, not {charset!r}")
    raw = request.get_data(cache=False)  # past max_body_bytes this raises 413
    try:
        body = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise _bad(Text("el cuerpo no es UTF-8 válido", f"the body is not valid UTF-8: {error}")) from None
    except json.JSONDecodeError as error:
        raise _bad(
            Text(
                f"el cuerpo no es JSON válido (línea {error.lineno}, columna {error.colno})",
                f"the body is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})",
            ),
            line=error.lineno,
            column=error.colno,
        ) from None
    except RecursionError:  # nesting deeper than the parser's recursion allows
        raise _bad(Text("el JSON se anida demasiado", "the JSON nests too deeply")) from None
    except ValueError:  # a number too long to convert (over 4300 digits)
        raise _bad(
            Text("el JSON tiene un número demasiado largo", "the JSON holds a number too long to read")
        ) from None
    if not isinstance(body, dict):
        raise _bad(
            Text(
                f"el cuerpo debe ser un objeto JSON con las claves {', '.join(MATCH_KEYS)}",
                f"the body must be a JSON object with keys {', '.join(MATCH_KEYS)}, not {type(body).__name__}",
            )
        )
    return body


def _text(key: str, value: Any) -> str | None:
    """A text value, stripped; empty or absent is None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(Text(f"'{key}' debe ser un texto", f"'{key}' must be a string, not {type(value).__name__}"))
    return value.strip() or None


def _sectors(value: Any) -> tuple[str, ...]:
    """`sector`: one string or a list of strings (IRIs or codes); empty ones dropped."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    return tuple(text for item in items if (text := _text("sector", item)) is not None)


def _limit(value: Any) -> int:
    """`limit`: an integer from 1 to MAX_LIMIT (default DEFAULT_LIMIT)."""
    if value is None or value == "":
        return DEFAULT_LIMIT
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise _bad(
            Text(f"'limit' debe ser un entero de 1 a {MAX_LIMIT}", f"'limit' must be an integer from 1 to {MAX_LIMIT}")
        )
    try:
        limit = int(value)
    except ValueError:
        raise _bad(
            Text(
                f"'limit' debe ser un entero de 1 a {MAX_LIMIT}, no {value!r}",
                f"'limit' must be an integer from 1 to {MAX_LIMIT}, not {value!r}",
            )
        ) from None
    if not 1 <= limit <= MAX_LIMIT:
        raise _bad(
            Text(
                f"'limit' debe estar entre 1 y {MAX_LIMIT}, no {limit}",
                f"'limit' must be from 1 to {MAX_LIMIT}, not {limit}",
            )
        )
    return limit


def _bool(key: str, value: Any) -> bool | None:
    """A yes/no value: true/false, 1/0, yes/no (or a JSON boolean); empty or absent is None (the default)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in BOOLEANS:
        return BOOLEANS[value.strip().lower()]
    raise _bad(
        Text(
            f"'{key}' debe ser true o false, no {value!r}",
            f"'{key}' must be true or false, not {value!r}",
        )
    )


def _format(value: Any) -> str:
    """`format`: json (default) or csv (the list as a spreadsheet)."""
    if value is None or value == "":
        return "json"
    if value not in FORMATS:
        raise _bad(
            Text(
                f"'format' debe ser {' o '.join(FORMATS)}, no {value!r}",
                f"'format' must be one of {', '.join(FORMATS)}, not {value!r}",
            )
        )
    return str(value)


def _lang(value: Any) -> str:
    """`lang`: es (default) or en."""
    if value is None or value == "":
        return "es"
    if value not in LANGS:
        raise _bad(
            Text(f"'lang' debe ser es o en, no {value!r}", f"'lang' must be one of {', '.join(LANGS)}, not {value!r}")
        )
    return str(value)


# --- the list as CSV ---------------------------------------------------------------------------------------------

CSV_COLUMNS: tuple[tuple[str, Text], ...] = (
    ("rank", Text("n.º", "rank")),
    ("label", Text("socio", "partner")),
    ("iri", Text("IRI", "IRI")),
    ("kind", Text("tipo", "kind")),
    ("country", Text("país", "country")),
    ("score", Text("puntuación", "score")),
    ("strength", Text("coincidencia", "match")),
    ("part.theme", Text("tema", "theme")),
    ("part.way", Text("forma de cooperar", "way of cooperating")),
    ("part.place", Text("territorio", "territory")),
    ("part.actor", Text("actor nombrado", "actor named")),
    ("part.kind", Text("tipo pedido", "kind asked")),
    ("part.relevance", Text("pertinencia", "relevance")),
    ("part.proximity", Text("cercanía", "proximity")),
    ("part.channel", Text("canal", "channel")),
    ("why", Text("por qué", "why")),
    ("group", Text("también (canales, partes, pares)", "also (channels, parts, peers)")),
    ("homepage", Text("sitio web", "website")),
    ("email", Text("correo", "e-mail")),
)
"""The CSV's columns: key, header (es, en). The score's parts are empty where the need has no such facet."""


def partners_csv(partners: tuple[Partner, ...], lang: str) -> str:
    """The ranked partners as CSV text (RFC 4180, CRLF) with a BOM, headers in `lang`: one row per partner."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header(lang) for _, header in CSV_COLUMNS])
    for rank, partner in enumerate(partners, 1):
        group = ""
        if partner.group is not None:
            names = [label for _, label in partner.group.members]
            if partner.group.more:
                names.append(
                    (f"{'al menos ' if partner.group.at_least else ''}{partner.group.more} más")
                    if lang == "es"
                    else f"{'at least ' if partner.group.at_least else ''}{partner.group.more} more"
                )
            group = f"{partner.group.label}: {'; '.join(names)}"
        country = partner.country or {}
        row: dict[str, object] = {
            "rank": rank,
            "label": partner.label,
            "iri": partner.iri,
            "kind": partner.kind,
            "country": country.get("label") or country.get("code") or "",
            "score": f"{partner.score:.4f}",
            "strength": partner.strength,
            **{f"part.{key}": f"{value:.4f}" for key, value in partner.components.items()},
            "why": partner.why,
            "group": group,
            "homepage": " ".join(partner.contact.get("homepage", ())),
            "email": " ".join(address.removeprefix("mailto:") for address in partner.contact.get("email", ())),
        }
        writer.writerow([row.get(key, "") for key, _ in CSV_COLUMNS])
    return BOM + out.getvalue()


def _csv_response(partners: tuple[Partner, ...], lang: str, name: str) -> Response:
    return Response(
        partners_csv(partners, lang).encode("utf-8"),
        headers={"Content-Type": CSV_TYPE, "Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


# --- errors ------------------------------------------------------------------------------------------------------


def _bad(message: Text, **details: Any) -> ApiError:
    return ApiError(400, "Bad Request", message, **details)


def _engine_error(error: MatchError | UnknownResource) -> ApiError:
    """MatchError -> 400; UnknownResource -> 404 with the value not found and its suggestions (close matches)."""
    if isinstance(error, UnknownResource):
        return ApiError(404, "Not Found", error.text, value=error.value, suggestions=error.suggestions)
    if error.details.get("suggestions"):
        return ApiError(400, "Bad Request", error.text, suggestions=error.details["suggestions"])
    return ApiError(400, "Bad Request", error.text)


PAGE_STRINGS: dict[str, Text] = {
    "any": Text("(cualquiera)", "(any)"),
    "none": Text("(ninguno)", "(none)"),
    "and": Text(" y ", " and "),
    "loading": Text("Buscando socios…", "Finding partners…"),
    "loadingOptions": Text("Cargando opciones…", "Loading options…"),
    "count": Text("{n} socios para «{need}»", "{n} partners for “{need}”"),
    "countSimilar": Text("{n} actores parecidos a {label}", "{n} actors similar to {label}"),
    "noResults": Text(
        "Ningún socio con una base explícita en el grafo para esta necesidad y estos filtros.",
        "No partner with a stated basis in the graph for this need and these filters.",
    ),
    "emptyNeed": Text(
        "Escriba qué necesita (p. ej. «agua potable») o elija un sector.",
        "Type what you need (e.g. “drinking water”) or pick a sector.",
    ),
    "error": Text("Error: {message}", "Error: {message}"),
    "suggest": Text("¿Quiso decir…?", "Did you mean…?"),
    "pickSector": Text("o elija un sector de la lista", "or pick a sector from the list"),
    "read": Text("El grafo leyó:", "The graph read:"),
    "facet.themes": Text("tema", "theme"),
    "facet.ways": Text("forma de cooperar", "way of cooperating"),
    "facet.places": Text("territorio", "territory"),
    "facet.actors": Text("actor", "actor"),
    "facet.kinds": Text("tipo de socio", "kind of partner"),
    "matchedBy": Text("por «{matched}»", "by “{matched}”"),
    "requester": Text("Solicitante: {label}", "Requester: {label}"),
    "scope": Text(
        "Un GAD provincial solo gestiona {types} (su competencia de cooperación internacional).",
        "A provincial government manages only {types} (its international cooperation competence).",
    ),
    "legal": Text(
        "Base legal de la solicitante para cooperar ({n}), la misma para todos los socios",
        "The requester's legal basis to cooperate ({n}), the same for every partner",
    ),
    "rank": Text("n.º {rank}", "#{rank}"),
    "strength.direct": Text("coincidencia directa", "direct match"),
    "strength.indirect": Text("coincidencia indirecta", "indirect match"),
    "strength.weak": Text("coincidencia débil", "weak match"),
    "strengthTitle.direct": Text(
        "El socio declara lo que pide la necesidad (o es canal de un país que lo declara).",
        "The partner states what the need asks (or is a channel of a country that does).",
    ),
    "strengthTitle.indirect": Text(
        "Por un tema más amplio o más estrecho, un espacio, la clasificación CAD-OCDE o una palabra relacionada.",
        "Through a broader or narrower theme, a space, the OECD-DAC classification or a related word.",
    ),
    "strengthTitle.weak": Text(
        f"Pertinencia menor que {WEAK_BELOW}: un vínculo lejano con lo que pide la necesidad.",
        f"Relevance under {WEAK_BELOW}: a distant link to what the need asks.",
    ),
    "parts": Text("Puntuación:", "Score:"),
    "part.relevance": Text("pertinencia", "relevance"),
    "part.theme": Text("tema", "theme"),
    "part.way": Text("forma de cooperar", "way of cooperating"),
    "part.place": Text("territorio", "territory"),
    "part.actor": Text("actor nombrado", "actor named"),
    "part.kind": Text("tipo", "kind"),
    "part.proximity": Text("cercanía", "proximity"),
    "part.channel": Text("canal", "channel"),
    "part.sectors": Text("sectores en común", "shared sectors"),
    "part.networks": Text("redes en común", "shared networks"),
    "formula": Text(
        f"puntuación = pertinencia · ({W_RELEVANCE} + {W_PROXIMITY} · cercanía + {W_CHANNEL} · canal); la "
        "pertinencia combina tema, forma de cooperar, territorio, actor y tipo pedidos",
        f"score = relevance · ({W_RELEVANCE} + {W_PROXIMITY} · proximity + {W_CHANNEL} · channel); relevance "
        "combines the theme, way of cooperating, territory, actor and kind asked",
    ),
    "group": Text("y {n} más de {label}:", "and {n} more of {label}:"),
    "andMore": Text("y {n} más", "and {n} more"),
    "andAtLeastMore": Text("y al menos {n} más", "and at least {n} more"),
    "websiteOf": Text("Sitio web de {label}", "Website of {label}"),
    "contact": Text("Contacto:", "Contact:"),
    "noContact": Text(
        "El estudio no da sitio web ni correo de este socio.", "The study gives no website or e-mail for it."
    ),
    "details": Text("Explicación y fuentes ({n})", "Explanation and sources ({n})"),
    "csvName": Text("socios.csv", "partners.csv"),
    "explore": Text("explorar", "explore"),
    "sparql": Text("SPARQL", "SPARQL"),
    "describeTitle": Text(
        "Ver los datos de {iri} (consulta SPARQL DESCRIBE)",
        "See the data of {iri} (SPARQL DESCRIBE query)",
    ),
    "exploreTitle": Text("Ver {iri} en la red", "See {iri} in the network"),
    "similarLink": Text("Actores parecidos", "Similar actors"),
    "type.sector": Text("Sector", "Sector"),
    "type.register": Text("Registro", "Register"),
    "type.path": Text("Vínculo", "Connection"),
    "type.mechanism": Text("Mecanismo", "Mechanism"),
    "type.space": Text("Espacio", "Space"),
    "type.legal": Text("Base legal", "Legal basis"),
    "type.cooperation": Text("Cooperación", "Cooperation"),
    "type.kind": Text("Tipo", "Kind"),
    "type.network": Text("Red", "Network"),
    "type.way": Text("Forma de cooperar", "Way of cooperating"),
    "type.place": Text("Territorio", "Territory"),
    "type.actor": Text("Actor", "Actor"),
}
"""(Spanish, English) texts the page's script shows (cg.t(key) in match.js)."""
