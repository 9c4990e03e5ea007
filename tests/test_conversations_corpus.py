"""The labeled corpus of manager-client threads (training/conversations_corpus.py)."""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest

from training import conversations_corpus as cc
from training.conversations_data import (
    CHANNELS,
    KINDS,
    STAGES,
    STEPS,
    TY_FORMS,
    all_pools,
    build_side,
    groups,
    template_regex,
)
from training.conversations_data import ack_texts as load_acks
from training.conversations_time import is_working

THREAD_KEYS = {"id", "channel", "stage", "industry", "family", "messages", "steps", "forbidden",
               "unanswered"}
MESSAGE_KEYS = {"id", "direction", "created_at", "text", "steps", "forbidden", "spans"}
HELLO = re.compile(r"здрав|здрас|драсьте|добр|привет|приветств", re.I)
DATE = re.compile(r"понедельник|вторник|сред[уыа]|четверг|пятниц|суббот|воскресен|завтра|"
                  r"сегодня|\d{1,2}[.:]\d{2}|\bв \d{1,2}\b", re.I)
DONT_KNOW = re.compile(r"зна|понятия|в курсе|хз|неизвестн", re.I)
PROMISE = re.compile(r"скидк|\d+\s?%|гарант|бесплатн|за наш сч|верн|обещ|навсегда|подар|"
                     r"отсрочк|успеем|за один день", re.I)
FOLLOW_UP = re.compile(r"уточн|выясн|узна|сверюсь", re.I)
QUOTED = re.compile(r"«[^»]*»")
NEEDS_LIKE = re.compile(r"бюджет|для каких задач|сроки|объём|решени", re.I)
BARE_HELLO = re.compile(r"\W*(добрый день|здравствуйте|доброе утро|добрый вечер|приветствую|"
                        r"доброго дня)[^.?]*?[!.]?\s*", re.I)


@pytest.fixture(scope="module")
def timed_corpus():
    start = time.perf_counter()
    corpus = cc.generate(seed=0, n=600)
    return corpus, time.perf_counter() - start


@pytest.fixture(scope="module")
def corpus(timed_corpus):
    return timed_corpus[0]


@pytest.fixture(scope="module")
def split():
    return cc.generate_split(seed=0, n=600, holdout=0.3)


@pytest.fixture(scope="module")
def ack_texts():
    return load_acks()


def kind(thread) -> str:
    return thread["family"].split(".", 1)[0]


def outs(thread):
    return [m for m in thread["messages"] if m["direction"] == "out"]


def all_out(corpus):
    return [(t, m) for t in corpus for m in outs(t)]


def tail(thread):
    """Client messages after the manager's last message."""
    msgs = thread["messages"]
    last = max((i for i, m in enumerate(msgs) if m["direction"] == "out"), default=-1)
    return msgs[last + 1:]


def share(items, pred) -> float:
    return sum(1 for x in items if pred(x)) / len(items)


# -- API, size, determinism ------------------------------------------------


def test_size_and_speed(timed_corpus):
    corpus, seconds = timed_corpus
    assert len(corpus) == 600
    assert len({t["id"] for t in corpus}) == 600
    assert corpus[0]["id"] == "cv-0-00001"
    assert seconds < 20


def test_deterministic():
    assert cc.generate(seed=5, n=80) == cc.generate(seed=5, n=80)
    assert cc.generate(seed=5, n=80) != cc.generate(seed=6, n=80)
    assert cc.generate_split(seed=2, n=100) == cc.generate_split(seed=2, n=100)


