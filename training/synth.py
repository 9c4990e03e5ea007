"""A realistic synthetic CRM with ground truth (`crmqa synth`).

Managers in teams (each with their own carelessness, which scales their
defect rates) work deals through the regulation's pipeline over months;
each deal has a stage history, a client with a Faker ru_RU name, messy phones,
INN and e-mail, tasks, comments and messages. Each defect code is injected
independently at its rate and written as the deal's ground truth. The same
(seed, now) gives the same CRM.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from faker import Faker

from analyzer.config import get, load_config
from analyzer.script import load_script
from training import synth_conversations
from training import synth_people as sp
from training.synth_deals import activity, fields_for, pick_stage, stage_history

CONTACT_CODES = ("contact.name.lowercase", "contact.name.not_a_name", "contact.name.nickname",
                 "contact.phone.invalid", "contact.phone.format", "contact.inn.invalid",
                 "contact.email.invalid", "contact.requisites.missing")
DEAL_CODES = ("deal.field.missing", "deal.close_date.missing", "deal.close_date.overdue",
              "deal.task.none", "deal.task.overdue", "deal.stage.stale")
SCRIPT_CODES = ("script.step_missing", "script.forbidden", "comms.no_reply")
MEASURED = CONTACT_CODES + DEAL_CODES + SCRIPT_CODES      # codes the ground truth covers
OPEN_ONLY = {"deal.close_date.missing", "deal.close_date.overdue", "deal.task.none",
             "deal.task.overdue", "deal.stage.stale"}
EXCLUSIVE = (("deal.close_date.missing", "deal.close_date.overdue"),
             ("deal.task.none", "deal.task.overdue"))
DEFAULT_RATE = 0.06
MSK = ZoneInfo("Europe/Moscow")


def default_now() -> datetime:
    """Today at noon, Moscow time: the default audit time of a synthetic CRM."""
    return datetime.now(MSK).replace(hour=12, minute=0, second=0, microsecond=0)


def managers(n_deals: int, seed: int) -> list[dict]:
    fake = Faker("ru_RU")
    fake.seed_instance(seed)
    count = max(6, n_deals // 170)
    teams = max(2, count // 6)
    rng = random.Random(seed)
    pickers = set(rng.sample(range(count), 1 + count // 8))
    return [{"id": f"m{i + 1}", "name": fake.name(), "team": f"Группа {i % teams + 1}",
             "care": round(rng.uniform(0.4, 1.8), 2), "cherry": i in pickers}
            for i in range(count)]


def cherry_pickers(n_deals: int, seed: int) -> set[str]:
    """Managers of a synthetic CRM who grab leads and work only the large ones."""
    return {m["id"] for m in managers(n_deals, seed) if m["cherry"]}


def draw_defects(rng: random.Random, rates: dict[str, float], care: float = 1.0) -> set[str]:
    """Each code independently at its rate, scaled by the manager's carelessness."""
    chosen = {c for c in CONTACT_CODES + DEAL_CODES
              if rng.random() < min(1.0, rates.get(c, DEFAULT_RATE) * care)}
    for a, b in EXCLUSIVE:
        if a in chosen and b in chosen:
            chosen.discard(rng.choice((a, b)))
    return chosen


def _status(rng: random.Random, defects: set[str]) -> str:
    if defects & OPEN_ONLY:
        return "open"
    roll = rng.random()
    return "open" if roll < 0.6 else "won" if roll < 0.8 else "lost"


def iso(t: datetime) -> str:
    return t.astimezone(MSK).isoformat(timespec="seconds")


def make_deal(i: int, seed: int, now: datetime, staff: list[dict], config: dict,
              rates: dict[str, float], fake: Faker,
              conversations: float = 0.5) -> tuple[dict, list[str]]:
    rng = random.Random(f"{seed}:{i}")
    fake.seed_instance(rng.randrange(2**31))
    manager = rng.choice(staff)
    defects = draw_defects(rng, rates, manager["care"])
    idle = manager["cherry"] and rng.random() < 0.45       # a grabbed lead left untouched
    if idle:
        defects = (defects - {"deal.close_date.missing", "deal.task.overdue"}) \
            | {"deal.task.none", "deal.stage.stale"}
    status = _status(rng, defects)
    order = list(get(config, "deal.stages.*", []))
    stage = order[0] if idle else pick_stage(rng, order, status, defects)
    history, hold, docs, defects = stage_history(rng, now, stage, order, status, defects, config)
    contact, defects = sp.contact(rng, fake, defects, i)
    deal = {
        "id": f"D-{seed}-{i + 1:06d}", "title": fake.bs().capitalize()[:80],
        "pipeline": "Основная", "stage": stage, "status": status,
        "created_at": iso(history[0]["t"]), "stage_entered_at": iso(history[-1]["t"]),
        "closed_at": iso(history[-1]["closed"]) if status != "open" else None,
        "amount": None, "expected_close_date": None, "hold_reason": hold,
        "manager": {k: manager[k] for k in ("id", "name", "team")}, "documents": docs,
        "contact": contact,
        "stage_history": [{"stage": h["stage"], "entered_at": iso(h["t"])} for h in history],
    }
    deal.update(fields_for(rng, deal, config, defects))
    deal.update(activity(rng, now, deal, history, defects, config))
    if idle:
        deal.update(amount=float(rng.randrange(20, 80) * 1000), comments=[], messages=[], tasks=[])
        return deal, sorted(defects)
    if manager["cherry"]:
        deal["amount"] = float(rng.randrange(500, 3000) * 1000)
    defects |= synth_conversations.attach(deal, rng, seed, load_script(config), now, conversations)
    return deal, sorted(defects)


def generate(n: int, seed: int = 0, now: datetime | None = None,
             rates: dict[str, float] | None = None, config: dict | None = None,
             conversations: float = 0.5) -> Iterator[tuple[dict, list[str]]]:
    """`n` deals with their injected defect codes; `conversations` is the share
    of deals with a logged messenger/e-mail thread."""
    now = now or default_now()
    config = config or load_config()
    rates = rates or {}
    staff = managers(n, seed)
    fake = Faker("ru_RU")
    for i in range(n):
        yield make_deal(i, seed, now, staff, config, rates, fake, conversations)
