"""The officers' register page (`/register`) and its small API: who a token is, the choices, the records, a save.

`POST /api/register/records` takes a form as JSON (coopgraph/core/forms),
builds the record's quads in Python and hands them to the write path
(`coopgraph.web.writes.write`): the same token check, province check, SHACL
gate and audit as any write. A refusal by the shapes (422) comes back with
`error.fields`: each result's messages under the form field it concerns.
Reads (choices, records, one record) are public, like the graph.
"""

from __future__ import annotations

import json
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, request

from coopgraph.core.forms import (
    KINDS,
    FormError,
    Listing,
    RecordFilter,
    field_of,
    read_form,
    read_record,
    record_change,
    view_record,
)
from coopgraph.core.forms.actors import Actor, actor_names, find_actors
from coopgraph.core.forms.fields import (
    ACTIVITY_STATUSES,
    AGREEMENT_TYPES,
    DEMAND_STATUSES,
    PRIORITIES,
    PROVINCE_CODE,
    ROLES,
)
from coopgraph.core.forms.records import AlreadySubmitted, EditedSince, RecordMissing
from coopgraph.core.iati.model import REGISTER_GRAPH, province_iri
from coopgraph.core.store import OxigraphStore, local_copy
from coopgraph.core.vocab import CG, IATI, LABEL, LANGS, NOTATION, Text, sparql_prefixes
from coopgraph.core.writes.audit import WRITE_BASE, history
from coopgraph.core.writes.delta import Delta
from coopgraph.core.writes.gate import AUDIT_GRAPH
from coopgraph.core.writes.remote import Seeds
from coopgraph.web.errors import ApiError
from coopgraph.web.headers import COMMIT_HEADER
from coopgraph.web.state import Coopgraph, coopgraph
from coopgraph.web.ui import render_page
from coopgraph.web.writes import authorise, write

bp = Blueprint("register", __name__)
OPTIONS_KEY = "register options"
ACTORS_KEY = "register actors"
LISTING_KEY = "register listing"
COPY_KEY = "register copy"
"""The cache key of the register's copy of an engine's data (dropped, like every derived view, by a write)."""

MEMBERS = (
    sparql_prefixes("rdfs", "skos")
    + """SELECT ?item (SAMPLE(?name) AS ?label) (SAMPLE(?code) AS ?notation) ?class ?lang WHERE {
  ?item a ?class .
  OPTIONAL { ?item rdfs:label|skos:prefLabel ?name . FILTER(LANG(?name) = ?lang) }
  OPTIONAL { ?item skos:notation ?code }
} GROUP BY ?item ?class ?lang ORDER BY LCASE(STR(?label))"""
)
"""Instances of ?class with a label in ?lang (bound by substitution) and their notation."""

