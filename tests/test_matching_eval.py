"""The evaluation sets of partner matching and the scores CI holds the engine to.

Two sets. tests/match_dev.toml, the development set: needs written the way
cooperation officers type them, not in the study's words (other words,
paraphrases, typos, needs naming only a way of cooperating, territorial needs,
kinds of partner; half Spanish, half English, every one with a requesting
province), with the partners a reader of the study expects. tests/match_eval.toml,
the regression set: 23 needs in the study's own wording, written before the
engine.

Levels asserted on each: hit@5 >= 0.9 and MRR >= 0.8; on the development set
also that every need is answered (no error, 200 over HTTP) and that the top 5
hold at least 2.5 distinct countries or parents on average (one country does
not flood the list). Why that level: every expected partner is one the study
ties to the need, and the graph records those ties; the margin (6 of 71 needs
may miss, or the first expected partner may slip to rank 2-3) leaves room for
the data to grow without letting a broken reader, thesaurus, grouping or
ranking pass. At the time of writing the engine scores hit@5 = 1.0 and MRR =
0.986 on the development set (3.1 distinct in the top 5) and 1.0 / 1.0 on the
regression set.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from coopgraph.cli.main import cli
from coopgraph.core.matching import MatchIndex
from coopgraph.core.matching.evaluation import DEFAULT_SET, DEV_SET, evaluate, load_eval_set
from coopgraph.core.matching.lookup import resolve_requester
from coopgraph.core.matching.text import normalise
from coopgraph.core.store import OxigraphStore

HIT_AT_5_AT_LEAST = 0.9
MRR_AT_LEAST = 0.8
DISTINCT_AT_5_AT_LEAST = 2.5
SETS = [DEV_SET, DEFAULT_SET]


@pytest.fixture(scope="module")
def index(shipped_store: OxigraphStore) -> MatchIndex:
    return MatchIndex.build(shipped_store)


@pytest.mark.parametrize("path", SETS, ids=lambda path: path.name)
def test_the_set_is_complete_and_grounded(index: MatchIndex, path: Path) -> None:
    needs = load_eval_set(path)
    assert len(needs) >= 12
    assert len({need.id for need in needs}) == len(needs)
    assert {need.lang for need in needs} == {"es", "en"}
    for need in needs:
        assert need.why.strip() and need.expected
        for iri in need.expected:
            assert index.exists(iri), f"{need.id}: expected partner {iri} is not in the graph"
        assert need.requester is not None and resolve_requester(index, need.requester)


@pytest.mark.parametrize("path", SETS, ids=lambda path: path.name)
def test_scores_hold(index: MatchIndex, path: Path) -> None:
    report = evaluate(index, load_eval_set(path), k=5)
    misses = [(row.need.id, row.rank, row.error) for row in report.rows if not row.rank or row.rank > 5]
    assert report.hit_at_k >= HIT_AT_5_AT_LEAST, misses
    assert report.mrr >= MRR_AT_LEAST, [(row.need.id, row.rank) for row in report.rows]


def test_the_development_set_is_written_as_officers_type(index: MatchIndex) -> None:
    """At least 60 needs, about half in each language, with typos, needs that name only a way of cooperating,
    territorial needs and kinds of partner; few are just a name the graph gives (the study's wording)."""
    needs = load_eval_set(DEV_SET)
    assert len(needs) >= 60
    spanish = sum(1 for need in needs if need.lang == "es")
    assert 0.4 <= spanish / len(needs) <= 0.6
    tags = {tag: sum(1 for need in needs if tag in need.tags) for tag in ("typo", "way", "territory", "kind")}
    assert tags["typo"] >= 5 and tags["way"] >= 10 and tags["territory"] >= 5 and tags["kind"] >= 3, tags
    assert all(need.text and not need.sectors for need in needs), "typed text, not sectors picked"
    names = {normalise(label) for pair in index.labels.values() for label in pair if label}
    verbatim = [need for need in needs if normalise(need.text or "") in names]
    # a few officers name a way of cooperating by its usual name ("fondos concursables"), as the examples do
    assert len(verbatim) <= 0.1 * len(needs) and all("way" in need.tags for need in verbatim), verbatim


def test_the_development_set_is_answered_diversely(index: MatchIndex) -> None:
    report = evaluate(index, load_eval_set(DEV_SET), k=5)
    assert report.answered == len(report.rows), [(row.need.id, row.error) for row in report.rows if row.error]
    assert report.distinct >= DISTINCT_AT_5_AT_LEAST
    for tag, (count, hit) in report.by_tag().items():
        assert hit >= HIT_AT_5_AT_LEAST - 0.1 or count < 3, (tag, count, hit)


def test_every_development_need_answers_200_over_http(client: FlaskClient) -> None:
    for need in load_eval_set(DEV_SET):
        params = {"need": need.text, "lang": need.lang, "requester": need.requester}
        params |= {key: value for key in ("kind", "country", "cooperation") if (value := getattr(need, key))}
        response = client.get("/api/match", query_string=params)
        assert response.status_code == 200, (need.id, response.get_json())
        assert response.get_json()["results"], need.id


def test_eval_match_command_on_the_development_set(cli_runner: CliRunner) -> None:
    result = cli_runner.invoke(cli, ["--memory", "eval-match", "--set", str(DEV_SET), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["needs"] == len(load_eval_set(DEV_SET)) and scores["answered"] == scores["needs"]
    assert scores["hit@5"] >= HIT_AT_5_AT_LEAST and scores["mrr"] >= MRR_AT_LEAST
    assert scores["distinct@5"] >= DISTINCT_AT_5_AT_LEAST
    assert {"typo", "way", "territory"} <= set(scores["by_tag"])
    text = cli_runner.invoke(cli, ["--memory", "eval-match", "--set", str(DEV_SET)])
    assert text.exit_code == 0 and "distinct countries or parents" in text.stdout and "way:" in text.stdout


def test_eval_match_command(cli_runner: CliRunner) -> None:
    result = cli_runner.invoke(cli, ["--memory", "eval-match", "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["needs"] == len(load_eval_set(DEFAULT_SET))
    assert scores["hit@5"] >= HIT_AT_5_AT_LEAST and scores["mrr"] >= MRR_AT_LEAST
    text = cli_runner.invoke(cli, ["--memory", "eval-match", "--k", "3"])
    assert text.exit_code == 0 and "hit@3" in text.stdout and "MRR" in text.stdout


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("[[need]]\nid = 'x'\ntext = 'salud'\n", "expected"),
        ("[[need]]\nid = 'x'\ntext = 'salud'\nexpected = ['cgr:abc']\ncolour = 'red'\n", "unknown key"),
        ("not = [toml", "cannot read"),
        ("", "no [[need]]"),
        ("[[need]]\nid = 'x'\ntext = 'salud'\nexpected = ['cgr:no-such-actor']\n", "not in the graph"),
    ],
)
def test_a_bad_set_is_refused_clearly(cli_runner: CliRunner, tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "set.toml"
    path.write_text(content, encoding="utf-8")
    result = cli_runner.invoke(cli, ["--memory", "eval-match", "--set", str(path)])
    assert result.exit_code == 2 and fragment in result.stderr
