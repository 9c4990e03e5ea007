"""Rendering a thread plan (training/conversations_plan.py) into timed,
labeled messages.

Each part of a beat becomes a segment drawn from its pool; a segment of a step
pool carries the step, a segment of a forbidden pool its kind (ты-forms only
in e-mail), everything else no label. The message's labels and spans come
from its segments, so a label is present exactly when its phrase is.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from training import conversations_time as ct
from training.conversations_data import KINDS, STEPS, Item, Phrase, Side
from training.conversations_plan import Beat
from training.conversations_shape import group, is_ack
from training.conversations_text import (
    EMOJI,
    Segment,
    agree,
    assemble,
    fill,
    low_first,
    money,
    typo,
)

OBJECTION_WEIGHTS = {"price": 0.35, "timing": 0.15, "competitor": 0.15, "think": 0.2, "trust": 0.15}
NO_TYPO = ("greeting", "closing", "h.", "x.", "m.doc", "c.ack", "c.ping")
PERSONA_POOLS = ("c.inquiry", "c.react", "c.ping")
GREETING_PARTS = ("c.inquiry", "c.intro", "c.hello", "c.hello_first")


@dataclass
class Thread:
    """Everything a thread's text depends on."""

    rng: random.Random
    side: Side
    email: bool
    casual_share: float
    persona: str
    industry: dict
    item: Item
    slots: dict[str, str]
    price: int
    m_gender: str
    c_gender: str
    b2b: bool
    used: set[str] = field(default_factory=set)
    needs_used: set[str] = field(default_factory=set)
    needs_topic: str = "general"
    obj_topic: str = "generic"
    obj_used: set[str] = field(default_factory=set)
    now: datetime | None = None
    casual: bool = False
    manager_seen: bool = False

    def slot(self, name: str) -> str:
        rng = self.rng
        if name in self.slots:
            return self.slots[name]
        if name == "feature":
            return rng.choice(self.industry["features"])
        if name in ("price", "price2"):
            value = self.price if name == "price" else int(self.price * 0.8) // 1000 * 1000
            return money(max(value, 1000), self.casual, rng)
        if name == "days":
            return ct.days_phrase(rng)
        if name == "when":
            return ct.when_phrase(self.now, rng, self.casual)
        if name == "until":
            return ct.until_phrase(self.now, rng)
        if name == "pct_ok":
            return str(rng.randint(3, 10))
        if name == "pct_bad":
            return str(rng.choice((15, 20, 25, 30, 35, 40, 50)))
        raise KeyError(f"unknown slot {{{name}}}")

    def pick(self, pool: str, register: str | None = None, topics=None) -> Phrase:
        """A phrase of the pool in the register and topics, one not yet used in
        the thread if possible; if none fits, the topic and then the register
        are relaxed (never to casual text in a letter)."""
        phrases = self.side.pools[pool]
        chain = [(register, topics), (register, None), (None, topics), (None, None)]
        layers = [[p for p in phrases if (reg is None or p.register in (reg, "any"))
                   and (top is None or p.topic in top)] for reg, top in chain]
        if register == "formal":
            layers = layers[:2]                      # never casual text in a letter
        for layer in layers:
            cands = [p for p in layer if p.text not in self.used] or layer
            if cands:
                phrase = self.rng.choice(cands)
                self.used.add(phrase.text)
                return phrase
        raise KeyError(f"empty pool {pool}")

    def text(self, phrase: Phrase) -> str:
        raw = agree(phrase.text, self.m_gender, self.c_gender, self.item.gender)
        return fill(raw, self.slot)


def _goods(th: Thread) -> tuple[str, ...]:
    return ("", "goods") if th.industry.get("goods") else ("",)


def _promise_topics(th: Thread, beat: Beat) -> tuple[str, ...]:
    """A promise answering "а скидка будет?" is about the discount."""
    return ("discount",) if beat.topic == "discount" else (*_goods(th), "discount")


