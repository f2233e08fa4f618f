"""The evaluation set of partner matching (tests/match_eval.toml) and the scores CI holds the engine to.

The set was written from the study before the engine, one need per passage a
cooperation officer could act on. Level asserted: hit@5 >= 0.9 and MRR >= 0.8.
Why that level: every expected partner is one the study ties to the need's
theme in so many words, and the graph records those ties, so a correct engine
finds one in the top 5 for (nearly) every need; the margin (2 of 23 needs may
miss, or the first expected partner may slip to rank 2-3) leaves room for the
data to grow (new actors may rightly outrank the study's examples) without
letting a broken text matcher, hierarchy or ranking pass. At the time of
writing the engine scores hit@5 = 1.0 and MRR = 1.0 on the shipped graph.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from coopgraph.cli.main import cli
from coopgraph.core.matching import MatchIndex
from coopgraph.core.matching.evaluation import DEFAULT_SET, evaluate, load_eval_set
from coopgraph.core.matching.lookup import resolve_requester
from coopgraph.core.store import OxigraphStore

HIT_AT_5_AT_LEAST = 0.9
MRR_AT_LEAST = 0.8


@pytest.fixture(scope="module")
def index(shipped_store: OxigraphStore) -> MatchIndex:
    return MatchIndex.build(shipped_store)


def test_the_set_is_complete_and_grounded(index: MatchIndex) -> None:
    needs = load_eval_set(DEFAULT_SET)
    assert len(needs) >= 12
    assert {need.lang for need in needs} == {"es", "en"}
    for need in needs:
        assert need.why.strip() and need.expected
        for iri in need.expected:
            assert index.exists(iri), f"{need.id}: expected partner {iri} is not in the graph"
        assert need.requester is not None and resolve_requester(index, need.requester)


def test_scores_hold(index: MatchIndex) -> None:
    report = evaluate(index, load_eval_set(DEFAULT_SET), k=5)
    misses = [(row.need.id, row.rank, row.error) for row in report.rows if not row.rank or row.rank > 5]
    assert report.hit_at_k >= HIT_AT_5_AT_LEAST, misses
    assert report.mrr >= MRR_AT_LEAST, [(row.need.id, row.rank) for row in report.rows]


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