STRINGS: dict[str, Text] = {
    "signed_in": Text("Conectado como {name}: registro de {province}.", "Signed in as {name}: register of {province}."),
    "signed_in_all": Text(
        "Conectado como {name}: puede escribir en todas las provincias.",
        "Signed in as {name}: may write for every province.",
    ),
    "bad_token": Text(
        "El token no es válido o fue revocado. Pida uno nuevo a su unidad de cooperación.",
        "The token is not valid or was revoked. Ask your cooperation unit for a new one.",
    ),
    "writes_off": Text(
        "Este servicio no acepta escrituras: aún no se ha creado ningún token.",
        "This service accepts no writes: no token has been made yet.",
    ),
    "need_sign_in": Text("Pegue su token para registrar y deshacer.", "Paste your token to record and undo."),
    "no_records": Text("Esta provincia no tiene registros todavía.", "This province has no records yet."),
    "no_writes": Text("Aún no hay escrituras suyas en el registro.", "No writes of yours in the register yet."),
    "saving": Text("Guardando…", "Saving…"),
    "saved": Text("Guardado: escritura {write}, registro {record}.", "Saved: write {write}, record {record}."),
    "unchanged": Text("Nada cambió: el registro ya decía eso.", "Nothing changed: the record already said that."),
    "refused_shapes": Text(
        "No se guardó nada: revise los campos marcados ({count}).",
        "Nothing was saved: check the fields marked ({count}).",
    ),
    "refused_form": Text(
        "No se guardó nada: revise los campos marcados.", "Nothing was saved: check the fields marked."
    ),
    "unauthorised": Text(
        "Su sesión no tiene un token válido: vuelva a pegarlo arriba. No se guardó nada.",
        "Your session has no valid token: paste it again above. Nothing was saved.",
    ),
    "forbidden": Text(
        "Su token es de {scope} y no puede escribir en el registro de {province}. No se guardó nada.",
        "Your token is for {scope} and cannot write to {province}'s register. Nothing was saved.",
    ),
    "conflict": Text(
        "Otra persona cambió este registro mientras tanto. Recargue la lista e inténtelo de nuevo.",
        "Someone else changed this record in the meantime. Reload the list and try again.",
    ),
    "edited_since": Text(
        "Otra persona cambió este registro desde que abrió el formulario: no se guardó nada. Lo que escribió sigue en "
        "el formulario; ábralo de nuevo con «Editar» para ver el registro actual.",
        "Someone else changed this record since you opened the form: nothing was saved. What you typed is still in "
        "the form; open it again with “Edit” to see the record as it is now.",
    ),
    "actor_none": Text(
        "Ningún actor del grafo con ese nombre: se guardará como una organización nueva.",
        "No actor of the graph by that name: it will be saved as a new organisation.",
    ),
    "actor_count": Text("{count} actores del grafo coinciden.", "{count} actors of the graph match."),
    "actor_linked": Text("Enlazada al actor del grafo: {label}", "Linked to the graph's actor: {label}"),
    "actor_list": Text("Actores del grafo", "Actors of the graph"),
    "sector": Text("Sector", "Sector"),
    "percentage": Text("Porcentaje", "Percentage"),
    "remove_sector": Text("Quitar", "Remove"),
    "missing": Text("Ese registro ya no existe.", "That record no longer exists."),
    "already_saved": Text(
        "Este formulario ya se guardó (registro {record}): no se guardó nada más.",
        "This form was already saved (record {record}): nothing more was saved.",
    ),
    "failed": Text("No se pudo guardar: {message}", "Could not save: {message}"),
    "network": Text("No se pudo contactar con el servicio: {message}", "Could not reach the service: {message}"),
    "undo": Text("Deshacer", "Undo"),
    "undone": Text("Escritura {write} deshecha (escritura {undo}).", "Write {write} undone (write {undo})."),
    "undo_conflict": Text(
        "No se puede deshacer {write}: escrituras posteriores cambiaron los mismos datos.",
        "{write} cannot be undone: later writes changed the same data.",
    ),
    "edit": Text("Editar", "Edit"),
    "view": Text("Ver", "View"),
    "editing": Text("Editando {record}", "Editing {record}"),
    "pick": Text("— Elija —", "— Pick —"),
    "none": Text("— Ninguno —", "— None —"),
    "added_removed": Text("+{added} / -{removed} tripletas", "+{added} / -{removed} triples"),
    "reverts": Text("deshace {write}", "undoes {write}"),
    "party": Text("Parte {n}", "Party {n}"),
    "party_name": Text("Nombre", "Name"),
    "party_role": Text("Rol", "Role"),
    "remove_party": Text("Quitar", "Remove"),
    "shown": Text("{from}\u2013{to} de {total} registros", "{from}\u2013{to} of {total} records"),
    "no_match": Text("Ningún registro cumple estos filtros.", "No record matches these filters."),
    "all": Text("— Todos —", "— All —"),
    "kind.agreement": Text("Instrumento", "Instrument"),
    "kind.activity": Text("Programa o proyecto", "Programme or project"),
    "kind.demand": Text("Demanda", "Demand"),
    "kind.report": Text("Informe", "Report"),
}
"""Texts the page's script shows, (Spanish, English)."""

