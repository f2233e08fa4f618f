"""`coopgraph match` and `coopgraph eval-match`: partner matching from the command line.

Bad input (an unusable need, an unknown requester, a bad filter) prints a
readable message, with close matches when there are some, and exits with 2.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from coopgraph.cli.common import StoreOpener, handle_errors, store_options
from coopgraph.core import matching
from coopgraph.core.matching import MAX_LIMIT, MatchError, MatchIndex, MatchResult, UnknownResource
from coopgraph.core.matching.evaluation import DEFAULT_SET, EvalReport, evaluate, load_eval_set
from coopgraph.core.vocab import CGR, LANGS, Text, pick

LABELS: dict[str, Text] = {
    "need": Text(es="Necesidad", en="Need"),
    "themes": Text(es="temas", en="themes"),
    "requester": Text(es="Solicitante", en="Requester"),
    "filters": Text(es="Filtros", en="Filters"),
    "none": Text(
        es="Ningún socio del grafo trabaja en estos temas.", en="No partner in the graph works on these themes."
    ),
    "score": Text(es="puntuación", en="score"),
    "theme": Text(es="tema", en="theme"),
    "proximity": Text(es="proximidad", en="proximity"),
    "channel": Text(es="canal", en="channel"),
    "resources": Text(es="recursos", en="resources"),
    "scope": Text(es="ámbito de cooperación del solicitante", en="requester's cooperation scope"),
    "way": Text(es="forma de cooperar", en="way of cooperating"),
    "place": Text(es="lugar", en="place"),
    "actor": Text(es="actor", en="actor"),
    "kind": Text(es="tipo de socio", en="kind"),
    "relevance": Text(es="pertinencia", en="relevance"),
    "ways": Text(es="formas de cooperar", en="ways of cooperating"),
    "places": Text(es="lugares", en="places"),
    "actors": Text(es="actores", en="actors"),
    "kinds": Text(es="tipos de socio", en="kinds"),
    "legal": Text(es="Base legal del solicitante", en="Requester's legal basis"),
    "direct": Text(es="coincidencia directa", en="direct match"),
    "indirect": Text(es="coincidencia indirecta", en="indirect match"),
    "weak": Text(es="coincidencia débil", en="weak match"),
    "group": Text(es="y también", en="and also"),
    "more": Text(es="{n} más", en="{n} more"),
    "contact": Text(es="contacto", en="contact"),
}
"""The words of the text rendering (`render`), by key; the score's components use their own key."""


def _compact(iri: str) -> str:
    return "cgr:" + iri[len(CGR) :] if iri.startswith(CGR) else iri


