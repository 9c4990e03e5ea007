"""The text pipeline: normalisation, de-obfuscation, spans back to the original."""

from __future__ import annotations

import pytest

from analyzer.nlp import deobfuscate, normalize_chars, view

DEOBFUSCATE = [
    ("ист3ричка", "истеричка"),
    ("ид1от", "идиот"),
    ("истери4ка", "истеричка"),
    ("неадекв@тная", "неадекватная"),
    ("HЫTИK", "НЫТИК"),
    ("xам", "хам"),
    ("пcиx", "псих"),
    ("дyра", "дура"),
    ("Иван0в", "Иванов"),
    ("Мебель", None),        # nothing to undo
    ("2024", None),          # digits alone stay digits
    ("VIP", None),           # Latin alone stays Latin
    ("3кв", None),           # too many digits to be a word
]


@pytest.mark.parametrize(("token", "expected"), DEOBFUSCATE)
def test_deobfuscate(token, expected):
    assert deobfuscate(token) == expected


def test_spaced_letters_join_into_one_word_with_the_original_span():
    text = "Морозов Павел (н е а д е к в а т)"
    v = view(text)
    word = [t for t in v.words if t.text == "неадекват"][0]
    assert v.quote(word.start, word.end) == "н е а д е к в а т"
    assert word.deobfuscated


def test_spans_survive_nfkc_and_invisible_characters():
    text = "Ｉｖａｎ\u200b Пётр"           # full-width Latin, zero-width space, ё
    v = view(text)
    assert [t.text for t in v.words] == ["Ivan", "Петр"]
    petr = v.words[1]
    assert v.quote(petr.start, petr.end) == "Пётр"


def test_nul_and_controls_become_spaces():
    norm, index = normalize_chars("а\x00б\x07в")
    assert norm == "а б в" and len(index) == len(norm)


def test_stress_marks_are_dropped_but_й_survives():
    norm, _ = normalize_chars("вое\u0301нный и\u0306")
    assert norm == "военный й"


def test_lemmas_are_cached_per_word_form():
    v = view("истерички истеричку")
    assert {t.lemma for t in v.words} == {"истеричка"}


def test_long_text_is_cut_and_says_so():
    v = view("а" * 5000, limit=300)
    assert v.truncated and len(v.original) == 300
