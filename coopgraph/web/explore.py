"""The network explorer page (`/explore`) and vis-network's files, served from the installed pyvis package.

The page draws `/api/export?format=cyjs` with vis-network in the browser. Its
JavaScript comes from the files pyvis ships (never a CDN, never a copy in the
repository), so the explorer works offline.
"""

from __future__ import annotations

import hashlib
import importlib.resources
from functools import lru_cache
from importlib.resources.abc import Traversable

from flask import Blueprint, Response, request

from coopgraph.core.projection import KIND_COLOURS, OTHER_COLOUR, actor_kinds
from coopgraph.core.vocab import CGR, Text
from coopgraph.web.errors import ApiError
from coopgraph.web.state import coopgraph
from coopgraph.web.ui import page_lang, render_page

bp = Blueprint("explore", __name__)

VIS_VERSION = "9.1.2"
VENDOR_MAX_AGE_S = 365 * 24 * 3600
"""The folder name carries vis-network's version, so a file under it never changes: cache it for a year."""
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
RADII = (1, 2, 3)
DEFAULT_FOCUS = CGR + "congope"
"""Where the page opens when the address names no focus (and the browser remembers no province of the user's):
CONGOPE, the provincial governments' association, and its ego network, rather than the whole graph's hairball."""
DEFAULT_RADIUS = 1

EXPORT_FORMATS: tuple[tuple[str, Text], ...] = (
    ("graphml", Text("GraphML (yEd, Cytoscape, Gephi)", "GraphML (yEd, Cytoscape, Gephi)")),
    ("gexf", Text("GEXF (Gephi)", "GEXF (Gephi)")),
    ("cyjs", Text("Cytoscape.js JSON", "Cytoscape.js JSON")),
    ("nodelink", Text("JSON nodo-enlace (d3)", "Node-link JSON (d3)")),
    ("dot", Text("DOT (Graphviz)", "DOT (Graphviz)")),
    ("svg", Text("SVG (imagen)", "SVG (image)")),
    ("csv", Text("CSV (nodos y enlaces)", "CSV (nodes and edges)")),
    ("ttl", Text("RDF Turtle", "RDF Turtle")),
    ("jsonld", Text("RDF JSON-LD", "RDF JSON-LD")),
)
"""(format key of /api/export, its name) in the order the download list shows them."""

STRINGS: dict[str, Text] = {
    "loading": Text("Cargando la red…", "Loading the network…"),
    "stabilising": Text("Ordenando la red…", "Laying out the network…"),
    "drawn": Text(
        "{nodes} nodos y {edges} enlaces dibujados de {total} nodos",
        "{nodes} nodes and {edges} links drawn of {total} nodes",
    ),
    "focused_on": Text("Red de «{label}», radio {radius}", "Network of “{label}”, radius {radius}"),
    "load_failed": Text("No se pudo cargar la red: {message}", "The network could not be loaded: {message}"),
    "panel_failed": Text("No se pudo cargar el recurso: {message}", "The resource could not be loaded: {message}"),
    "no_results": Text("Ningún nodo se llama así.", "No node has that name."),
    "searching": Text("Buscando…", "Searching…"),
    "not_drawn_result": Text("fuera de la vista: centra la red en él", "not drawn: focuses the network on it"),
    "facts": Text("Datos", "Facts"),
    "links": Text("Enlaces", "Links"),
    "sources": Text("Fuentes", "Sources"),
    "none": Text("—", "—"),
    "focus_here": Text("Centrar la red aquí", "Focus the network here"),
    "find_partners": Text("Buscar socios parecidos", "Find similar partners"),
    "find_sector_partners": Text("Buscar socios en este sector", "Find partners in this sector"),
    "sparql_describe": Text("Consultarlo en SPARQL", "Query it in SPARQL"),
    "not_drawn": Text("(no dibujado)", "(not drawn)"),
    "more_links": Text("… y más enlaces (consulte en SPARQL)", "… and more links (query them in SPARQL)"),
    "all_sectors": Text("Todos los sectores", "All sectors"),
    "download_note_sector": Text(
        "Las descargas contienen la selección sin el filtro de sector, que solo cambia la vista.",
        "Downloads hold the selection without the sector filter, which only changes the view.",
    ),
    "close": Text("Cerrar", "Close"),
    "focus_kind": Text("El tipo del nodo central siempre se muestra.", "The central node's kind is always shown."),
    "nothing_selected": Text("Haga clic en un nodo para ver sus datos.", "Click a node to see its facts."),
    "track": Text("Trayectoria en los registros provinciales", "Track record in the provincial registers"),
    "track_note": Text(
        "{total} registro(s) de las provincias (no del estudio): programas, proyectos e instrumentos suscritos.",
        "{total} record(s) of the provinces (not the study): programmes, projects and signed instruments.",
    ),
    "track_by_sector": Text("Por sector", "By sector"),
    "track_by_province": Text("Por provincia", "By province"),
    "track_records": Text("Registros", "Records"),
    "match_demand": Text("Buscar socios para esta demanda", "Find partners for this demand"),
}