def handle_match_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """MatchError and UnknownResource: the message (and suggestions) on stderr, exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        lang = kwargs.get("lang") or "en"
        try:
            return command(*args, **kwargs)
        except UnknownResource as error:
            click.echo(f"error: {error.text(lang)}", err=True)
            if error.suggestions:
                click.echo(pick(lang, "¿quiso decir?:", "did you mean:"), err=True)
                for suggestion in error.suggestions:
                    code = f" [{suggestion['code']}]" if suggestion.get("code") else ""
                    click.echo(f"  {suggestion['label']}{code}  {_compact(suggestion['iri'])}", err=True)
            raise SystemExit(2) from None
        except MatchError as error:
            click.echo(f"error: {error.text(lang)}", err=True)
            for suggestion in error.details.get("suggestions", []):
                click.echo(f"  {suggestion['label']}  {_compact(suggestion['iri'])}", err=True)
            raise SystemExit(2) from None

    return wrapper


def render(result: MatchResult, lang: str) -> str:
    """The ranking and its explanations as readable text."""
    lines = []
    need = result.need
    read = []
    for facet, key in (
        ("theme", "themes"),
        ("way", "ways"),
        ("place", "places"),
        ("actor", "actors"),
        ("kind", "kinds"),
    ):
        terms = need.facet(facet)
        if terms:
            read.append(f"{LABELS[key](lang)}: " + ", ".join(f"{term.label} («{term.matched}»)" for term in terms))
    lines.append(f"{LABELS['need'](lang)}: {need.text or ''} -> {'; '.join(read)}")
    if result.requester:
        code = f" ({result.requester['code']})" if result.requester.get("code") else ""
        lines.append(f"{LABELS['requester'](lang)}: {result.requester['label']}{code}")
    shown = {key: value for key, value in result.filters.items() if value and key not in ("limit", "lang")}
    if shown:
        parts = []
        for key, value in shown.items():
            if isinstance(value, dict):
                text = value.get("label") or value.get("iri")
            elif isinstance(value, list):
                text = ", ".join(item["label"] for item in value)
            else:
                text = value
            parts.append(f"{LABELS['scope'](lang) if key == 'cooperation_scope' else key}={text}")
        lines.append(f"{LABELS['filters'](lang)}: " + "; ".join(parts))
    for item in result.legal:
        lines.append(f"{LABELS['legal'](lang)}: {item.text}")
    lines.append("")
    if not result.results:
        lines.append(LABELS["none"](lang))
    for rank, partner in enumerate(result.results, start=1):
        country = f", {partner.country['label']}" if partner.country else ""
        components = " · ".join(f"{LABELS[name](lang)} {value:g}" for name, value in partner.components.items())
        lines.append(f"{rank:>2}. {partner.label}  [{partner.kind}{country}]  {LABELS[partner.strength](lang)}")
        lines.append(f"    {LABELS['score'](lang)} {partner.score:.4f}  ({components})  {_compact(partner.iri)}")
        if partner.group:
            names = [label for _, label in partner.group.members]
            if partner.group.more:
                names.append(LABELS["more"](lang).format(n=partner.group.more))
            lines.append(f"    {LABELS['group'](lang)} ({partner.group.label}): {', '.join(names)}")
        contacts = [value for values in partner.contact.values() for value in values]
        if contacts:
            lines.append(f"    {LABELS['contact'](lang)}: {', '.join(contacts)}")
        for item in partner.explanation:
            lines.append(f"    - [{item.type}] {item.text}")
            lines.append(f"      {LABELS['resources'](lang)}: {', '.join(_compact(iri) for iri in item.resources)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


@click.command("match")
@click.argument("need", required=False)
@click.option("--sector", "sectors", multiple=True, help="A sector concept (IRI, slug or OECD-DAC code); repeatable.")
@click.option("--requester", help="The requester: a province's ISO 3166-2 code (EC-E), or a province's or actor's IRI.")
@click.option("--kind", help="Only partners of this kind (network, agency, peer, multilateral, embassy, country...).")
@click.option("--country", help="Only partners of this country (ISO 3166-1 alpha-2, e.g. ES).")
@click.option("--cooperation", help="Only partners offering this kind of cooperation (e.g. tecnica, no-reembolsable).")
@click.option("--limit", type=int, default=10, show_default=True, help=f"Number of partners, 1 to {MAX_LIMIT}.")
@click.option(
    "--group/--no-group",
    default=None,
    help="Fold the partners of one country or parent under the best of them [default: yes, unless --country].",
)
@click.option("--lang", type=click.Choice(LANGS), default="es", show_default=True, help="Language of labels and texts.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON answer of the API instead of text.")
@store_options
@click.pass_obj
@handle_errors
@handle_match_errors
def match(
    opener: StoreOpener,
    need: str | None,
    sectors: tuple[str, ...],
    requester: str | None,
    kind: str | None,
    country: str | None,
    cooperation: str | None,
    limit: int,
    group: bool | None,
    lang: str,
    as_json: bool,
) -> None:
    """Rank partners for a NEED (text in Spanish or English), with the reasons from the graph.

    Example: coopgraph match "cambio climático" --requester EC-E --kind network
    """
    result = matching.match(
        MatchIndex.build(opener.open()),
        need,
        sectors=sectors,
        requester=requester,
        kind=kind,
        country=country,
        cooperation=cooperation,
        limit=limit,
        group=group,
        lang=lang,
    )
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(render(result, lang), nl=False)


def render_report(report: EvalReport) -> str:
    width = max(len(row.need.id) for row in report.rows)
    lines = [f"{'need'.ljust(width)}  rank  hit@{report.k}  top {report.k}"]
    for row in report.rows:
        rank = str(row.rank) if row.rank else "-"
        hit = "yes" if row.rank and row.rank <= report.k else "no"
        top = ", ".join(_compact(iri) for iri in row.top[: report.k]) or (row.error or "")
        lines.append(f"{row.need.id.ljust(width)}  {rank:>4}  {hit:>5}  {top}")
    lines.append("")
    lines.append(
        f"needs: {len(report.rows)}   hit@{report.k}: {report.hit_at_k:.3f}   MRR: {report.mrr:.3f}   "
        f"distinct countries or parents in the top {report.k}: {report.distinct:.2f}   answered: {report.answered}"
    )
    for tag, (count, share) in report.by_tag().items():
        lines.append(f"  {tag}: {count} needs, hit@{report.k} {share:.3f}")
    return "\n".join(lines) + "\n"


@click.command("eval-match")
@click.option(
    "--set",
    "eval_set",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Evaluation set (TOML) [default: tests/match_eval.toml of the source tree; tests/match_dev.toml is the "
    "development set of needs as officers type them].",
)
@click.option("--k", type=click.IntRange(1, MAX_LIMIT), default=5, show_default=True, help="Cut-off of hit@k.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@store_options
@click.pass_obj
@handle_errors
def eval_match(opener: StoreOpener, eval_set: Path | None, k: int, as_json: bool) -> None:
    """Score partner matching on an evaluation set: hit@k, MRR and distinct countries or parents in the top k."""
    path = eval_set or DEFAULT_SET
    if not path.is_file():
        raise ValueError(f"no evaluation set at {path}: give one with --set (see tests/match_eval.toml)")
    needs = load_eval_set(path)
    index = MatchIndex.build(opener.open())
    missing = sorted({iri for need in needs for iri in need.expected if not index.exists(iri)})
    if missing:
        raise ValueError(f"expected partners not in the graph: {', '.join(_compact(iri) for iri in missing)}")
    report = evaluate(index, needs, k=k)
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_report(report), nl=False)