RECORD_STRINGS: dict[str, Text] = {
    "missing": STRINGS["missing"],
    "network": STRINGS["network"],
    "kind.agreement": STRINGS["kind.agreement"],
    "kind.activity": STRINGS["kind.activity"],
    "kind.demand": STRINGS["kind.demand"],
    "kind.report": STRINGS["kind.report"],
    "field.type": Text("Clase", "Type"),
    "field.identifier": Text("Identificador IATI", "IATI identifier"),
    "field.title_es": Text("Título (español)", "Title (Spanish)"),
    "field.title_en": Text("Título (inglés)", "Title (English)"),
    "field.description": Text("Descripción", "Description"),
    "field.province": Text("Provincia", "Province"),
    "field.status": Text("Estado", "Status"),
    "field.priority": Text("Prioridad", "Priority"),
    "field.signed": Text("Firma", "Signed"),
    "field.valid_from": Text("Vigente desde", "Valid from"),
    "field.valid_until": Text("Vigente hasta", "Valid until"),
    "field.planned_start": Text("Inicio previsto", "Planned start"),
    "field.planned_end": Text("Fin previsto", "Planned end"),
    "field.stated": Text("Planteada el", "Stated on"),
    "field.report_date": Text("Fecha del informe", "Report date"),
    "field.partners": Text("Socios", "Partners"),
    "field.sectors": Text("Sectores", "Sectors"),
    "field.territories": Text("Territorios", "Territories"),
    "field.executes": Text("Ejecuta el instrumento", "Carries out the instrument"),
    "field.executedBy": Text("Programas y proyectos que lo ejecutan", "Programmes and projects carrying it out"),
    "field.sources": Text("Anotaciones (fuente)", "Entries (source)"),
    "no_writes": Text("Ninguna escritura auditada nombra este registro.", "No audited write names this record."),
    "edit": STRINGS["edit"],
    "entry_by": Text("{label} · {creator} · {when}", "{label} · {creator} · {when}"),
    "added_removed": STRINGS["added_removed"],
    "reverts": STRINGS["reverts"],
}
"""Texts the record page's script shows, (Spanish, English)."""


@bp.route("/register")
def page() -> Response:
    """The officers' page: sign in with a token, the province's records, the forms, the recent writes."""
    return render_page(
        "register.html",
        strings=STRINGS,
        province=request.args.get("province", "").upper(),
        register_graph=REGISTER_GRAPH,
    )


@bp.route("/register/record")
def record_page() -> Response:
    """One record of the register (`?iri=`): its fields in the page's language, its links into the graph, its writes."""
    return render_page("register-record.html", strings=RECORD_STRINGS, iri=request.args.get("iri", ""))


def register_data(state: Coopgraph) -> ox.Store:
    """The data the register reads, through pyoxigraph's own API: the embedded store itself, or, on a SPARQL
    engine, a copy of its graphs, made on first use and kept until a write through the service (a write behind
    its back is not seen until then, as with the matching index)."""
    if isinstance(state.store, OxigraphStore):
        return state.store.oxigraph
    kept: tuple[int, ox.Store] | None = state.cache.get(COPY_KEY)
    if kept is None or kept[0] != state.store.generation:
        kept = (state.store.generation, local_copy(state.store))
        state.cache[COPY_KEY] = kept
    return kept[1]


@bp.get("/api/register/view")
def view() -> Response:
    """One record of the register (`?iri=`, any kind) for its page, labelled in `?lang=`, with the audited writes
    that changed its triples (`writes`, newest first)."""
    iri = request.args.get("iri", "")
    store = register_data(coopgraph())
    found = view_record(store, iri, lang=_lang()) if iri.startswith("https://") else None
    if found is None:
        raise _missing()
    return jsonify({**found, "writes": _writes_naming(store, iri)})


def _writes_naming(store: ox.Store, iri: str) -> list[dict[str, Any]]:
    """The audited writes that added or removed a triple about `iri` (its subject): its creation, edits, undoings."""
    needles = (f"\nA <{iri}> ", f"\nD <{iri}> ")
    patch = ox.NamedNode(CG + "patch")
    ids = {
        quad.subject.value.removeprefix(WRITE_BASE)
        for quad in store.quads_for_pattern(None, patch, None, ox.NamedNode(AUDIT_GRAPH))
        if isinstance(quad.subject, ox.NamedNode)
        and isinstance(quad.object, ox.Literal)
        and any(needle in f"\n{quad.object.value}" for needle in needles)
    }
    return [record.__dict__ for record in history(store) if record.id in ids] if ids else []


@bp.get("/api/writes/whoami")
def whoami() -> Response:
    """The token of `Authorization: Bearer …`: its name and scope (`all` or a province's code); 401 otherwise."""
    token = authorise(coopgraph())
    return jsonify({"name": token.name, "scope": token.scope})


@bp.get("/api/register/options")
def options() -> Response:
    """The forms' choices, from the graph, labelled in `?lang=`: provinces, roles, kinds, sectors, territories…"""
    lang = _lang()
    state = coopgraph()
    cached: dict[str, Any] = state.cache.setdefault(OPTIONS_KEY, {})
    if lang not in cached:
        cached[lang] = _options(state, lang)
    return jsonify(cached[lang])


