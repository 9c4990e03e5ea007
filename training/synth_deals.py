"""Synthetic deal bodies: stages and their history, fields, tasks, comments."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from analyzer.config import get

SOURCES = ("Сайт", "Авито", "Рекомендация", "Холодный звонок", "Выставка", "Яндекс.Директ")
BUDGETS = ("до 100 тыс.", "100–300 тыс.", "300–500 тыс.", "до 1 млн", "более 1 млн")
NEEDS = ("Стеллажи для склада", "Офисная мебель", "Ремонт кровли", "Поставка кабеля",
         "Обучение персонала", "CRM-внедрение", "Грузоперевозки", "Корпоративный тур")
PAYMENT = ("Безнал, 100% предоплата", "Безнал, 50/50", "Отсрочка 30 дней", "Наличные")
COMMENTS = (  # (text, the logged channel the reported contact went through)
    ("Звонил, обсудили КП, клиент сравнивает с конкурентами. Перезвонить {d}", "phone"),
    ("Отправил КП на почту, ЛПР — директор. Созвон {d}", "email"),
    ("Встреча в офисе клиента, согласовали спецификацию, договор до {d}", None),
    ("нд", "phone"), ("Клиент думает", None), ("Выставлен счёт, оплата ожидается до {d}", None),
    ("Уточнил потребность: бюджет до 300 тыс., срок — конец месяца. Следующий звонок {d}", None),
)
LOGGED = 0.9          # share of reported calls and e-mails that telephony/mail logged
TASK_TEXTS = ("Перезвонить по КП", "Отправить договор", "Встреча с ЛПР", "Уточнить оплату",
              "Выставить счёт", "Напомнить о КП")
DAY = timedelta(days=1)


def pick_stage(rng: random.Random, order: list[str], status: str, defects: set[str]) -> str:
    if status == "won":
        return order[-1]
    first_ok = "deal.close_date.missing" not in defects
    start = 0 if first_ok else 1
    return order[rng.randrange(start, len(order))]


def _norm(config: dict, stage: str) -> float:
    return float(get(config, "funnel.stage_norms_days", {}).get(stage, 7))


def _current_stay(rng, config, stage, defects) -> tuple[float, str | None, list[dict]]:
    """Days in the current stage, the hold reason and documents that go with it."""
    norm = _norm(config, stage)
    if "deal.stage.stale" in defects:
        roll = rng.random()
        hold = None if roll < 0.6 else "awaiting_funds" if roll < 0.85 else "клиент думает"
        return norm * rng.uniform(1.3, 4.0) + 1, hold, []
    if rng.random() < 0.08:        # a long stay with a valid reason: not a defect
        if rng.random() < 0.5:
            return norm * rng.uniform(1.5, 3.0) + 1, "awaiting_stock", []
        return norm * rng.uniform(1.5, 3.0) + 1, "awaiting_funds", [{"type": "booking_contract"}]
    return norm * rng.uniform(0.05, 0.85), None, []


def stage_history(rng, now: datetime, stage: str, order: list[str], status: str,
                  defects: set[str], config: dict):
    """Entries [{stage, t}] oldest first, the hold reason, documents, defects."""
    end = now if status == "open" else now - DAY * rng.uniform(1, 150)
    path = order[: order.index(stage) + 1]
    if status == "open":
        stay, hold, docs = _current_stay(rng, config, stage, defects)
    else:
        stay, hold, docs = _norm(config, stage) * rng.uniform(0.1, 0.9), None, []
    entries = [{"stage": stage, "t": end - DAY * stay}]
    for earlier in reversed(path[:-1]):
        entries.insert(0, {"stage": earlier,
                           "t": entries[0]["t"] - DAY * _norm(config, earlier) * rng.uniform(0.1, 0.9)})
    entries[-1]["closed"] = end
    if rng.random() < 0.1 and not docs:
        docs = [{"type": "invoice"}]
    return entries, hold, [dict(d, created_at=entries[-1]["t"].isoformat()) for d in docs], defects


def _value(rng: random.Random, name: str, i: int):
    table = {"Источник": SOURCES, "Бюджет": BUDGETS, "Потребность": NEEDS, "Форма оплаты": PAYMENT}
    if name in table:
        return rng.choice(table[name])
    if name == "amount":
        return float(rng.randrange(30, 3000) * 1000)
    return f"{name.split()[-1][:3].upper()}-{rng.randint(100, 9999)}-{i}"


def needed_fields(config: dict, stage: str) -> list[str]:
    """The regulation's required fields up to `stage` (read independently of the analyzer)."""
    order = list(get(config, "deal.stages.*", []))
    rules = get(config, "deal.required_fields.*", {}) or {}
    out: list[str] = []
    for name in order[: order.index(stage) + 1]:
        out += [f for f in rules.get(name, []) if f not in out]
    return out


