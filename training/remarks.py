"""A labeled corpus of name-field remarks for the nickname classifier.

A *remark* is what is left of a CRM "ФИО" field once the name parts are taken
out: "истеричка, не соединять", "от Сергеева", "жена Олега Петрова". Label 1 is
a derogatory remark about the person, 0 a neutral one (role, referrer,
relation, company, place, lead source, contact preference, birthday, tags).

`generate()` builds a deterministic corpus from the lexicons in analyzer/data
(`nickname_words.txt`, `nickname_phrases.txt`), the word pools and templates
in training/data/remark_pools.yaml and the segment builders of
training/remarks_segments.py (inflection: training/remarks_morph.py).
`generate_split()` builds a train/test pair whose test positives use only
held-out insult words and phrases, and whose neutral fillers come from
held-out halves of the pools, to measure generalisation to unseen insults.
Everything was written from scratch: no dev or production data is used.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache

from faker import Faker

from analyzer.nlp import morph
from training.remarks_morph import (
    _norm,
    lemmas,
    nickname_phrases,
    nickname_words,
    phrase_bag,
    realise_phrase,
    remark_data,
    word_kind,
)
from training.remarks_segments import NEUTRAL, Side, phrase_remark, word_remark

__all__ = [
    "POOLS", "Side", "generate", "generate_split", "lemmas", "lexicon_split", "negative",
    "nickname_phrases", "nickname_words", "phrase_bag", "phrase_remark", "phrase_split",
    "pools", "positive", "realise_phrase", "word_kind", "word_remark",
]

POOLS: dict[str, tuple[str, ...]] = remark_data()["pools"]
SEPARATORS = remark_data()["separators"]
PHRASE_STOP = remark_data()["phrase_stop"]

# --------------------------------------------------------------------------
# Held-out splits.


def _groups(items: list[str], keys) -> list[list[str]]:
    """Items that share any key end up in one group (union-find)."""
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, item in enumerate(items):
        for key in keys(item):
            if key in owner:
                parent[find(i)] = find(owner[key])
            else:
                owner[key] = i
    grouped: dict[int, list[str]] = {}
    for i, item in enumerate(items):
        grouped.setdefault(find(i), []).append(item)
    return list(grouped.values())


def _pick_heldout(groups: list[list[str]], rng: random.Random, share: float) -> set[str]:
    groups = sorted(groups)
    rng.shuffle(groups)
    total = sum(len(g) for g in groups)
    heldout: set[str] = set()
    for group in groups:  # a group that would overshoot the share is skipped
        if len(heldout) + len(group) <= share * total + 1 or not heldout:
            heldout.update(group)
    return heldout


def lexicon_split(seed: int = 0, holdout: float = 0.25) -> tuple[set[str], set[str]]:
    """(train_words, heldout_words) of nickname_words.txt. Words sharing their
    first three letters (дурак/дура/дурень, хам/хамка/хамло) stay together, so a
    held-out word has no near-twin among the train words."""
    words = list(nickname_words())
    groups = _groups(words, lambda w: {_norm(w)[:3]})
    heldout = _pick_heldout(groups, random.Random(seed), holdout)
    return set(words) - heldout, heldout


def phrase_split(seed: int = 0, holdout: float = 0.25) -> tuple[set[str], set[str]]:
    """(train_phrases, heldout_phrases). A phrase holding lexicon words goes
    with them (dropped if they fall on both sides); the others are grouped by
    shared content lemmas ("выносить мозг" / "парить мозг") and split."""
    train_words, heldout_words = lexicon_split(seed, holdout)
    side = {_norm(w): "train" for w in train_words} | {_norm(w): "test" for w in heldout_words}
    fixed: dict[str, set[str]] = {"train": set(), "test": set()}
    free: list[str] = []
    for phrase in nickname_phrases():
        sides = {side[lem] for lem in lemmas(phrase) if lem in side}
        if len(sides) == 1:
            fixed[sides.pop()].add(phrase)
        elif not sides:
            free.append(phrase)
    groups = _groups(free, lambda p: phrase_bag(p) - PHRASE_STOP)
    held = _pick_heldout(groups, random.Random(seed + 1), holdout)
    return fixed["train"] | (set(free) - held), fixed["test"] | held


# --------------------------------------------------------------------------
# Neutral pools.


@lru_cache(maxsize=1)
def _word_pools() -> dict[str, tuple[str, ...]]:
    """Single neutral words, so that "one word" is never a cue for "insult":
    frequent nouns and adjectives of navec's news vocabulary (lemmas, with every
    lexicon word removed) and real surnames and first names."""
    from navec import Navec

    from analyzer.names import natasha_data, person_names
    from models.embeddings import NAVEC_FILE

    banned = {_norm(w) for w in nickname_words()}
    for phrase in nickname_phrases():
        banned |= {_norm(w) for w in phrase.split()}
    common = []
    vocab = Navec.load(str(natasha_data() / "emb" / NAVEC_FILE)).vocab.words   # frequency order
    for word in vocab[500:40_000]:
        if not re.fullmatch(r"[а-я]{4,}", word) or word in banned:
            continue
        parse = morph().parse(word)[0]
        if parse.tag.POS in ("NOUN", "ADJF") and parse.normal_form == word \
                and not {"Name", "Surn", "Patr"} & parse.tag.grammemes and not lemmas(word) & banned:
            common.append(word)
    names = sorted(person_names())
    return {"common_word": tuple(common),
            "surname": tuple(w.capitalize() for w in names if "Surn" in str(person_names()[w])),
            "first_name": tuple(w.capitalize() for w in names if "Name" in str(person_names()[w]))}


def pools() -> dict[str, tuple[str, ...]]:
    return {**POOLS, **_word_pools()}


# --------------------------------------------------------------------------
# Assembling the corpus.


def _join(segments: list[str], rng: random.Random) -> str:
    text = segments[0]
    for segment in segments[1:]:
        text += rng.choice(SEPARATORS) + segment
    return text


def positive(side: Side, rng: random.Random) -> str:
    """A derogatory remark, alone or among neutral segments."""
    if side.phrases and rng.random() < 0.35:
        segments = [phrase_remark(rng.choice(side.phrases), rng, side)]
    else:
        segments = [word_remark(rng.choice(side.words), rng, side)]
    if rng.random() < 0.08:
        segments.append(word_remark(rng.choice(side.words), rng, side))
    for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
        segments.insert(rng.randint(0, len(segments)), rng.choice(NEUTRAL)(side, rng))
    return _join(segments, rng)


INSTRUCTIONS = (", не звонить", ", не беспокоить", ", не соединять", ", осторожно",
                " - не звонить", ", звонить после 18")


def negative(side: Side, rng: random.Random) -> str:
    """One to three neutral segments; sometimes with the same instruction
    suffixes the positive templates use, so an instruction is no cue."""
    count = rng.choice((1, 1, 1, 2, 2, 3))
    text = _join([rng.choice(NEUTRAL)(side, rng) for _ in range(count)], rng)
    return text + rng.choice(INSTRUCTIONS) if rng.random() < 0.12 else text


def _noise(text: str, rng: random.Random) -> str:
    """Casing and punctuation habits, the same for both labels."""
    roll = rng.random()
    if roll < 0.07:
        text = text.upper()
    elif roll < 0.4:
        text = text[:1].upper() + text[1:]
    if rng.random() < 0.07:
        text = rng.choice(("- ", "— ", ", ", "/ ")) + text
    if rng.random() < 0.08:
        text += rng.choice(("!!!", "!", " (!)", "!!"))
    if rng.random() < 0.03:
        text = "ВНИМАНИЕ: " + text
    return text


def _build(side: Side, rng: random.Random, n: int, forbidden: frozenset[str],
           exclude: set[str] = frozenset()) -> list[tuple[str, int]]:
    """n unique examples, half positive; positives touching `forbidden` lemmas
    (the other side's lexicon words) are dropped."""
    out: list[tuple[str, int]] = []
    seen = set(exclude)
    counts = [n - n // 2, n // 2]  # still needed: [neutral, derogatory]
    for _ in range(50 * n):
        if not any(counts):
            break
        label = 1 if counts[1] and (not counts[0] or rng.random() < 0.5) else 0
        text = _noise((positive if label else negative)(side, rng), rng)
        if text in seen or (label and lemmas(text) & forbidden):
            continue
        seen.add(text)
        counts[label] -= 1
        out.append((text, label))
    return out


def _faker(seed: int) -> Faker:
    fake = Faker("ru_RU")
    fake.seed_instance(seed)
    return fake


def generate(seed: int = 0, n: int = 6000) -> list[tuple[str, int]]:
    """n labeled remarks (text, 1 derogatory / 0 neutral) from all lexicon
    entries and pools; deterministic for a seed."""
    side = Side(nickname_words(), nickname_phrases(), pools(), _faker(seed))
    return _build(side, random.Random(seed), n, frozenset())


def _split_pools(seed: int, holdout: float) -> tuple[dict, dict]:
    train, test = {}, {}
    for index, (name, items) in enumerate(sorted(pools().items())):
        shuffled = list(items)
        random.Random(seed * 1000 + index).shuffle(shuffled)
        k = max(1, round(len(shuffled) * holdout))
        train[name], test[name] = tuple(shuffled[k:]), tuple(shuffled[:k])
    return train, test


def generate_split(seed: int = 0, n: int = 6000, holdout: float = 0.25
                   ) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(train, test) with n examples in all, a `holdout` share of them in test.
    Train positives use only train words/phrases, test positives only held-out
    ones; neutral pools are split the same way; no test text occurs in train."""
    train_words, heldout_words = lexicon_split(seed, holdout)
    train_phrases, heldout_phrases = phrase_split(seed, holdout)
    train_pools, test_pools = _split_pools(seed, holdout)
    ordered = nickname_words()
    train_side = Side(tuple(w for w in ordered if w in train_words),
                      tuple(p for p in nickname_phrases() if p in train_phrases),
                      train_pools, _faker(seed))
    test_side = Side(tuple(w for w in ordered if w in heldout_words),
                     tuple(p for p in nickname_phrases() if p in heldout_phrases),
                     test_pools, _faker(seed + 1))
    n_test = round(n * holdout)
    train = _build(train_side, random.Random(seed), n - n_test,
                   frozenset(_norm(w) for w in heldout_words))
    test = _build(test_side, random.Random(seed + 1), n_test,
                  frozenset(_norm(w) for w in train_words), {t for t, _ in train})
    return train, test