def _options(state: Coopgraph, lang: str) -> dict[str, Any]:
    store = register_data(state)

    def members(cls: str) -> list[dict[str, str]]:
        rows = _select(store, MEMBERS, {"class": ox.NamedNode(cls), "lang": ox.Literal(lang)})
        return [
            {"iri": row["item"], "label": row.get("label", row["item"]), "code": row.get("notation", "")}
            for row in rows
        ]

    def named(names: tuple[str, ...]) -> list[dict[str, str]]:
        return [{"value": name, "label": _label(store, CG + name, lang)} for name in names]

    provinces = sorted(members(CG + "Province"), key=lambda row: row["code"])
    roles = {row["iri"]: row["label"] for row in _concepts(store, IATI + "OrganisationRole", lang)}
    activity_statuses = {row["iri"]: row["label"] for row in _concepts(store, IATI + "ActivityStatus", lang)}
    dac_labels = {row["iri"]: row["label"] for row in _concepts(store, IATI + "Sector", "en")}
    dac_labels |= {row["iri"]: row["label"] for row in _concepts(store, IATI + "Sector", lang)}  # English otherwise
    dac = [{"iri": iri, "label": dac_labels[iri]} for iri in sorted(dac_labels)]
    return {
        "provinces": [{"code": row["code"], "label": row["label"], "iri": row["iri"]} for row in provinces],
        "roles": [{"value": code, "label": roles.get(f"{IATI}OrganisationRole/{code}", code)} for code in ROLES],
        "instruments": named(AGREEMENT_TYPES),
        "priorities": named(PRIORITIES),
        "statuses": named(DEMAND_STATUSES),
        "activityStatuses": [
            {"value": code, "label": activity_statuses.get(f"{IATI}ActivityStatus/{code}", code)}
            for code in ACTIVITY_STATUSES
        ],
        "recordStatuses": [  # the list's status filter: a demand's status or an activity's, by IRI
            *({"iri": CG + item["value"], "label": item["label"]} for item in named(DEMAND_STATUSES)),
            *(
                {
                    "iri": f"{IATI}ActivityStatus/{code}",
                    "label": activity_statuses.get(f"{IATI}ActivityStatus/{code}", code),
                }
                for code in ACTIVITY_STATUSES
            ),
        ],
        "dacSectors": [
            {"iri": row["iri"], "label": f"{row['iri'].rsplit('/', 1)[-1]} · {row['label']}"} for row in dac
        ],
        "sectors": _concepts(store, CG + "Sector", lang),
        "territories": provinces + members(CG + "City"),
        "mechanisms": members(CG + "Mechanism"),
        "negotiationInstruments": members(CG + "NegotiationInstrument"),
        "cooperationTypes": members(CG + "CooperationType"),
    }


def _label(store: ox.Store, iri: str, lang: str) -> str:
    for quad in store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(LABEL), None, None):
        if isinstance(quad.object, ox.Literal) and quad.object.language == lang:
            return quad.object.value
    return iri.removeprefix(CG)


CONCEPTS = (
    sparql_prefixes("skos")
    + """SELECT ?item (SAMPLE(?name) AS ?label) ?scheme ?lang WHERE {
  { ?item skos:inScheme ?scheme } UNION { ?item a ?scheme }
  ?item skos:prefLabel ?name . FILTER(LANG(?name) = ?lang)
} GROUP BY ?item ?scheme ?lang ORDER BY LCASE(STR(?label))"""
)


def _concepts(store: ox.Store, scheme: str, lang: str) -> list[dict[str, str]]:
    """Concepts of a SKOS scheme (or members of a concept class), with their prefLabel in `lang`."""
    rows = _select(store, CONCEPTS, {"scheme": ox.NamedNode(scheme), "lang": ox.Literal(lang)})
    return [{"iri": row["item"], "label": row["label"]} for row in rows if "label" in row]


def _select(store: ox.Store, query: str, bound: dict[str, ox.NamedNode | ox.Literal]) -> list[dict[str, str]]:
    """A SELECT over the union of the graphs, variables bound by substitution; rows of lexical values."""
    found = store.query(
        query,
        use_default_graph_as_union=True,
        substitutions={ox.Variable(name): value for name, value in bound.items()},
    )
    assert isinstance(found, ox.QuerySolutions)
    return [
        {variable.value: term.value for variable in found.variables if (term := row[variable]) is not None}
        for row in found
    ]


