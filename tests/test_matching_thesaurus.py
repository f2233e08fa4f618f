"""The thesaurus of partner matching (coopgraph/core/matching/thesaurus.toml): every target is a resource of
the graph that matching can answer for, every word is read as that target, and a bad file is refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from coopgraph.core.matching import MatchIndex, match
from coopgraph.core.matching.lookup import parse_need
from coopgraph.core.matching.thesaurus import RELATION_STRENGTH, THESAURUS_FILE, load_thesaurus
from coopgraph.core.store import OxigraphStore


@pytest.fixture(scope="module")
def index(shipped_store: OxigraphStore) -> MatchIndex:
    return MatchIndex.build(shipped_store)


def test_it_ships_inside_the_package() -> None:
    assert THESAURUS_FILE.parent.name == "matching" and THESAURUS_FILE.is_file()
    thesaurus = load_thesaurus()
    assert len(thesaurus.entries) >= 20 and thesaurus.kinds
    langs = {lang for entry in thesaurus.entries for _, lang in entry.phrases}
    assert langs == {"es", "en"}


def test_every_target_is_a_theme_or_way_of_the_graph(index: MatchIndex) -> None:
    """A target is a sector or a way of cooperating (a concept, a class of spaces, a space) the index knows."""
    for entry in load_thesaurus().entries:
        assert index.exists(entry.target) or entry.target in index.vocabulary.ways, entry.target
        assert entry.target in index.sectors or entry.target in index.vocabulary.ways, entry.target


def test_every_kind_is_a_kind_of_partner(index: MatchIndex) -> None:
    for key, phrases in load_thesaurus().kinds:
        assert key in index.kinds("en"), key
        assert phrases


def test_every_word_is_read_as_its_target(index: MatchIndex) -> None:
    """Each word of the file, alone as a need, is read as (at least) its target, with the relation's strength
    at most (a label of the graph may read it more strongly); a target with partners answers it."""
    for entry in load_thesaurus().entries:
        for text, lang in entry.phrases:
            need = parse_need(index, text, lang=lang)
            terms = {term.resource: term for term in need.terms}
            assert entry.target in terms, (text, entry.target, sorted(terms))
            term = terms[entry.target]
            if term.how == "thesaurus":
                assert term.via == entry.relation and term.strength <= RELATION_STRENGTH[entry.relation]
            if index.values.get(entry.target):
                assert match(index, text, lang=lang, limit=3).results, text


def test_no_word_ties_to_two_targets_of_one_facet() -> None:
    """A word meaning two themes at once would be a guess: each (word, language) has one target per facet."""
    seen: dict[tuple[str, str, bool], str] = {}
    for entry in load_thesaurus().entries:
        is_sector = "/sector-" in entry.target
        for text, lang in entry.phrases:
            key = (text.casefold(), lang, is_sector)
            assert seen.setdefault(key, entry.target) == entry.target, (text, seen[key], entry.target)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ('[[entry]]\ntarget = "cgr:sector-salud"\nrelation = "close"\nes = ["x"]\n', "relation must be"),
        ('[[entry]]\ntarget = "cgr:sector-salud"\nrelation = "synonym"\n', "no words"),
        ('[[entry]]\ntarget = "sector-salud"\nrelation = "synonym"\nes = ["x"]\n', "compact IRI"),
        ('[[entry]]\ntarget = "cgr:sector-salud"\nrelation = "synonym"\nes = [""]\n', "non-empty strings"),
        ('[[entry]]\ntarget = "cgr:sector-salud"\nrelation = "synonym"\nes = ["x"]\nfr = ["y"]\n', "unknown key"),
        ('[[kind]]\nes = ["red"]\n', "needs a key"),
    ],
)
def test_a_bad_thesaurus_is_refused_naming_the_entry(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "thesaurus.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=fragment):
        load_thesaurus(path)