def _day_topics(now: datetime) -> tuple[str, ...]:
    if now.hour < 12:
        return ("", "morning")
    return ("", "evening") if now.hour >= 18 else ("",)


def _step_topics(th: Thread, step: str, register: str) -> tuple[str, ...] | None:
    if step == "greeting":
        return _day_topics(th.now)
    if step == "objections":
        return (th.obj_topic, "generic")
    if step != "needs":
        return None
    have = {p.topic for p in th.side.pools["needs"] if p.register in (register, "any")}
    fresh = sorted(have - th.needs_used) or sorted(have)
    th.needs_topic = th.rng.choice(fresh)
    th.needs_used.add(th.needs_topic)
    return (th.needs_topic,)


def _client_topic(th: Thread, pool: str, beat: Beat) -> tuple[str, ...] | None:
    if pool in PERSONA_POOLS:
        return (th.persona,)
    if pool == "c.answer":
        return (th.needs_topic,)
    if pool == "c.question":
        return (beat.topic,)
    if pool in ("c.intro", "c.sign"):
        return ("b2b",) if th.b2b else ("private",)
    if pool == "c.objection":
        weights = dict(OBJECTION_WEIGHTS)
        if th.persona == "haggling":
            weights["price"] = 1.2
        for used in th.obj_used:
            weights[used] *= 0.15
        th.obj_topic = th.rng.choices(list(weights), weights=list(weights.values()))[0]
        th.obj_used.add(th.obj_topic)
        return (th.obj_topic,)
    return None


def manager_segment(th: Thread, part: str, beat: Beat) -> Segment:
    casual = not th.email and th.rng.random() < th.casual_share
    register = "casual" if casual else "formal"
    th.casual = casual
    label, pool, topics = None, part, None
    if part in STEPS:
        label, topics = part, _step_topics(th, part, register)
    elif part.startswith("x."):
        kind = part[2:]
        label = kind if kind != "ty_formal" or th.email else None
        topics = _promise_topics(th, beat) if kind == "promise" else None
    elif part == "h.promise_ok":
        topics = _promise_topics(th, beat)
    elif part == "h.dont_know_ok":
        topics = _goods(th)
    elif part == "h.ty_casual":
        pool = "x.ty_formal"
    elif part in ("h.greet_bare", "m.salute"):
        topics = _day_topics(th.now)
    elif part == "m.answer":
        topics = (beat.topic,)
    text = th.text(th.pick(pool, register, topics))
    if casual and th.rng.random() < 0.08 and not part.startswith(NO_TYPO):
        text = typo(text, th.rng)
    return Segment(text, label, casual=casual)


def client_segment(th: Thread, part: str, beat: Beat) -> Segment:
    th.casual = not th.email
    text = th.text(th.pick(part, None, _client_topic(th, part, beat)))
    if not th.email and part != "c.ack":
        if th.rng.random() < 0.12 and not part.startswith(NO_TYPO):
            text = typo(text, th.rng)
        if th.rng.random() < 0.06:
            text += " " + th.rng.choice(EMOJI)
    return Segment(text, casual=part != "c.ack")


def _email_wrap(th: Thread, role: str, segments: list[Segment], parts: list[str]) -> list[Segment]:
    """Salutation and sign-off of a letter; the manager's never name the manager."""
    rng = th.rng
    if role == "m":
        head = [] if parts[0] in ("greeting", "h.greet_bare") else \
            [manager_segment(th, "m.salute", Beat("m", []))]
        tail = [Segment(th.text(th.pick("m.sign")), sep="\n\n")] if rng.random() < 0.85 else []
    else:
        if parts == ["c.ack"]:
            return segments
        head = [] if parts[0] in GREETING_PARTS or th.rng.random() < 0.4 else \
            [Segment(th.text(th.pick("c.salute", None, ("named",) if th.manager_seen else ("plain",))))]
        tail = [Segment(th.text(th.pick("c.sign", None, _client_topic(th, "c.sign", None))),
                        sep="\n\n")] if rng.random() < 0.6 else []
    if head and segments:
        segments[0].sep = "\n\n"
    return head + segments + tail