MAX_LIMIT = 1000
DEFAULT_LIMIT = 100


@bp.get("/api/register/records")
def records() -> Response:
    """The register's records, narrowed and paged: `province` (ISO code; every province without it), `q`, `partner`,
    `sector`, `status`, `year`, `kind`, `limit` (100; at most 1000), `offset`; titles in `?lang=`.

    The answer: `records` (IRI, kind, type, title, date, status), `total` (how many the filters keep), `limit`,
    `offset`, and `years` (of the province's records of that kind, for the year picker).
    """
    args = request.args
    province = args.get("province", "").strip().upper()
    if province and not PROVINCE_CODE.match(province):
        raise _bad("province: un código ISO como EC-L", "province: an ISO code such as EC-L")
    kind = args.get("kind", "").strip()
    if kind and kind not in (*KINDS, "report"):
        raise _bad("kind: agreement, activity, demand o report", "kind: agreement, activity, demand or report")
    year = args.get("year", "").strip()
    if year and not (year.isdigit() and len(year) == 4):
        raise _bad("year: un año de cuatro cifras", "year: a year of four digits")
    limit, offset = _count("limit", DEFAULT_LIMIT), _count("offset", 0)
    if not 1 <= limit <= MAX_LIMIT:
        raise _bad(f"limit: de 1 a {MAX_LIMIT}", f"limit: from 1 to {MAX_LIMIT}")
    wanted = RecordFilter(
        province=province,
        q=args.get("q", "").strip()[:200],
        partner=args.get("partner", "").strip()[:200],
        sector=args.get("sector", "").strip(),
        status=args.get("status", "").strip(),
        year=year,
        kind=kind,
    )
    state = coopgraph()
    listing: Listing | None = state.cache.get(LISTING_KEY)
    if listing is None:  # dropped by every write (Coopgraph.after_write), read again on the next list request
        listing = state.cache[LISTING_KEY] = Listing(register_data(state))
    found = listing.search(wanted, lang=_lang(), limit=limit, offset=offset)
    return jsonify({"province": province, **found})


def _count(name: str, default: int) -> int:
    value = request.args.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise _bad(f"{name}: un número entero no negativo", f"{name}: a whole number, not negative")
    return int(value)


def _bad(es: str, en: str) -> ApiError:
    return ApiError(400, "Bad parameter", Text(es, en))


@bp.get("/api/register/record")
def record() -> Response:
    """One agreement, demand or project of the register (`?iri=`) as its form's fields, to edit it, with its
    `version` (also the ETag): the edit sends it back, and a record changed since is not overwritten (409)."""
    found = read_record(register_data(coopgraph()), request.args.get("iri", ""))
    if found is None:
        raise _missing()
    response = jsonify(found)
    response.set_etag(found["version"])
    response.headers["Cache-Control"] = "no-store"
    return response


MAX_ACTORS = 50
MAX_TYPED = 200


@bp.get("/api/register/actors")
def actors() -> Response:
    """Actors of the graph whose name (Spanish or English label, acronym) holds every word of `q`, for the forms'
    party picker: `actors` (`iri`, `label` in `?lang=`, the name that `matched`), at most `limit` (10; 1 to 50)."""
    typed = request.args.get("q", "").strip()
    if not typed or len(typed) > MAX_TYPED:
        raise _bad(f"q: de 1 a {MAX_TYPED} caracteres", f"q: from 1 to {MAX_TYPED} characters")
    limit = _count("limit", 10)
    if not 1 <= limit <= MAX_ACTORS:
        raise _bad(f"limit: de 1 a {MAX_ACTORS}", f"limit: from 1 to {MAX_ACTORS}")
    state = coopgraph()
    known: list[Actor] | None = state.cache.get(ACTORS_KEY)
    if known is None:  # dropped by every write (Coopgraph.after_write), rebuilt on the next lookup
        known = state.cache[ACTORS_KEY] = actor_names(register_data(state))
    return jsonify({"q": typed, "actors": find_actors(known, typed, lang=_lang(), limit=limit)})


