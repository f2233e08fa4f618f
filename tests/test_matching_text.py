"""Text matching of needs (coopgraph/core/matching/text.py): normalisation, stemming, longest-label phrase matching."""

from __future__ import annotations

import pytest

from coopgraph.core.matching.text import PhraseMatcher, Speller, edit_distance, family, normalise, stem, words


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Cambio Climático", "cambio climatico"),
        ("CAMBIO CLIMATICO", "cambio climatico"),
        ("  riego   y\tdrenaje\n", "riego y drenaje"),
        ("Women's empowerment", "women s empowerment"),
        ("ODS-2030", "ods 2030"),
        ("São Paulo", "sao paulo"),
        ("Ñandú, pingüino!", "nandu pinguino"),
        ("riego\x00y drenaje", "riego y drenaje"),
        ("💧", ""),
    ],
)
def test_normalise_folds_accents_case_and_punctuation(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("riesgos", "riesgo"),
        ("ciudades", "ciudad"),
        ("mujeres", "mujer"),
        ("naturales", "natural"),
        ("desastres", "desastre"),
        ("cities", "city"),
        ("SDGs", "SDG"),
        ("Energías renovables", "energía renovable"),
    ],
)
def test_plural_and_singular_compare_equal(one: str, other: str) -> None:
    assert words(one) == words(other)


def test_short_words_are_not_stemmed() -> None:
    assert [stem(w) for w in ("ods", "paz", "gas", "es")] == ["ods", "paz", "gas", "es"]


def test_longest_label_wins_and_labels_do_not_overlap() -> None:
    matcher = PhraseMatcher(
        [("cambio climático", "cc"), ("clima", "c"), ("cambio", "x"), ("medio ambiente", "ma"), ("ambiente", "a")]
    )
    found = matcher.find("El cambio climático y el medio ambiente")
    assert [m.payload for m in found] == ["cc", "ma"]
    assert [(m.start, m.end) for m in found] == [(1, 3), (5, 7)]


def test_several_payloads_share_a_label() -> None:
    matcher = PhraseMatcher([("gestión ambiental", "sector"), ("gestión ambiental", "competence")])
    assert sorted(m.payload for m in matcher.find("gestion ambiental")) == ["competence", "sector"]


def test_a_label_must_match_whole_words_in_order() -> None:
    matcher = PhraseMatcher([("riego y drenaje", "r")])
    assert matcher.find("drenaje y riego") == []
    assert matcher.find("riegos y drenajes")[0].payload == "r"
    assert PhraseMatcher([("agro", "a")]).find("agronomía") == []


def test_vocabulary_and_size() -> None:
    matcher = PhraseMatcher([("Salud pública", 1), ("salud", 2), ("", 3)])
    assert len(matcher) == 2
    assert matcher.vocabulary() == {"salud", stem("publica")} == {"salud", "public"}


@pytest.mark.parametrize(
    ("one", "other"),
    [("técnico", "técnica"), ("técnicos", "técnicas"), ("público", "pública"), ("rurales", "rural")],
)
def test_gender_and_number_fold_alike(one: str, other: str) -> None:
    """Spanish adjectives agree with their noun: "asistencia técnica" and "apoyo técnico" share a word."""
    assert words(one) == words(other)


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        ("frontera", "fronterizo", True),
        ("cultura", "cultural", True),
        ("hermanamiento", "hermanamientos", True),
        ("agricultura", "agrícola", False),
        ("educación", "educativo", False),
        ("salud", "saludo", True),
        ("articulación", "artículo", False),
    ],
)
def test_word_families(one: str, other: str, same: bool) -> None:
    """Two words are one family when one adds at most two letters to most of the other (fronterizo: frontera)."""
    assert family(stem(normalise(one)), stem(normalise(other))) is same


def test_the_speller_corrects_to_the_one_nearest_known_word() -> None:
    speller = Speller(["educacion", "hermanamiento", "climatic", "climat", "salud", "migracion", "riego"])
    assert speller.correct("edcuacion") == "educacion"  # two letters swapped
    assert speller.correct("hermanamieto") == "hermanamiento"  # one letter missing
    assert speller.correct("climatco") == "climatic"
    assert speller.correct("salud") is None, "a known word is not corrected"
    assert speller.correct("riegp") == "riego"
    assert speller.correct("sal") is None and speller.correct("xyz") is None, "short words are not guessed"


def test_the_speller_refuses_a_tie() -> None:
    """Two known words equally near: no guess (the need is read without the word)."""
    speller = Speller(["pesca", "pasta"])
    assert speller.correct("pesta") is None


def test_edit_distance_counts_swaps_as_one() -> None:
    assert edit_distance("edcuacion", "educacion", 2) == 1
    assert edit_distance("salud", "salud", 2) == 0
    assert edit_distance("abc", "abcdefgh", 2) == 3, "past the limit: limit + 1"