def _time(th: Thread, prev: datetime | None, prev_role: str, beat: Beat) -> datetime:
    rng = th.rng
    if prev is None:
        return ct.thread_start(rng, manager_first=beat.role == "m")
    if beat.delay == "ping":
        return ct.ping(prev, rng, th.persona)
    if beat.delay == "later":
        later = ct.minutes(prev, 15, 120, rng)
        return later if ct.is_working(later) else ct.next_morning(later, rng)
    if beat.role == prev_role:
        return ct.burst(prev, rng, th.email, beat.role)
    if beat.role == "m":
        return ct.manager_reply(prev, rng, th.email)
    return ct.client_reply(prev, rng, th.persona, th.email)


def _segments(th: Thread, beats: list[Beat], new_day: bool) -> list[Segment]:
    out: list[Segment] = []
    for b, beat in enumerate(beats):
        for p, part in enumerate(beat.parts):
            make = manager_segment if beat.role == "m" else client_segment
            seg = make(th, part, beat)
            if p and beat.parts[p - 1] == "m.followup":
                seg.text = low_first(seg.text)      # "Уточнила: доставка есть"
            seg.sep = "\n\n" if th.email and b and not p else ("\n" if th.rng.random() < 0.15 else " ")
            out.append(seg)
    first = beats[0].parts[0]
    if new_day and beats[0].role == "m" and not th.email and th.now.hour < 12 \
            and first not in ("greeting", "h.greet_bare") and th.rng.random() < 0.35:
        out.insert(0, Segment(th.text(th.pick("m.morning"))))
    if not th.email and not all(is_ack(b) for b in beats):
        _messenger_style(th, out, beats[0].role)
    return out


def _messenger_style(th: Thread, out: list[Segment], role: str) -> None:
    """Lower-case start and no final period, mostly in casual segments."""
    first, last = out[0], out[-1]
    if first.text and th.rng.random() < (0.3 if first.casual else 0.03):
        first.text = low_first(first.text)
    p_dot = 0.5 if last.casual else 0.15
    if last.text.endswith(".") and not last.text.endswith("..") and th.rng.random() < p_dot:
        last.text = last.text[:-1]
    if role == "m" and last.casual and th.rng.random() < 0.08:
        out.append(Segment(th.rng.choice(EMOJI)))


def render(plan: list[Beat], th: Thread) -> tuple[list[dict], list[str]]:
    """Messages of a thread and the ids of its unanswered client messages."""
    messages, flags = [], []
    prev, prev_role = None, ""
    for beats in group(plan, th.email):
        th.now = _time(th, prev, prev_role, beats[0])
        segments = _segments(th, beats, prev is not None and th.now.date() != prev.date())
        parts = [p for b in beats for p in b.parts]
        if th.email:
            segments = _email_wrap(th, beats[0].role, segments, parts)
        text, spans = assemble(segments)
        labels = set(spans)
        messages.append({"id": f"m{len(messages) + 1}", "direction": "out" if beats[0].role == "m" else "in",
                         "created_at": ct.iso(th.now), "text": text,
                         "steps": sorted(labels & set(STEPS)), "forbidden": sorted(labels & set(KINDS)),
                         "spans": spans})
        flags.append((all(is_ack(b) for b in beats), any(b.ignored for b in beats)))
        prev, prev_role = th.now, beats[0].role
        th.manager_seen = th.manager_seen or prev_role == "m"
    return messages, unanswered(messages, flags)


def unanswered(messages: list[dict], flags: list[tuple[bool, bool]]) -> list[str]:
    """Client messages after the manager's last message (acknowledgements
    excepted), and client questions the manager skipped in mid-thread."""
    last_out = max((i for i, m in enumerate(messages) if m["direction"] == "out"), default=-1)
    out = []
    for i, (msg, (ack, ignored)) in enumerate(zip(messages, flags, strict=True)):
        if msg["direction"] == "in" and ((i > last_out and not ack) or ignored):
            out.append(msg["id"])
    return out