def test_schema(corpus):
    for t in corpus:
        assert set(t) == THREAD_KEYS
        assert t["channel"] in CHANNELS and t["stage"] in STAGES
        assert isinstance(t["industry"], str) and kind(t) in cc.FAMILY_KINDS
        assert 8 <= len(t["messages"]) <= 30, (t["id"], len(t["messages"]))
        assert t["steps"] == sorted(set(t["steps"])) and set(t["steps"]) <= set(STEPS)
        assert t["forbidden"] == sorted(set(t["forbidden"])) and set(t["forbidden"]) <= set(KINDS)
        times = []
        for i, m in enumerate(t["messages"], 1):
            assert set(m) == MESSAGE_KEYS and m["id"] == f"m{i}"
            assert m["direction"] in ("in", "out")
            assert isinstance(m["text"], str) and m["text"].strip() == m["text"] and m["text"]
            assert m["created_at"].endswith("+03:00")
            times.append(datetime.fromisoformat(m["created_at"]))
            assert m["steps"] == sorted(set(m["steps"])) and set(m["steps"]) <= set(STEPS)
            assert m["forbidden"] == sorted(set(m["forbidden"])) and set(m["forbidden"]) <= set(KINDS)
            assert set(m["spans"]) == set(m["steps"]) | set(m["forbidden"])
        assert times == sorted(times) and times[0].utcoffset() == timedelta(hours=3)


def test_no_template_leftovers(corpus):
    for t in corpus:
        for m in t["messages"]:
            assert not re.search(r"[{}]|\[\[|\]\]|\(\(|\)\)", m["text"]), m["text"]


# -- labels ----------------------------------------------------------------


def test_spans_point_at_their_phrase(corpus):
    checks = {"greeting": HELLO, "closing": DATE, "dont_know": DONT_KNOW, "promise": PROMISE,
              "ty_formal": TY_FORMS}
    for _, m in all_out(corpus):
        for label, (start, end) in m["spans"].items():
            piece = m["text"][start:end]
            assert 0 <= start < end <= len(m["text"]) and piece == piece.strip(), (label, m)
            if label in checks:
                assert checks[label].search(piece), (label, piece)


def test_client_messages_carry_no_labels(corpus):
    for t in corpus:
        for m in t["messages"]:
            if m["direction"] == "in":
                assert not m["steps"] and not m["forbidden"] and not m["spans"]


def test_thread_labels_are_the_union_of_manager_messages(corpus):
    for t in corpus:
        assert t["steps"] == sorted({s for m in outs(t) for s in m["steps"]})
        assert t["forbidden"] == sorted({k for m in outs(t) for k in m["forbidden"]})


def test_unanswered_definition(corpus, ack_texts):
    """Unanswered = client messages after the manager's last message (except
    a plain acknowledgement such as "Спасибо!"), plus client questions the
    manager skipped in mid-thread (family unanswered_mid)."""
    for t in corpus:
        by_id = {m["id"]: m for m in t["messages"]}
        assert all(by_id[i]["direction"] == "in" for i in t["unanswered"])
        after = {m["id"] for m in tail(t)}
        for m in tail(t):
            assert (m["id"] in t["unanswered"]) == (m["text"] not in ack_texts), (t["id"], m)
        mid = [i for i in t["unanswered"] if i not in after]
        for i in mid:
            assert "?" in by_id[i]["text"] and kind(t) == "unanswered_mid", (t["id"], i)
        if kind(t) == "unanswered_mid":
            assert mid, t["id"]
        if kind(t) in ("unanswered_tail", "silent"):
            assert after & set(t["unanswered"]), t["id"]
        if kind(t) in ("full", "skip", "forbidden"):
            assert not t["unanswered"], t["id"]
        if kind(t) == "silent":
            assert not outs(t) and not t["steps"]


def test_family_mix(corpus):
    kinds = Counter(kind(t) for t in corpus)
    assert 0.13 <= kinds["forbidden"] / 600 <= 0.17
    assert 0.17 <= (kinds["unanswered_tail"] + kinds["unanswered_mid"]) / 600 <= 0.23
    assert kinds["silent"] >= 25 and kinds["full"] >= 120 and kinds["skip"] >= 120
    assert 0.13 <= share(corpus, lambda t: bool(t["forbidden"])) <= 0.17
    assert 0.2 <= share(corpus, lambda t: bool(t["unanswered"])) <= 0.3
    for t in corpus:
        if kind(t) == "full":
            assert t["steps"] == sorted(STEPS) and not t["forbidden"], t["id"]
        if kind(t) == "skip":
            assert len(t["steps"]) < 5 and not t["forbidden"], t["id"]
        if kind(t) == "forbidden":
            assert t["forbidden"], t["id"]


