"""Thread plans of the conversation corpus: a flow (training/data/conversations/
flows.yaml) parsed into beats, then changed by the thread's kind — steps
removed (or replaced by a hard negative) and client questions added. Forbidden
phrases and hard negatives are injected by training/conversations_inject.py,
the rest of the shaping is in training/conversations_shape.py. A beat becomes
one message (e-mail merges consecutive beats of one side into one letter).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from training.conversations_data import STEPS

# Client beats that expect a reply: an unanswered thread is cut after one.
SUBSTANTIVE = ("c.inquiry", "c.intro", "c.answer", "c.objection", "c.question", "c.more")
REPLACEMENTS = {"greeting": 0.45, "offer": 0.5, "objections": 0.5, "closing": 0.55}
PLAIN_TOPICS = ("delivery", "payment", "installment", "warranty", "docs", "stock", "slots",
                "lead_time", "service", "location")


@dataclass
class Beat:
    """One message's worth of parts from one side."""

    role: str                       # "m" manager, "c" client
    parts: list[str]
    block: int = -1
    topic: str = ""                 # question topic shared by a question and its answer
    ignored: bool = False           # a client question the manager never answers
    extra: bool = False             # added beat, may be dropped if the thread is too long
    solo: bool = False              # never merged with a neighbour in e-mail
    delay: str = ""                 # "" | "ping" | "later"
    pair: int = 0


@dataclass
class Spec:
    """What a thread is to be: kind, flow, channel type, client persona."""

    kind: str
    flow: str
    email: bool
    persona: str
    topics: tuple[str, ...]
    b2b: bool = False
    missing: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ()
    used_topics: set[str] = field(default_factory=set)


def parse_flow(blocks) -> list[Beat]:
    plan = []
    for index, block in enumerate(blocks):
        for token in block:
            role, names = token.split(":")
            parts = [n if n in STEPS else f"{role}.{n}" for n in names.split("+")]
            plan.append(Beat(role, parts, block=index))
    return plan


def steps_of(beat: Beat) -> list[str]:
    return [p for p in beat.parts if p in STEPS]


def _adapt_reply(plan: list[Beat], i: int, step: str) -> None:
    """After removing `step` from beat i, fix the client's reply in its block."""
    j = i + 1
    while j < len(plan) and plan[j].block == plan[i].block and plan[j].role == "c":
        if step == "needs" and plan[j].parts == ["c.answer"]:
            plan[j].parts = ["c.hello"]
        if step == "closing" and plan[j].parts == ["c.agree"]:
            plan[j].parts = ["c.ack"]
            if j + 1 < len(plan) and plan[j + 1].parts == ["m.confirm"]:
                del plan[j + 1]
        j += 1


def _remove_rest(plan: list[Beat], i: int, step: str) -> None:
    """Remove beat i and what depends on it: the whole block for an objection,
    else the following beats of its block up to one that holds a step."""
    block = plan[i].block
    if step == "objections":
        plan[:] = [b for b in plan if b.block != block or block < 0]
        return
    del plan[i]
    while i < len(plan) and plan[i].block == block and not steps_of(plan[i]):
        del plan[i]


def drop_step(plan: list[Beat], step: str, rng: random.Random, email: bool) -> None:
    i = 0
    while i < len(plan):
        beat = plan[i]
        if beat.role != "m" or step not in beat.parts:
            i += 1
            continue
        beat.parts = [p for p in beat.parts if p != step]
        if not beat.parts and not (email and step == "greeting") \
                and rng.random() < REPLACEMENTS.get(step, 0):
            beat.parts = [_replacement(step, rng, email)]
        if beat.parts:
            if step == "greeting" and not email and "h.greet_bare" not in beat.parts \
                    and rng.random() < 0.3:
                beat.parts.insert(0, "h.greet_bare")
            _adapt_reply(plan, i, step)
            i += 1
        else:
            _remove_rest(plan, i, step)


def _replacement(step: str, rng: random.Random, email: bool) -> str:
    if step == "greeting":
        return "h.greet_bare" if rng.random() < 0.7 else "h.intro_only"
    return {"offer": "h.offer_generic", "objections": "h.obj_ignore",
            "closing": "h.vague_close"}[step]


def drop_orphan_objections(plan: list[Beat]) -> None:
    """Objection handling needs an objection raised since the last handling."""
    pending, keep = False, []
    for beat in plan:
        if beat.parts == ["c.objection"]:
            pending = True
        elif beat.role == "m" and "objections" in beat.parts:
            if not pending:
                beat.parts = [p for p in beat.parts if p != "objections"]
            pending = False
        if beat.parts:
            keep.append(beat)
    plan[:] = keep


def pick_topic(spec: Spec, rng: random.Random, allowed=None) -> str:
    topics = [t for t in spec.topics if allowed is None or t in allowed]
    fresh = [t for t in topics if t not in spec.used_topics] or topics or list(PLAIN_TOPICS)
    topic = rng.choice(fresh)
    spec.used_topics.add(topic)
    return topic


def assign_topics(plan: list[Beat], spec: Spec, rng: random.Random) -> None:
    """Give the flow's own questions a topic, and the next answer the same one."""
    for i, beat in enumerate(plan):
        if beat.parts == ["c.question"] and not beat.topic:
            beat.topic = pick_topic(spec, rng, PLAIN_TOPICS)
            for later in plan[i + 1:]:
                if later.role == "m" and "m.answer" in later.parts:
                    later.topic = beat.topic
                    break


def _next_pair(plan: list[Beat]) -> int:
    return max((b.pair for b in plan), default=0) + 1


def qa_positions(plan: list[Beat], need_later_m: bool = False, after: str = "c") -> list[int]:
    """Where a client question and its answer fit once the manager has spoken:
    after a client beat the manager replies to ("c": the client adds a
    question, the manager answers it and goes on), or after a manager beat the
    client replies to ("m": in e-mail this adds two letters)."""
    roles = [b.role for b in plan]
    first_m = roles.index("m") if "m" in roles else len(plan)
    out = []
    for i in range(first_m, len(plan)):
        following = roles[i + 1] if i + 1 < len(plan) else None
        wanted = ("m",) if after == "c" else (None, "c")     # never answer a cut tail
        if roles[i] != after or following not in wanted:
            continue
        if need_later_m and "m" not in roles[i + 1:]:
            continue
        out.append(i + 1)
    return out


def insert_qa(plan: list[Beat], rng: random.Random, spec: Spec, answer=("m.answer",),
              topic: str | None = None, need_later_m: bool = False,
              allowed=PLAIN_TOPICS, after: str | None = None) -> int:
    """Insert a client question and the manager's answer; the question's index or -1."""
    modes = [after] if after else (["c", "m"] if rng.random() < 0.75 else ["m", "c"])
    positions = []
    for mode in modes:
        positions = positions or qa_positions(plan, need_later_m, mode)
    if not positions:
        return -1
    pos = rng.choice(positions)
    topic = topic or pick_topic(spec, rng, allowed)
    pair = _next_pair(plan)
    plan.insert(pos, Beat("c", ["c.question"], topic=topic, extra=True, pair=pair))
    at = pos + 1
    while at < len(plan) and plan[at].role == "m" and plan[at].pair:
        at += 1                          # questions in a row are answered in order
    plan.insert(at, Beat("m", list(answer), topic=topic, extra=True, pair=pair))
    return pos


def answer_of(plan: list[Beat], q: int) -> int:
    """Index of the manager's answer to the question at q."""
    return next(i for i in range(q + 1, len(plan))
                if plan[i].role == "m" and plan[i].pair == plan[q].pair)
