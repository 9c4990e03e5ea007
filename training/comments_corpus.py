"""A labeled bootstrap corpus of manager comments on CRM deals.

Managers in amoCRM/Bitrix24 leave comments on deals ("нд 2р, скинул КП в
вотсап, перезв. завтра 11:00"). Each comment here is labeled with

* `completeness` 0/1/2 — can a colleague tell what was done, what came of it
  and what happens next (0 nothing useful, 1 a concrete fact but no dated next
  step, 2 all three with a date or time frame);
* `slots` — action / result / next_step / date present;
* `channels` — the means of contact with this client the comment names;
* `off_channel` — the manager works outside the company's logged channels;
* `disrespect` — the comment speaks of the client derogatorily;
* `evidence` — the exact span behind an off_channel or disrespect positive;
* `family` — the template family (or `hard.<category>.<k>` for the
  hand-written hard cases), the unit of the held-out split.

Comments are composed from phrase pools whose entries carry their labels
(training/data/comments/*.yaml, loaded by training/comments_data.py, filled by
training/comments_render.py, roughened by training/comments_noise.py). The
completeness label is computed from what the filled phrases contain, never
from the template's intent or the comment's length; each (completeness,
length bucket) cell is drawn equally often, so length does not predict the
label. Everything was written from general knowledge of how Russian sales
managers write; no dev, test or production data was read.
"""

from __future__ import annotations

import random

from training.comments_data import (
    BUCKETS,
    CHANNELS,
    SLOT_KEYS,
    Family,
    Side,
    build_side,
    hard_cases,
    heldout_hard_groups,
)
from training.comments_noise import cap_first, finish, noisy
from training.comments_render import Comment

__all__ = ["CHANNELS", "bucket", "completeness", "generate", "generate_split", "hard_cases"]

P_OFF, P_DIS = 0.2, 0.15          # disrespect is drawn among the non-off comments: ~12 % overall
P_CLIENT_NOTE, P_COMPANY_NOTE = 0.07, 0.04
P_PERSONAL_SLOT = 0.6             # off-channel via a personal account in a channel slot
HARD_SHARE = 10                   # at most n // HARD_SHARE hand-written cases
MAX_TRIES = 60


def completeness(slots: set[str], sub: bool) -> int:
    """2 = action, result, next step and its date all present; 1 = a
    substantive fact, or a dated next step alone; 0 = nothing useful."""
    if set("arnd") <= slots:
        return 2
    if sub or {"n", "d"} <= slots:
        return 1
    return 0


def bucket(text: str) -> str:
    return "short" if len(text) < 70 else "mid" if len(text) <= 120 else "long"


def _insert(text: str, piece: str, rng: random.Random) -> str:
    """Put a remark before, after or inside the comment."""
    roll = rng.random()
    if roll < 0.3:
        return cap_first(piece) + rng.choice((". ", ", ", " — ", "! ")) + text
    if roll < 0.85 or ", " not in text:
        return text + rng.choice((". ", ", ", " — ", " ", "! ", "; ")) + piece
    head, tail = text.split(", ", 1)
    return f"{head}, {piece}, {tail}"


def _decorate(cm: Comment, text: str, mode: str | None) -> str:
    rng, chosen = cm.rng, None
    if mode == "off":
        if cm.offers and rng.random() < P_PERSONAL_SLOT:
            chosen = rng.randrange(len(cm.offers))
        else:
            text = _insert(text, cm.pool("off_statement"), rng)
    elif mode == "dis":
        text = _insert(text, cm.pool("disrespect"), rng)
    if rng.random() < P_CLIENT_NOTE:
        text = _insert(text, cm.pool("client_note"), rng)
    if rng.random() < P_COMPANY_NOTE:
        text = _insert(text, cm.pool("company_note"), rng)
    return cm.resolve(text, chosen)


def _compose(side: Side, rng: random.Random, family: Family, mode: str | None) -> dict:
    industry = rng.choice(sorted(side.industries))
    cm = Comment(side, rng, industry)
    text = _decorate(cm, cm.fill(rng.choice(family.templates)), mode)
    text, evidence = finish(noisy(text, rng))
    return {"text": text, "completeness": completeness(cm.slots, cm.sub),
            "slots": {name: key in cm.slots for key, name in SLOT_KEYS.items()},
            "channels": sorted(cm.channels), "off_channel": cm.off, "disrespect": cm.dis,
            "evidence": evidence, "family": family.name}


def _families(side: Side, c: int, cell: str | None) -> list[Family]:
    return [f for f in side.families if f.completeness == c and (cell is None or f.bucket == cell)]


def _make(side: Side, rng: random.Random, c: int, cell: str, seen: set[str]) -> dict:
    """One comment of completeness `c`, preferably `cell` long, unseen text.
    The family is drawn once, so every family of a cell is used about equally;
    only if it keeps missing does any family of completeness `c` do."""
    roll = rng.random()
    mode = "off" if roll < P_OFF else "dis" if roll < P_OFF + (1 - P_OFF) * P_DIS else None
    families = _families(side, c, cell) or _families(side, c, None)
    family = rng.choices(families, weights=[f.weight for f in families])[0]
    for attempt in range(MAX_TRIES):
        if attempt >= MAX_TRIES // 2:
            family = rng.choice(_families(side, c, None))
        record = _compose(side, rng, family, mode)
        if record["completeness"] != c or record["text"] in seen:
            continue
        if attempt < MAX_TRIES // 3 and bucket(record["text"]) != cell:
            continue
        seen.add(record["text"])
        return record
    raise RuntimeError(f"could not compose a comment (c={c}, {cell}, {mode})")


def _generate(side: Side, key: str, n: int, hard: list[dict], seen: set[str]) -> list[dict]:
    rng = random.Random(key)
    hard = [h for h in hard if h["text"] not in seen]
    hard = rng.sample(hard, min(len(hard), n // HARD_SHARE))
    seen.update(h["text"] for h in hard)
    plan = [(i % 3, BUCKETS[(i // 3) % 3]) for i in range(n - len(hard))]
    rng.shuffle(plan)
    out = [dict(h) for h in hard] + [_make(side, rng, c, cell, seen) for c, cell in plan]
    rng.shuffle(out)
    return out


def generate(seed: int = 0, n: int = 6000) -> list[dict]:
    """`n` labeled comments from every pool and family, deterministic for a
    seed; the hand-written hard cases are included (at most n // 10)."""
    return _generate(build_side(seed, "all"), f"comments:{seed}:all", n, hard_cases(), set())


def generate_split(seed: int = 0, n: int = 6000,
                   holdout: float = 0.2) -> tuple[list[dict], list[dict]]:
    """(train, test) with n - round(n * holdout) and round(n * holdout)
    comments. Test comments come from held-out template families, the
    held-out part of every phrase pool, held-out groups of hard cases and a
    different Faker seed; no test text occurs in train."""
    n_test = round(n * holdout)
    held = heldout_hard_groups(seed, holdout)
    hard = hard_cases()
    is_test = [int(h["family"].rsplit(".", 1)[1]) in held for h in hard]
    train_hard = [h for h, t in zip(hard, is_test, strict=True) if not t]
    test_hard = [h for h, t in zip(hard, is_test, strict=True) if t]
    reserved = {h["text"] for h in test_hard}       # train never generates a test hard case
    train = _generate(build_side(seed, "train", holdout), f"comments:{seed}:train",
                      n - n_test, train_hard, set(reserved))
    seen = {r["text"] for r in train}
    test = _generate(build_side(seed, "test", holdout), f"comments:{seed}:test",
                     n_test, test_hard, seen)
    return train, test
