"""The name-remark lexicons and the labeled corpus built from them."""

from __future__ import annotations

import hashlib
import json
import re
import time
from functools import lru_cache

import pymorphy3
import pytest

from analyzer.config import DATA_DIR
from training import remarks

# Slang and vulgar words pymorphy3's dictionary does not know. Keep this list
# small: every entry is a real, common derogatory word, checked by hand.
SLANG_WORDS = frozenset("""
    дебилка имбецил тормознутый чмо лошара ушлёпок уёбок долбоёб нищеброд нищебродка бухарик
    брехло понторез выпендрёжник хамло психичка неадекват неадекватка шизанутый долбанутый
    ебанутый упоротый маразматичка душнила вредина хитрожопый халявщица распиздяй жиртрест
    жирдяй яжемать педик истерить быковать
""".split())
SLANG_PHRASE_WORDS = frozenset("ебать задолбать заебать кукуха прибабахом дурка".split())
# Known to pymorphy3 only as a form of another word ("кидала" = past of "кидать").
NOT_A_DICTIONARY_LEMMA = frozenset({"кидала"})

# sha256 of json.dumps(remarks.generate(seed=0, n=300), ensure_ascii=False). The
# corpus depends on the lexicons, training/data/remark_pools.yaml, pymorphy3,
# Faker, navec and the name lists: update this only for an intended change.
CORPUS_SHA256 = "239976cb62c637944073dc272003ab721e67fe96eaeab314a437ea733975b826"

LEXICONS = ("nickname_words", "nickname_phrases", "name_tags", "name_particles",
            "name_placeholders")


@lru_cache(maxsize=1)
def morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


