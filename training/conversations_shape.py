"""Shaping a thread plan (training/conversations_plan.py) after its steps are
set: messenger bursts, the end of the thread (wrapped up, cut off unanswered
or with a question ignored mid-way), threads with no reply at all, grouping
beats into messages and fitting the thread to 8-30 messages.
"""

from __future__ import annotations

import random

from training.conversations_plan import (
    PLAIN_TOPICS,
    SUBSTANTIVE,
    Beat,
    Spec,
    answer_of,
    assign_topics,
    insert_qa,
    parse_flow,
    pick_topic,
)

MIN_MESSAGES, MAX_MESSAGES = 8, 30
SILENT_RANGE = (8, 12)
P_MORE = {"terse": 0.3, "annoyed": 0.2, "polite": 0.12, "haggling": 0.18}


def add_bursts(plan: list[Beat], rng: random.Random, spec: Spec) -> None:
    """Messenger habits: clients add a message or two, terse ones say hello
    first, annoyed ones ping, managers say "минуту" before looking something up."""
    if spec.email:
        return
    out: list[Beat] = []
    for i, beat in enumerate(plan):
        prev = out[-1] if out else None
        if beat.role == "m" and prev is not None and prev.role == "c":
            # a ping or a "минуту" goes (when trimming) with the answer it precedes
            if spec.persona == "annoyed" and rng.random() < 0.12:
                out.append(Beat("c", ["c.ping"], extra=True, delay="ping", pair=beat.pair))
            if "m.answer" in beat.parts and rng.random() < 0.2:
                out.append(Beat("m", ["m.wait"], extra=True, pair=beat.pair))
        if i == 0 and beat.parts == ["c.inquiry"] and spec.persona == "terse" and rng.random() < 0.4:
            out.append(Beat("c", ["c.hello_first"], extra=True))
        out.append(beat)
        if beat.parts[0] in ("c.inquiry", "c.answer", "c.react") and rng.random() < P_MORE[spec.persona]:
            out.append(Beat("c", ["c.more"], extra=True))
    plan[:] = out


def is_ack(beat: Beat) -> bool:
    return beat.parts == ["c.ack"]


def fix_tail(plan: list[Beat]) -> None:
    """A thread that is not meant to be unanswered ends with the manager or
    with client acknowledgements; otherwise the manager wraps up."""
    last_m = max((i for i, b in enumerate(plan) if b.role == "m"), default=-1)
    if any(not is_ack(b) for b in plan[last_m + 1:]):
        plan.append(Beat("m", ["m.wrap"]))


def drop_repeated_acks(plan: list[Beat]) -> None:
    """One "спасибо" is enough: drop an acknowledgement right after another."""
    plan[:] = [b for i, b in enumerate(plan) if not (i and is_ack(b) and is_ack(plan[i - 1]))]


def cut_tail(plan: list[Beat], rng: random.Random) -> None:
    """Leave the last client message(s) without a reply, maybe with pings."""
    first_m = min((i for i, b in enumerate(plan) if b.role == "m"), default=len(plan))
    cands = [i for i, b in enumerate(plan) if i > first_m and b.parts[0] in SUBSTANTIVE]
    late = [i for i in cands if i >= len(plan) // 2]
    if not cands:
        plan.append(Beat("c", ["c.ping"], delay="ping"))
        return
    j = rng.choice(late or cands)
    del plan[j + 1:]
    for beat in plan[j:]:
        beat.extra, beat.pair = False, 0
    for _ in range(rng.choice((0, 0, 1, 1, 2))):
        plan.append(Beat("c", ["c.ping"], delay="ping"))


def ignore_question(plan: list[Beat], rng: random.Random, spec: Spec) -> None:
    """A client question in mid-thread that the manager never answers."""
    q = insert_qa(plan, rng, spec, need_later_m=True)
    if q < 0:
        plan += [Beat("c", ["c.question"], topic=pick_topic(spec, rng, PLAIN_TOPICS)),
                 Beat("m", ["m.wrap"])]
        q = len(plan) - 2
    else:
        del plan[answer_of(plan, q)]
    plan[q].ignored, plan[q].solo, plan[q].extra = True, True, False


def group(plan: list[Beat], email: bool) -> list[list[Beat]]:
    """Beats as messages: one each, or in e-mail consecutive beats of one side
    in one letter (a solo beat always stands alone)."""
    out: list[list[Beat]] = []
    for beat in plan:
        if email and out and out[-1][-1].role == beat.role and not beat.solo \
                and not out[-1][-1].solo and not beat.delay:
            out[-1].append(beat)
        else:
            out.append([beat])
    return out


def _drop_extra(plan: list[Beat], rng: random.Random) -> bool:
    extras = [b for b in plan if b.extra]
    if not extras:
        return False
    victim = rng.choice(extras)
    plan[:] = [b for b in plan if b is not victim
               and not (victim.pair and b.pair == victim.pair and b.extra)]
    return True


def fit_length(plan: list[Beat], rng: random.Random, spec: Spec) -> None:
    for _ in range(20):
        if len(group(plan, spec.email)) >= MIN_MESSAGES:
            break
        if insert_qa(plan, rng, spec, after="m" if spec.email else None) < 0:
            break
    while len(group(plan, spec.email)) > MAX_MESSAGES and _drop_extra(plan, rng):
        pass


def silent_plan(tokens, rng: random.Random, spec: Spec) -> list[Beat]:
    """The client writes and pings; the manager never answers."""
    plan = parse_flow([tokens])
    assign_topics(plan, spec, rng)
    target = rng.randint(*SILENT_RANGE)
    while len(group(plan, spec.email)) < target:
        plan.append(Beat("c", ["c.ping"], delay="ping"))
    return plan
