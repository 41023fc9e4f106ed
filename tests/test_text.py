"""German text analysis: folding, stems, stop words, compounds, prefix ranges."""

from __future__ import annotations

import pytest

from kikz.catalog import text

LEX = text.BUILTIN_PARTS


@pytest.mark.parametrize("spelling", ["Zählung", "Zaehlung", "ZÄHLUNG", "Zahlung", "zählungen"])
def test_umlaut_spellings_meet_in_one_stem(spelling: str) -> None:
    assert [text.stem(t) for t in text.tokens(spelling)] == ["zahlung"]


def test_fold_removes_umlauts_sharp_s_and_accents() -> None:
    assert text.fold("Straße Größe Café Ärger") == "strasse grosse cafe arger"


def test_tokens_drop_stop_words_punctuation_and_garbage() -> None:
    assert text.tokens("Die Bäume und der Radweg, z.B. in Köln-Süd! " + "x" * 50) == [
        "baume",
        "radweg",
        "koln",
        "sud",
    ]


def test_tokens_keep_only_ascii_letters_and_digits() -> None:
    assert text.tokens("Ελλάδα 2023 _ № ;--") == ["2023"]


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("radverkehrszahlung", ["rad", "verkehr", "zahlung"]),
        ("radwegenetz", ["rad", "weg", "netz"]),
        ("baumkataster", ["baum", "kataster"]),
        ("kindertagesstatten", ["kinder", "tagesstatte"]),
        ("wahlergebnisse", ["wahl", "ergebnis"]),
        ("verkehr", None),
        ("xyzabcqrs", None),
    ],
)
def test_split_compound_with_linking_elements(word: str, parts: list[str] | None) -> None:
    assert text.split_compound(word, LEX) == parts


def test_corpus_words_extend_the_lexicon() -> None:
    assert text.split_compound("kronendurchmesser", LEX) is None
    lexicon = LEX | text.lexicon_words(["Krone", "Durchmesser des Stammes"])
    assert text.split_compound("kronendurchmesser", lexicon) == ["krone", "durchmesser"]


def test_compound_terms_hold_whole_tails_and_parts() -> None:
    terms = text.compound_terms("radverkehrszahlung", LEX)
    assert terms[0] == "radverkehrszahl"
    assert {"verkehrszahl", "zahlung", "rad", "verkehr"} <= set(terms)


def test_prefix_upper_bound_is_the_next_term_in_the_alphabet() -> None:
    assert text.prefix_upper_bound("rad") == "rae"
    assert text.prefix_upper_bound("raz") == "rb"
    assert text.prefix_upper_bound("a9") == "aa"
    assert text.prefix_upper_bound("zz") is None
    words = ["ra", "rad", "radverkehr", "rad9", "radz", "rae", "rb"]
    inside = [w for w in words if "rad" <= w < "rae"]
    assert inside == ["rad", "radverkehr", "rad9", "radz"]