def entries(name: str) -> list[str]:
    lines = (DATA_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    return [e for e in (line.split("#", 1)[0].strip() for line in lines) if e]


def norm(text: str) -> str:
    return text.lower().replace("ё", "е")


def text_lemmas(text: str) -> set[str]:
    """Lowercased words of `text` and every lemma pymorphy3 gives them."""
    out: set[str] = set()
    for word in re.findall(r"[а-яё]+", text.lower()):
        out.add(norm(word))
        out.update(norm(p.normal_form) for p in morph().parse(word))
    return out


def first_lemmas(phrase: str) -> set[str]:
    return {norm(morph().parse(w)[0].normal_form) for w in phrase.split()}


# --- lexicon files -------------------------------------------------------------


@pytest.mark.parametrize("name", LEXICONS)
def test_lexicon_has_no_duplicates(name):
    seen = [norm(e) for e in entries(name)]
    dupes = sorted({e for e in seen if seen.count(e) > 1})
    assert not dupes


def test_lexicon_sizes():
    assert len(entries("nickname_words")) >= 400
    assert len(entries("nickname_phrases")) >= 120
    assert 30 <= len(entries("name_tags")) <= 80
    assert len(entries("name_particles")) >= 20
    assert len(entries("name_placeholders")) >= 15


def test_nickname_words_are_known_lowercase_lemmas():
    for word in entries("nickname_words"):
        assert re.fullmatch(r"[а-яё]+", word), word
        if word in SLANG_WORDS:
            continue
        assert morph().word_is_known(word), f"unknown word {word!r}: fix it or whitelist it"
        lemmas = {norm(p.normal_form) for p in morph().parse(word)}
        assert norm(word) in lemmas or word in NOT_A_DICTIONARY_LEMMA, f"{word!r} is not a lemma"


def test_slang_whitelist_is_current():
    words = set(entries("nickname_words"))
    assert SLANG_WORDS <= words
    assert not [w for w in SLANG_WORDS if morph().word_is_known(w)]


def test_nickname_phrases_are_known_lowercase_phrases():
    for phrase in entries("nickname_phrases"):
        words = phrase.split()
        assert len(words) >= 2 and phrase == phrase.lower(), phrase
        for word in words:
            assert re.fullmatch(r"[а-яё]+", word), phrase
            assert morph().word_is_known(word) or word in SLANG_PHRASE_WORDS, (phrase, word)


def test_nickname_phrases_have_distinct_lemma_bags():
    bags = [frozenset(first_lemmas(p)) for p in entries("nickname_phrases")]
    assert len(bags) == len(set(bags))


def test_placeholders_are_known_russian():
    for entry in entries("name_placeholders"):
        assert entry == entry.lower(), entry
        assert all(morph().word_is_known(w) for w in entry.split()), entry


def test_particles_are_lowercase_single_words():
    for entry in entries("name_particles"):
        assert re.fullmatch(r"[а-яё]+", entry), entry


def test_neutral_lexicons_do_not_overlap_insults():
    insults = {norm(w) for w in entries("nickname_words")}
    neutral = {norm(e) for name in ("name_tags", "name_placeholders") for e in entries(name)}
    assert not insults & neutral


# --- corpus ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def split():
    return remarks.generate_split(seed=3, n=2000, holdout=0.25)


def test_generate_is_deterministic():
    assert remarks.generate(seed=5, n=300) == remarks.generate(seed=5, n=300)
    assert remarks.generate(seed=5, n=300) != remarks.generate(seed=6, n=300)


def test_generate_output_is_pinned():
    text = json.dumps(remarks.generate(seed=0, n=300), ensure_ascii=False)
    assert hashlib.sha256(text.encode()).hexdigest() == CORPUS_SHA256


def test_generate_split_is_deterministic(split):
    assert remarks.generate_split(seed=3, n=2000, holdout=0.25) == split


def test_labels_present_and_balanced(split):
    corpus = remarks.generate(seed=0, n=1000)
    for data in (corpus, *split):
        share = sum(label for _, label in data) / len(data)
        assert 0.45 <= share <= 0.55
        assert {label for _, label in data} == {0, 1}
        assert all(text.strip() for text, _ in data)
    assert len(corpus) == 1000
    assert (len(split[0]), len(split[1])) == (1500, 500)


def test_texts_are_unique_and_test_is_disjoint_from_train(split):
    train, test = split
    train_texts = [t for t, _ in train]
    assert len(set(train_texts)) == len(train_texts)
    assert not set(train_texts) & {t for t, _ in test}


def test_heldout_positives_use_only_heldout_lexicon(split):
    train_words, heldout_words = remarks.lexicon_split(seed=3, holdout=0.25)
    _, heldout_phrases = remarks.phrase_split(seed=3, holdout=0.25)
    train_only = {norm(w) for w in train_words} - {norm(w) for w in heldout_words}
    held = {norm(w) for w in heldout_words}
    bags = [first_lemmas(p) for p in heldout_phrases]
    for text, label in split[1]:
        if label:
            lemmas = text_lemmas(text)
            assert not lemmas & train_only, text
            assert lemmas & held or any(bag <= lemmas for bag in bags), text


def test_train_positives_avoid_heldout_words(split):
    train_words, heldout_words = remarks.lexicon_split(seed=3, holdout=0.25)
    heldout_only = {norm(w) for w in heldout_words} - {norm(w) for w in train_words}
    for text, label in split[0]:
        if label:
            assert not text_lemmas(text) & heldout_only, text


def test_lexicon_split_covers_the_lexicon():
    train, heldout = remarks.lexicon_split(seed=0, holdout=0.25)
    assert not train & heldout
    assert train | heldout == set(entries("nickname_words"))
    assert 0.2 <= len(heldout) / (len(train) + len(heldout)) <= 0.3


def test_corpus_has_hard_cases():
    corpus = remarks.generate(seed=0, n=3000)
    negatives = [t.lower() for t, label in corpus if label == 0]
    positives = [t.lower() for t, label in corpus if label == 1]
    hard_surnames = [s.lower()[:4] for s in remarks.POOLS["hard_surname"]]
    assert any(f"от {s}" in t for t in negatives for s in hard_surnames)
    assert any("бабушка" in t or "дедушка" in t for t in negatives)
    assert any("не соединять" in t for t in positives)


def test_generate_is_fast_enough():
    start = time.perf_counter()
    remarks.generate(seed=11, n=6000)
    assert time.perf_counter() - start < 20
