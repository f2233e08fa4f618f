"""`coopgraph match`: readable rankings, the API's JSON, and clear errors with exit code 2."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from coopgraph.cli.main import cli
from coopgraph.core.matching import MatchIndex, match
from coopgraph.core.store import OxigraphStore

CGR = "https://w3id.org/coopgraph/id/"


def test_match_prints_ranking_and_explanations(cli_runner: CliRunner, shipped_store: OxigraphStore) -> None:
    result = cli_runner.invoke(
        cli, ["match", "cambio climático", "--requester", "EC-E", "--kind", "network", "--lang", "es", "--memory"]
    )
    assert result.exit_code == 0, result.stderr
    expected = match(MatchIndex.build(shipped_store), "cambio climático", requester="EC-E", kind="network")
    out = result.stdout
    assert "Solicitante: Esmeraldas (EC-E)" in out
    for rank, partner in enumerate(expected.results, start=1):
        assert f"{rank:>2}. {partner.label}" in out
        for item in partner.explanation:
            assert f"[{item.type}] {item.text}" in out
    assert "cgr:congope" in out  # the path through CONGOPE, as compact IRIs


def test_match_json_is_the_api_answer(cli_runner: CliRunner, shipped_store: OxigraphStore) -> None:
    args = ["--memory", "match", "women's empowerment", "--requester", "EC-P", "--country", "ES", "--limit", "3"]
    result = cli_runner.invoke(cli, [*args, "--lang", "en", "--json"])
    assert result.exit_code == 0, result.stderr
    expected = match(
        MatchIndex.build(shipped_store), "women's empowerment", requester="EC-P", country="ES", limit=3, lang="en"
    )
    assert json.loads(result.stdout) == expected.to_json()


def test_match_by_sector_only(cli_runner: CliRunner) -> None:
    result = cli_runner.invoke(cli, ["--memory", "match", "--sector", "15112", "--json"])
    assert result.exit_code == 0, result.stderr
    assert CGR + "sector-descentralizacion" in {t["sector"] for t in json.loads(result.stdout)["need"]["themes"]}


def test_a_theme_without_partners_says_so(cli_runner: CliRunner) -> None:
    result = cli_runner.invoke(cli, ["--memory", "match", "vialidad", "--requester", "EC-F"])
    assert result.exit_code == 0 and "Ningún socio del grafo trabaja en estos temas." in result.stdout


@pytest.mark.parametrize(
    ("need", "lang", "chain"), [("riego", "es", "CAD 31140"), ("irrigation systems", "en", "DAC 31140")]
)
def test_riego_gives_ranked_partners_through_the_dac_chain(
    cli_runner: CliRunner, need: str, lang: str, chain: str
) -> None:
    """No actor declares irrigation; the DAC chain 31140 -> 311 reaches Brazil's cooperation (its channels folded
    under it) and ORU-Fogar, ranked, each said to be a weak match."""
    args = ["--memory", "match", need, "--requester", "EC-L", "--cooperation", "tecnica", "--lang", lang]
    result = cli_runner.invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)
    partners = [row["partner"] for row in answer["results"]]
    assert {CGR + "pais-br", CGR + "oru-fogar"} <= set(partners)
    brazil = next(row for row in answer["results"] if row["partner"] == CGR + "pais-br")
    assert CGR + "abc" in {member["iri"] for member in brazil["group"]["members"]}
    assert {row["strength"] for row in answer["results"]} == {"weak"}
    scores = [row["score"] for row in answer["results"]]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    for row in answer["results"]:
        first = row["explanation"][0]
        assert first["type"] == "sector" and chain in first["text"]
        assert first["resources"][0] == CGR + "sector-riego-y-drenaje" and first["resources"][-1] == row["partner"]
    text = cli_runner.invoke(cli, args)
    assert text.exit_code == 0 and " 1. " in text.stdout and chain in text.stdout
    assert brazil["group"]["members"][0]["label"] in text.stdout  # the folded channels are named
    assert "Ningún socio" not in text.stdout and "No partner" not in text.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ([], "Give a need"),
        (["   "], "Give a need"),
        (["xqzvw plumbus"], "reads no theme"),
        (["salud", "--kind", "spaceship"], "kind of partner"),
        (["salud", "--country", "ZZ"], "Unknown country"),
        (["salud", "--limit", "0"], "limit"),
        (["salud", "--cooperation", "financiera", "--requester", "EC-L"], "provincial government"),
        (["salud", "--requester", "Lojaa"], "Loja"),
        (["salud", "--lang", "fr"], "fr"),
        (["salud", "--limit", "ten"], "ten"),
    ],
)
def test_bad_input_is_exit_2_with_a_readable_message(cli_runner: CliRunner, args: list[str], fragment: str) -> None:
    result = cli_runner.invoke(
        cli, ["--memory", "match", *args, "--lang", "en"] if "--lang" not in args else ["--memory", "match", *args]
    )
    assert result.exit_code == 2
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_requester_lists_suggestions(cli_runner: CliRunner) -> None:
    result = cli_runner.invoke(cli, ["--memory", "match", "salud", "--requester", "Lojaa", "--lang", "es"])
    assert result.exit_code == 2
    assert "¿quiso decir?" in result.stderr and "[EC-L]" in result.stderr and "cgr:provincia-ec-l" in result.stderr


def test_groups_strength_and_parts_are_shown(cli_runner: CliRunner, shipped_store: OxigraphStore) -> None:
    """The text shows each result's match strength and score parts, the partners folded under it, its contact,
    and the requester's legal basis once; --no-group lists every partner on its own."""
    args = ["--memory", "match", "salud", "--requester", "EC-L", "--limit", "5", "--lang", "es"]
    result = cli_runner.invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    expected = match(MatchIndex.build(shipped_store), "salud", requester="EC-L", limit=5)
    out = result.stdout
    assert out.count("Constitución, Art. 263") == 1, "the legal basis once, not per partner"
    grouped = next(partner for partner in expected.results if partner.group)
    assert grouped.group is not None and grouped.group.members[0][1] in out
    assert "coincidencia directa" in out and "pertinencia" in out
    flat = cli_runner.invoke(cli, [*args, "--no-group", "--json"])
    assert flat.exit_code == 0 and all(row["group"] is None for row in json.loads(flat.stdout)["results"])
    with_email = cli_runner.invoke(cli, ["--memory", "match", "hermanamiento", "--kind", "peer", "--limit", "20"])
    assert "mailto:" in with_email.stdout


def test_a_way_of_cooperating_alone(cli_runner: CliRunner) -> None:
    result = cli_runner.invoke(cli, ["--memory", "match", "twinning", "--lang", "en"])
    assert result.exit_code == 0, result.stderr
    assert "ways of cooperating: Peer cooperation between GADs (GAD-GAD)" in result.stdout
    assert " 1. " in result.stdout