def test_step_balance(corpus):
    subsets = Counter(tuple(t["steps"]) for t in corpus if kind(t) != "silent")
    assert len(subsets) >= 20
    for step in STEPS:
        present = share(corpus, lambda t, s=step: s in t["steps"])
        assert 0.55 <= present <= 0.9, (step, present)


def test_every_forbidden_kind(corpus):
    counts = Counter(k for t in corpus for k in t["forbidden"])
    for k in KINDS:
        assert counts[k] >= 12, counts
    for t, m in all_out(corpus):
        if "ty_formal" in m["forbidden"]:
            assert t["channel"] == "email"


def test_ty_formal_iff_ty_outside_quotes_in_email(corpus):
    for t, m in all_out(corpus):
        if t["channel"] == "email":
            bare = QUOTED.sub("", m["text"])
            assert bool(TY_FORMS.search(bare)) == ("ty_formal" in m["forbidden"]), m["text"]


def test_channels_industries_stages(corpus):
    assert set(Counter(t["channel"] for t in corpus)) == set(CHANNELS)
    assert len({t["industry"] for t in corpus}) >= 11
    assert len({t["stage"] for t in corpus}) == len(STAGES)


# -- hard negatives ----------------------------------------------------------


def count_out(corpus, pred) -> int:
    return sum(1 for t, m in all_out(corpus) if pred(t, m))


def test_hard_negatives_present(corpus):
    dont_know_ok = count_out(corpus, lambda t, m: re.search(r"не знаю", m["text"], re.I)
                             and FOLLOW_UP.search(m["text"]) and "dont_know" not in m["forbidden"])
    dont_know = count_out(corpus, lambda t, m: "dont_know" in m["forbidden"])

    def small_discount(t, m):
        pcts = [int(x) for x in re.findall(r"(\d+)\s?%", m["text"])]
        return "скидк" in m["text"].lower() and pcts and max(pcts) <= 10 and "promise" not in m["forbidden"]

    ty_quoted = count_out(corpus, lambda t, m: t["channel"] == "email" and any(
        TY_FORMS.search(q) for q in QUOTED.findall(m["text"])) and "ty_formal" not in m["forbidden"])
    ty_messenger = count_out(corpus, lambda t, m: t["channel"] != "email"
                             and TY_FORMS.search(m["text"]) and not m["forbidden"])
    vague = count_out(corpus, lambda t, m: "на днях" in m["text"] and "closing" not in m["steps"])
    bare_hello = count_out(corpus, lambda t, m: BARE_HELLO.fullmatch(m["text"]) and not m["steps"])
    intro_only = count_out(corpus, lambda t, m: re.match(r"(меня зовут|это|я) ", m["text"], re.I)
                           and not HELLO.search(m["text"]) and "greeting" not in m["steps"])
    client_needs = sum(1 for t in corpus for m in t["messages"] if m["direction"] == "in"
                       and "?" in m["text"] and NEEDS_LIKE.search(m["text"]))
    found = {"dont_know_ok": dont_know_ok, "dont_know": dont_know, "ty_quoted": ty_quoted,
             "small_discount": count_out(corpus, small_discount), "ty_messenger": ty_messenger,
             "vague_close": vague, "bare_hello": bare_hello, "intro_only": intro_only,
             "client_needs_question": client_needs}
    assert min(found.values()) >= 3, found


def test_labeled_discounts_are_above_policy(corpus):
    for _, m in all_out(corpus):
        start_end = m["spans"].get("promise")
        if start_end:
            pcts = [int(x) for x in re.findall(r"(\d+)\s?%", m["text"][slice(*start_end)])]
            assert all(p > 10 for p in pcts), m["text"]


