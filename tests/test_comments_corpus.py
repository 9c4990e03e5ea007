"""The labeled corpus of manager comments (training/comments_corpus.py)."""

from __future__ import annotations

import random
import re
import time
from collections import Counter

import pytest
from scipy.stats import spearmanr

from training import comments_corpus as cc
from training.comments_data import (
    CHANNELS,
    all_industries,
    all_pools,
    build_side,
    hard_cases,
    load,
)
from training.comments_render import Comment

SLOTS = ("action", "result", "next_step", "date")
KEYS = {"text", "completeness", "slots", "channels", "off_channel", "disrespect", "evidence",
        "family"}
# Unambiguous channel words: a generated comment that has one must carry the channel.
CHANNEL_WORDS = {
    "whatsapp": r"вотсап|вацап|ватсап|whatsapp|\bwa\b|\bватс\b",
    "telegram": r"телег[уа]|\bтг\b|телеграм|telegram|\btg\b",
    "viber": r"вайбер|viber|вибер",
    "sms": r"смс|\bsms\b",
    "max": r"\bmax\b|\bмакс[ае]?\b",
    "site_chat": r"чат[а-я]* на сайте|онлайн-чат|чат сайта",
}


@pytest.fixture(scope="module")
def timed_corpus():
    start = time.perf_counter()
    corpus = cc.generate(seed=0, n=6000)
    return corpus, time.perf_counter() - start


@pytest.fixture(scope="module")
def corpus(timed_corpus):
    return timed_corpus[0]


@pytest.fixture(scope="module")
def split():
    return cc.generate_split(seed=0, n=6000, holdout=0.2)


def share(items, pred) -> float:
    return sum(1 for x in items if pred(x)) / len(items)


# -- API, size, determinism ------------------------------------------------


def test_size_unique_and_fast(timed_corpus):
    corpus, seconds = timed_corpus
    assert len(corpus) == 6000
    assert len({r["text"] for r in corpus}) == 6000
    assert seconds < 30


def test_n_is_configurable():
    assert len(cc.generate(seed=1, n=4000)) == 4000
    small = cc.generate(seed=1, n=300)
    assert len(small) == 300 and len({r["text"] for r in small}) == 300


def test_deterministic():
    assert cc.generate(seed=5, n=500) == cc.generate(seed=5, n=500)
    assert cc.generate(seed=5, n=500) != cc.generate(seed=6, n=500)
    assert cc.generate_split(seed=2, n=600) == cc.generate_split(seed=2, n=600)


def test_record_schema(corpus):
    for r in corpus:
        assert set(r) == KEYS
        assert isinstance(r["text"], str) and r["text"] == r["text"].strip() and r["text"]
        assert r["completeness"] in (0, 1, 2)
        assert set(r["slots"]) == set(SLOTS) and all(isinstance(v, bool) for v in r["slots"].values())
        assert r["channels"] == sorted(set(r["channels"])) and set(r["channels"]) <= set(CHANNELS)
        assert isinstance(r["off_channel"], bool) and isinstance(r["disrespect"], bool)
        assert isinstance(r["family"], str) and r["family"]


def test_completeness_agrees_with_slots(corpus):
    for r in corpus:
        slots = r["slots"]
        assert (r["completeness"] == 2) == all(slots.values()), r
        if r["completeness"] == 0:
            assert not (slots["next_step"] and slots["date"]), r
        if slots["date"]:
            assert slots["next_step"], r


def test_evidence_spans(corpus):
    for r in corpus:
        if r["off_channel"] or r["disrespect"]:
            assert r["evidence"] and r["evidence"] in r["text"], r
        else:
            assert r["evidence"] is None, r


# -- label balance and length ----------------------------------------------


def test_label_balance(corpus):
    counts = Counter(r["completeness"] for r in corpus)
    for level in (0, 1, 2):
        assert 0.29 <= counts[level] / len(corpus) <= 0.38, counts
    assert 0.16 <= share(corpus, lambda r: r["off_channel"]) <= 0.24
    assert 0.09 <= share(corpus, lambda r: r["disrespect"]) <= 0.15
    assert 0.28 <= share(corpus, lambda r: not r["channels"]) <= 0.42


def test_length_does_not_predict_completeness(corpus):
    long = Counter(r["completeness"] for r in corpus if len(r["text"]) > 120)
    short = Counter(r["completeness"] for r in corpus if len(r["text"]) < 70)
    for level in (0, 1, 2):
        assert long[level] >= 0.2 * sum(long.values()), long
    assert short[2] >= 0.2 * sum(short.values()), short
    rho = spearmanr([len(r["text"]) for r in corpus], [r["completeness"] for r in corpus])[0]
    assert abs(rho) < 0.35


