"""Conversations for the synthetic CRM: threads from the conversations corpus,
re-timed around each deal, with the script findings they must produce.

The corpus says which steps and forbidden phrases a thread holds and which
client messages go unanswered; here every reply is placed within the reply
norm (in working hours), except that an unanswered client message gets no
reply at all, or — when the manager writes later anyway — a reply beyond the
norm. So `comms.no_reply` is true by construction.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from functools import lru_cache

from analyzer.script import Script
from training import conversations_corpus

POOL_SIZE = 400


@lru_cache(maxsize=4)
def pool(seed: int) -> tuple[dict, ...]:
    return tuple(conversations_corpus.generate(seed=seed + 7919, n=POOL_SIZE))


def _reply_time(script: Script, asked: datetime, rng: random.Random, late: bool) -> datetime:
    norm = float(script.reply.get("norm_minutes", 30))
    opens = script.hours.next_open(asked)
    if late:
        return script.hours.add(asked, norm + rng.uniform(20, 240))
    return opens + timedelta(minutes=rng.uniform(1, norm * 0.8))


def retime(conv: dict, start: datetime, script: Script, rng: random.Random) -> list[dict]:
    """The thread's messages with times: client messages spread out, replies
    on time, unanswered ones left alone or answered late."""
    unanswered = set(conv.get("unanswered", []))
    out, t, pending, late = [], start, None, False
    for m in conv["messages"]:
        if m["direction"] == "in":
            # a new question comes after a while; a burst follows it within minutes
            t = t + timedelta(minutes=rng.uniform(2, 180) if pending is None else rng.uniform(0.5, 4))
            if pending is None:
                pending, late = t, False
            late = late or m["id"] in unanswered
        else:
            if pending is not None:
                t = max(t, _reply_time(script, pending, rng, late))
                pending = None
            else:
                t = t + timedelta(minutes=rng.uniform(1, 20))
        out.append({"id": m["id"], "channel": conv["channel"], "direction": m["direction"],
                    "created_at": t.isoformat(timespec="seconds"), "text": m["text"]})
    return out


def truth(conv: dict, stage: str, script: Script) -> set[str]:
    """The script codes this thread must produce at this stage."""
    codes = set()
    outs = [m for m in conv["messages"] if m["direction"] == "out" and m["text"].strip()]
    need = script.required_steps(stage, conv["channel"])
    if len(outs) >= int(script.required.get("min_manager_messages", 3)) and \
            any(s not in conv["steps"] for s in need):
        codes.add("script.step_missing")
    if conv["forbidden"]:
        codes.add("script.forbidden")
    if conv.get("unanswered"):
        codes.add("comms.no_reply")
    return codes


def attach(deal: dict, rng: random.Random, seed: int, script: Script, now: datetime,
           share: float = 0.5) -> set[str]:
    """Give the deal a thread (a `share` of deals get one); its truth codes."""
    if rng.random() > share:
        return set()
    conv = rng.choice(pool(seed))
    start = datetime.fromisoformat(deal["created_at"]) + timedelta(hours=rng.uniform(0.2, 6))
    if start > now - timedelta(days=6):
        start = now - timedelta(days=6)
    thread = retime(conv, start, script, rng)
    end = datetime.fromisoformat(thread[-1]["created_at"]) + timedelta(days=5) if thread else start
    # other logged contact (calls, e-mails) stays outside the thread, so the
    # thread's replies are exactly the corpus's
    others = [m for m in deal.get("messages", [])
              if not start <= datetime.fromisoformat(m["created_at"]) <= end]
    deal["messages"] = others + thread
    deal["comments"] = deal.get("comments", []) + _summaries(deal, rng)
    return truth(conv, deal["stage"], script)


SUMMARIES = ("Переписка с клиентом: уточнили потребность, отправил предложение, созвон {d}",
             "Клиент в мессенджере: вопросы по срокам и оплате, ответил, жду решения до {d}",
             "Обсудили в чате условия, клиент думает, напомню {d}")


def _summaries(deal: dict, rng: random.Random) -> list[dict]:
    """A manager's summary comment after most days of chatting."""
    days: dict = {}
    for m in deal["messages"]:
        if m["direction"] == "out":
            t = datetime.fromisoformat(m["created_at"])
            days[t.date()] = max(days.get(t.date(), t), t)
    out = []
    for k, last in enumerate(sorted(days.values())):
        if rng.random() < 0.9:
            t = last + timedelta(minutes=rng.uniform(5, 60))
            out.append({"id": f"s{k + 1}", "author_id": deal["manager"]["id"],
                        "created_at": t.isoformat(timespec="seconds"),
                        "text": rng.choice(SUMMARIES).format(d=(t + timedelta(days=2)).strftime("%d.%m"))})
    return out