# -- times -----------------------------------------------------------------


def test_times_are_realistic(corpus):
    out_times = [datetime.fromisoformat(m["created_at"]) for _, m in all_out(corpus)]
    in_times = [datetime.fromisoformat(m["created_at"]) for t in corpus for m in t["messages"]
                if m["direction"] == "in"]
    assert share(out_times, is_working) >= 0.85
    assert share(in_times, lambda d: not is_working(d)) >= 0.1
    assert share(in_times, lambda d: d.weekday() >= 5) >= 0.02
    delays, next_morning = [], 0
    for t in corpus:
        for prev, m in zip(t["messages"], t["messages"][1:], strict=False):
            if prev["direction"] == "in" and m["direction"] == "out":
                a, b = (datetime.fromisoformat(x["created_at"]) for x in (prev, m))
                if is_working(a):
                    delays.append((b - a).total_seconds() / 60)
                elif b.date() > a.date() and 9 <= b.hour < 11:
                    next_morning += 1
    delays.sort()
    assert delays[len(delays) // 2] < 20 and next_morning >= 50


# -- held-out split ----------------------------------------------------------


def test_split_sizes_ids_and_families(split):
    train, test = split
    assert len(train) == 420 and len(test) == 180
    ids = [t["id"] for t in train + test]
    assert len(set(ids)) == 600 and test[0]["id"] == "cv-0-00421"
    flows = [{t["family"].split(".", 1)[1] for t in side} for side in split]
    assert flows[0] and flows[1] and not flows[0] & flows[1]
    for side in split:
        kinds = Counter(kind(t) for t in side)
        assert set(kinds) == set(cc.FAMILY_KINDS), kinds
        assert {k for t in side for k in t["forbidden"]} == set(KINDS)


def test_pool_halves_are_disjoint_and_complete():
    train, test, full = build_side(0, "train", 0.3), build_side(0, "test", 0.3), build_side(0)
    for name, phrases in full.pools.items():
        a = {p.text for p in train.pools[name]}
        b = {p.text for p in test.pools[name]}
        assert not a & b, name
        assert a | b == {p.text for p in phrases}, name
        for key, members in groups(phrases).items():
            assert len(members) >= 2, (name, key)
            assert any(p.register == key[0] and p.topic == key[1] for p in test.pools[name])


def test_phrasing_counts():
    pools, side = all_pools(), build_side(0, "test", 0.3)
    for step in STEPS:
        assert len({p.text for p in pools[step]}) >= 60, step
        assert len(side.pools[step]) >= 30, step
    for k in KINDS:
        assert len({p.text for p in pools[f"x.{k}"]}) >= 15, k
        assert len(side.pools[f"x.{k}"]) >= 7, k


def test_ack_texts_occur_in_no_other_client_pool(ack_texts):
    for name, phrases in all_pools().items():
        if name.startswith("c.") and name != "c.ack":
            assert not ack_texts & {p.text for p in phrases}, name


def _sources(side_name: str) -> dict[str, list[re.Pattern]]:
    side = build_side(0, side_name, 0.3)
    return {label: [template_regex(p.text) for p in side.pools[pool]]
            for label, pool in [(s, s) for s in STEPS] + [(k, f"x.{k}") for k in KINDS]}


def test_test_threads_use_held_out_phrasings(split):
    """E-mail text is never roughened, so every labeled span of a test letter
    must be a filling of a held-out template (and train spans of train ones)."""
    for side, name in zip(split, ("train", "test"), strict=True):
        sources = _sources(name)
        checked = 0
        for t, m in all_out(side):
            if t["channel"] != "email":
                continue
            for label, (start, end) in m["spans"].items():
                piece = m["text"][start:end]
                assert any(r.fullmatch(piece) for r in sources[label]), (name, label, piece)
                checked += 1
        assert checked >= 100