def test_every_channel_appears(corpus):
    seen = Counter(ch for r in corpus for ch in r["channels"])
    for channel in CHANNELS:
        assert seen[channel] >= 20, (channel, seen)


def test_channel_words_are_labeled(corpus):
    for r in corpus:
        if r["family"].startswith("hard."):
            continue
        text = r["text"].lower()
        for channel, pattern in CHANNEL_WORDS.items():
            if re.search(pattern, text):
                assert channel in r["channels"], (channel, r)


# -- held-out split -----------------------------------------------------------


def test_split_sizes_and_disjointness(split):
    train, test = split
    assert (len(train), len(test)) == (4800, 1200)
    assert not {r["text"] for r in test} & {r["text"] for r in train}
    train_families = {r["family"] for r in train}
    test_families = {r["family"] for r in test}
    assert not train_families & test_families
    assert len({f for f in test_families if not f.startswith("hard.")}) >= 6
    hard = {h["text"] for h in hard_cases()}
    assert hard <= {r["text"] for r in train} | {r["text"] for r in test}
    assert {r["text"] for r in test} & hard


def test_split_sides_are_balanced(split):
    for side in split:
        counts = Counter(r["completeness"] for r in side)
        assert all(counts[level] >= 0.28 * len(side) for level in (0, 1, 2)), counts
        assert share(side, lambda r: r["off_channel"]) >= 0.12
        assert share(side, lambda r: r["disrespect"]) >= 0.07


def test_split_holds_out_pool_entries():
    train, test = build_side(0, "train"), build_side(0, "test")
    for name, entries in all_pools().items():
        if len(entries) >= 2:
            assert not set(train.pools[name]) & set(test.pools[name]), name
            assert train.pools[name] and test.pools[name], name
    assert not set(train.values["names_m"]) & set(test.values["names_m"])


# -- data files ---------------------------------------------------------------


def test_every_pool_entry_renders():
    """Every phrase of every pool and industry fills without unknown placeholders."""
    side = build_side(0, "all")
    rng = random.Random(0)
    for industry, pools in all_industries().items():
        for name, entries in list(pools.items()) + list(all_pools().items()):
            for entry in entries:
                text = entry if isinstance(entry, str) else entry.text
                filled = Comment(side, rng, industry).fill(text)
                assert "{" not in filled and "}" not in filled, (industry, name, text)


def test_evidence_pools_are_bracketed():
    for name in ("off_statement", "disrespect"):
        for entry in all_pools()[name]:
            assert re.search(r"\[[^\]]+\]", entry.text), (name, entry.text)


def test_hard_case_file_entries_are_labeled():
    raw = load("hard_cases")
    assert len(raw) >= 150
    assert len({h["t"] for h in raw}) == len(raw)
    for h in raw:
        assert set(h) - {"ev"} == {"cat", "t", "c", "s", "ch", "oc", "dis"}, h
        assert h["c"] in (0, 1, 2) and set(h["s"]) <= set("arnd"), h
        assert set(h["ch"]) <= set(CHANNELS) and h["oc"] in (0, 1) and h["dis"] in (0, 1), h
        assert (h["c"] == 2) == (set(h["s"]) == set("arnd")), h
        assert not (h["c"] == 0 and {"n", "d"} <= set(h["s"])), h
        assert "d" not in h["s"] or "n" in h["s"], h
        if h["oc"] or h["dis"]:
            assert h.get("ev") and h["ev"] in h["t"], h
        else:
            assert "ev" not in h, h


def test_hard_cases_cover_the_hard_negatives():
    texts = " | ".join(h["t"] for h in load("hard_cases"))
    for phrase in ("Почтой России", "Телеграф", "Макс", "телеграм-канал", "Заявка с сайта",
                   "через CRM", "из CRM", "личном кабинете", "Личная встреча", "привезу лично",
                   "группе ВК", "телеграм-бот", "телефонию", "мы все идиоты", "пожилая",
                   "грубил", "требовательный", "Недоволен сроками", "чат на сайте",
                   "с личного вотсапа", "цифры сюда не пишу", "без записи", "неадекват",
                   "задолбала", "бабка ничего не понимает", "жмот", "душнила", "колхозник",
                   "мамаша-наседка", "wa.me", "t.me", "тг", "телегу", "вацап", "в макс"):
        assert phrase.lower() in texts.lower(), phrase


def test_hard_cases_are_in_the_corpus(corpus):
    texts = {r["text"] for r in corpus}
    hard = hard_cases()
    assert all(h["text"] in texts for h in hard)
    by_text = {r["text"]: r for r in corpus}
    assert all(by_text[h["text"]] == h for h in hard)
    assert Counter(h["completeness"] for h in hard).keys() == {0, 1, 2}
