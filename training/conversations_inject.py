"""Forbidden phrases and hard negatives put into a thread plan
(training/conversations_plan.py).

Forbidden phrases go where a careless manager would say them: "не знаю" and
"это не ко мне" answer a client's question, a rude remark follows an
objection or a reminder, an unapproved discount answers haggling or joins the
offer, ты-forms anywhere in an e-mail. Hard negatives look like a step or a
forbidden phrase without being one (training/data/conversations/hard.yaml).
"""

from __future__ import annotations

import random

from training.conversations_plan import Beat, Spec, answer_of, insert_qa

P_HARD = 0.5
HARD_TYPES = ("dont_know_ok", "not_my_job_ok", "promise_ok", "vague_close", "question_other",
              "needs_like", "greet_bare", "offer_generic")
TRIGGERS = ("c.objection", "c.ping", "c.question", "c.rude", "c.react")


def _candidates(plan: list[Beat], without=(), start: int = 1) -> list[int]:
    return [i for i, b in enumerate(plan) if b.role == "m" and i >= start and not b.extra
            and not any(p in b.parts for p in without)]


def _after_first_m(plan: list[Beat]) -> int:
    return next((i + 1 for i, b in enumerate(plan) if b.role == "m"), 0)


def _append(plan: list[Beat], rng: random.Random, part: str, without=(), prefer=(),
            front: float = 0.2, near: frozenset[int] = frozenset()) -> bool:
    """Add `part` to a manager beat, preferably one holding a `prefer` part or
    standing at an index in `near`."""
    start = _after_first_m(plan) if part == "x.rudeness" else 1    # nobody is rude at once
    cands = _candidates(plan, (part, *without), start) or _candidates(plan, (part, *without), 0)
    if not cands:
        return False
    preferred = [i for i in cands if i in near or any(p in plan[i].parts for p in prefer)]
    beat = plan[rng.choice(preferred or cands)]
    if rng.random() < front:
        beat.parts.insert(0, part)
    else:
        beat.parts.append(part)
    return True


def _after_trigger(plan: list[Beat]) -> frozenset[int]:
    """Manager beats that answer an objection, a ping, a question or a reaction."""
    return frozenset(i for i in range(1, len(plan))
                     if plan[i].role == "m" and plan[i - 1].parts[0] in TRIGGERS)


def _qa(plan: list[Beat], rng: random.Random, spec: Spec, part: str, topic=None,
        keep: bool = True) -> int:
    """A client question answered by `part`; kept when the thread is trimmed."""
    q = insert_qa(plan, rng, spec, answer=(part,), topic=topic)
    if q >= 0 and keep:
        plan[q].extra = plan[answer_of(plan, q)].extra = False
    return q


def inject_forbidden(plan: list[Beat], rng: random.Random, spec: Spec) -> None:
    for kind in spec.forbidden:
        part = f"x.{kind}"
        if kind in ("not_my_job", "dont_know") and _qa(plan, rng, spec, part) >= 0:
            continue
        if kind == "promise" and "discount" in spec.topics and rng.random() < 0.4 \
                and _qa(plan, rng, spec, part, topic="discount") >= 0:
            continue
        prefer = ("offer", "objections") if kind == "promise" else ()
        near = _after_trigger(plan) if kind == "rudeness" else frozenset()
        front = 0.3 if kind == "rudeness" else 0.15
        if not _append(plan, rng, part, prefer=prefer, front=front, near=near):
            plan.append(Beat("m", [part]))


def _dont_know_ok(plan: list[Beat], rng: random.Random, spec: Spec) -> None:
    q = _qa(plan, rng, spec, "h.dont_know_ok")
    if q >= 0:
        follow = Beat("m", ["m.followup", "m.answer"], topic=plan[q].topic, delay="later",
                      solo=True, pair=plan[q].pair)
        plan.insert(answer_of(plan, q) + 1, follow)


def _promise_ok(plan: list[Beat], rng: random.Random, spec: Spec) -> None:
    if "discount" in spec.topics and rng.random() < 0.5:
        _qa(plan, rng, spec, "h.promise_ok", topic="discount")
    else:
        _append(plan, rng, "h.promise_ok", without=("x.promise",), prefer=("objections", "offer"))


def _greet_bare(plan: list[Beat], rng: random.Random, spec: Spec) -> None:
    if spec.email:
        return
    cands = _candidates(plan, ("greeting", "h.greet_bare", "h.intro_only"), start=2)
    if cands:
        plan[rng.choice(cands)].parts.insert(0, "h.greet_bare")


def _polite_firm(plan: list[Beat], rng: random.Random, spec: Spec) -> None:
    q = _qa(plan, rng, spec, "h.polite_firm", keep=False)
    if q >= 0:
        plan[q].parts = ["c.rude"]


def _simple(part: str, without=(), prefer=()):
    def handler(plan: list[Beat], rng: random.Random, spec: Spec) -> None:
        _append(plan, rng, part, without=without, prefer=prefer)
    return handler


HANDLERS = {
    "dont_know_ok": _dont_know_ok,
    "not_my_job_ok": lambda plan, rng, spec: _qa(plan, rng, spec, "h.not_my_job_ok"),
    "promise_ok": _promise_ok,
    "vague_close": _simple("h.vague_close", without=("closing", "h.vague_close")),
    "question_other": _simple("h.question_other"),
    "needs_like": lambda plan, rng, spec: _qa(plan, rng, spec, "m.answer", topic="needs_like"),
    "greet_bare": _greet_bare,
    "offer_generic": _simple("h.offer_generic", without=("offer",), prefer=("greeting", "needs")),
    "ty_quoted": _simple("h.ty_quoted", without=("x.ty_formal",)),
    "ty_casual": _simple("h.ty_casual"),
    "polite_firm": _polite_firm,
}


def inject_hard(plan: list[Beat], rng: random.Random, spec: Spec) -> list[str]:
    """Maybe add one or two hard negatives; returns their types."""
    if rng.random() >= P_HARD:
        return []
    types = list(HARD_TYPES) + (["ty_quoted"] if spec.email else ["ty_casual"])
    if spec.persona == "annoyed":
        types.append("polite_firm")
    chosen = rng.sample(types, rng.choice((1, 1, 2)))
    ty_extra = "ty_quoted" if spec.email else "ty_casual"      # the ты hard negatives, more often
    if ty_extra not in chosen and rng.random() < 0.15:
        chosen.append(ty_extra)
    for name in chosen:
        HANDLERS[name](plan, rng, spec)
    return chosen