def fields_for(rng, deal: dict, config: dict, defects: set[str]) -> dict:
    needed = needed_fields(config, deal["stage"])
    values = {name: _value(rng, name, rng.randint(1, 99)) for name in needed}
    values.setdefault("amount", float(rng.randrange(30, 3000) * 1000) if rng.random() < 0.5 else None)
    if "deal.field.missing" in defects and needed:
        gone = rng.choice(needed)
        values[gone] = None if gone == "amount" else rng.choice(("", None, "  "))
    out = {"amount": values.pop("amount"), "fields": {k: v for k, v in values.items() if v is not None}}
    if out["fields"] and rng.random() < 0.3:
        out["fields"]["Комментарий к сделке"] = "—"
    return out


def _close_date(rng, now: datetime, deal: dict, defects: set[str], optional: list[str]):
    if "deal.close_date.missing" in defects:
        return None
    if "deal.close_date.overdue" in defects:
        return (now - DAY * rng.randint(1, 40)).date().isoformat()
    if deal["status"] == "open":
        if deal["stage"] in optional and rng.random() < 0.5:
            return None
        return (now + DAY * rng.randint(1, 60)).date().isoformat()
    return (now - DAY * rng.randint(0, 120)).date().isoformat()


def _tasks(rng, now: datetime, history: list[dict], deal: dict, defects: set[str]) -> list[dict]:
    start = history[0]["t"]
    tasks = []
    for k in range(rng.randint(0, 3)):
        due = start + (now - start) * rng.uniform(0.1, 0.9)
        tasks.append({"id": f"t{k + 1}", "type": "call", "created_at": (due - DAY).isoformat(),
                      "due_at": due.isoformat(), "completed_at": (due - DAY / 4).isoformat(),
                      "text": rng.choice(TASK_TEXTS)})
    if deal["status"] != "open" or "deal.task.none" in defects:
        return tasks
    due = (now - DAY * rng.uniform(1, 10)) if "deal.task.overdue" in defects \
        else now + DAY * rng.uniform(0.1, 10)
    tasks.append({"id": f"t{len(tasks) + 1}", "type": rng.choice(("call", "meeting", "email")),
                  "created_at": (min(due, now) - DAY * 2).isoformat(), "due_at": due.isoformat(),
                  "completed_at": None, "text": rng.choice(TASK_TEXTS)})
    return tasks


def activity(rng, now: datetime, deal: dict, history: list[dict], defects: set[str],
             config: dict) -> dict:
    optional = get(config, "deal.close_date_optional_stages", []) or []
    start = history[0]["t"]
    # most stage moves get a comment within hours; a few comments fall anywhere
    moments = [h["t"] + timedelta(hours=rng.uniform(0.1, 6)) for h in history[1:]
               if rng.random() < 0.9]
    moments += [start + (now - start) * rng.uniform(0, 1) for _ in range(rng.randint(0, 2))]
    comments, logged = [], []
    for k, t in enumerate(sorted(m for m in moments if m < now)):
        date = (t + DAY * rng.randint(1, 7)).strftime("%d.%m")
        text, channel = rng.choice(COMMENTS)
        comments.append({"id": f"n{k + 1}", "author_id": deal["manager"]["id"],
                         "created_at": t.isoformat(timespec="seconds"), "text": text.format(d=date)})
        if channel and rng.random() < LOGGED:
            logged.append({"id": f"l{k + 1}", "channel": channel, "direction": "out",
                           "created_at": (t - timedelta(minutes=rng.uniform(1, 30)))
                           .isoformat(timespec="seconds"), "text": ""})
    return {"expected_close_date": _close_date(rng, now, deal, defects, optional),
            "tasks": _tasks(rng, now, history, deal, defects), "comments": comments,
            "messages": logged}