@bp.get("/explore")
def page() -> Response:
    """The explorer; `?focus=IRI&radius=N` opens the ego network of a resource, `?all=1` the whole network, `?kind=a,b`
    preselects kinds. Without either, the user's province (remembered by the browser) or CONGOPE."""
    focus = request.args.get("focus", "").strip()
    whole = not focus and request.args.get("all", "") not in ("", "0", "false")
    radius = request.args.get("radius", type=int)
    if radius not in RADII:
        radius = DEFAULT_RADIUS
    kinds = ",".join(part.strip() for part in request.args.get("kind", "").split(",") if part.strip())
    state = coopgraph()
    if "actor kinds" not in state.cache:
        state.cache["actor kinds"] = ",".join(actor_kinds(state.store))
    return render_page(
        "explore.html",
        strings=STRINGS,
        focus=focus,
        default_focus=DEFAULT_FOCUS,
        whole=whole,
        kind_colours={**KIND_COLOURS, "": OTHER_COLOUR},
        radius=radius,
        radii=RADII,
        kinds=kinds,
        actor_kinds=state.cache["actor kinds"],
        formats=[(key, name(page_lang())) for key, name in EXPORT_FORMATS],
    )


@bp.get("/vendor/vis-network/<path:name>")
def vendor(name: str) -> Response:
    """One of vis-network's shipped files (allow-listed by name: anything else is a 404), cached long."""
    files = vendor_files()
    if name not in files:
        raise ApiError(404, "Not Found", f"No such vis-network file: {name!r}.", available=sorted(files))
    body, etag = _read(name)
    response = Response(body, mimetype=None, content_type=_media_type(name))
    response.headers["Cache-Control"] = f"public, max-age={VENDOR_MAX_AGE_S}, immutable"
    response.set_etag(etag)
    response.make_conditional(request)  # changes the response in place (304, 206) and returns it
    return response


def vendor_root() -> Traversable:
    """The folder of vis-network files inside the installed pyvis package."""
    return importlib.resources.files("pyvis") / "templates" / "lib" / f"vis-{VIS_VERSION}"


@lru_cache(maxsize=1)
def vendor_files() -> frozenset[str]:
    """The names of the regular files in that folder: the only names the vendor route serves."""
    root = vendor_root()
    if not root.is_dir():
        return frozenset()
    return frozenset(entry.name for entry in root.iterdir() if entry.is_file())


@lru_cache(maxsize=8)
def _read(name: str) -> tuple[bytes, str]:
    body = (vendor_root() / name).read_bytes()
    return body, hashlib.sha256(body).hexdigest()[:32]


def _media_type(name: str) -> str:
    suffix = name[name.rfind(".") :] if "." in name else ""
    return MEDIA_TYPES.get(suffix, "application/octet-stream")