@bp.post("/api/register/records")
def save() -> Response:
    """Record (or, with `iri`, replace) an agreement, a demand or a project from the form's JSON, through the write
    path; an edit whose `version` is no longer the record's is refused (409, nothing written)."""
    state = coopgraph()
    token = authorise(state)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(
            400, "Bad Request", Text("envíe el formulario como un objeto JSON", "send the form as a JSON object")
        )
    matched = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    try:
        form = read_form({"version": matched} | data if matched else data)
        _check_province(state, form.province)
    except FormError as error:
        return _form_refused(error)
    if form.iri and not form.version:
        raise ApiError(
            428,
            "Precondition Required",
            Text(
                "una edición envía la versión del registro que editó (version, o If-Match con su ETag)",
                "an edit sends the version of the record it edited (version, or If-Match with its ETag)",
            ),
        )
    minted: list[str] = []

    def operation(store: ox.Store) -> Delta:
        try:
            iri, delta = record_change(store, form, who=token.name)
        except RecordMissing:
            raise _missing() from None
        except AlreadySubmitted as done:
            raise _already(done) from None
        except EditedSince as changed:
            raise _edited_since(changed) from None
        except FormError as error:  # what only the graph tells (a sector that matches no DAC code)
            raise ApiError(
                422,
                "Unprocessable Content",
                Text("el formulario tiene campos que no se pueden leer", "the form has fields that cannot be read"),
                fields=_fields(error),
            ) from None
        minted.append(iri)
        return delta

    response = write(operation, name="Register form", status=200 if form.iri else 201, seeds=lambda: Seeds(whole=True))
    return _annotated(response, form.kind, minted[0] if minted else "")


def _check_province(state: Coopgraph, code: str) -> None:
    store = register_data(state)
    node = ox.NamedNode(province_iri(code))
    if not any(True for _ in store.quads_for_pattern(node, ox.NamedNode(NOTATION), ox.Literal(code), None)):
        raise FormError(
            {"province": Text(f"{code} no es una provincia del grafo", f"{code} is not a province of the graph")}
        )


def _fields(error: FormError) -> dict[str, list[dict[str, str]]]:
    return {name: [{"message_es": text.es, "message_en": text.en}] for name, text in error.fields.items()}


def _form_refused(error: FormError) -> Response:
    fields = _fields(error)
    document = {
        "error": {
            "status": 422,
            "title": "Unprocessable Content",
            "message": "the form has fields that cannot be read",
            "fields": fields,
        }
    }
    response = jsonify(document)
    response.status_code = 422
    return response


def _annotated(response: Response, kind: str, iri: str) -> Response:
    """The write's answer with the record's IRI (success) or each SHACL result under its field (422)."""
    if not response.is_json:  # a report asked for as RDF (Accept: text/turtle…): as the write path gave it
        return response
    document = json.loads(response.get_data())
    if response.status_code == 422 and "report" in document.get("error", {}):
        fields: dict[str, list[dict[str, str]]] = {}
        for violation in document["error"]["report"]["violations"]:
            messages = fields.setdefault(field_of(kind, violation), [])
            entry = {"message_es": violation["message_es"], "message_en": violation["message_en"]}
            if entry not in messages:
                messages.append(entry)
        document["error"]["fields"] = fields
    elif response.status_code < 300:
        target = document["body"] if COMMIT_HEADER in response.headers else document
        target["record"] = iri
    response.set_data(json.dumps(document, ensure_ascii=False))
    return response


def _already(done: AlreadySubmitted) -> ApiError:
    """409: this form fill was saved already (a double click, a retry after a lost answer); nothing was written."""
    return ApiError(
        409,
        "Conflict",
        Text(
            f"Este formulario ya se guardó (registro {done.record}): no se guardó nada más.",
            f"This form was already saved (record {done.record}): nothing more was saved.",
        ),
        record=done.record,
        submission=done.submission,
        reason="already-submitted",
    )


def _edited_since(changed: EditedSince) -> ApiError:
    """409: the record changed since the edit form was filled from it; nothing was written."""
    return ApiError(
        409,
        "Conflict",
        Text(
            f"el registro {changed.record} cambió desde que se abrió el formulario: no se guardó nada",
            f"the record {changed.record} changed since the form was opened: nothing was saved",
        ),
        record=changed.record,
        version=changed.version,
        reason="edited-since",
    )


def _missing() -> ApiError:
    return ApiError(404, "Not Found", Text("el registro no existe en el registro", "no such record in the register"))


def _lang() -> str:
    lang = request.args.get("lang", "es")
    return lang if lang in LANGS else "es"
