"""Bitrix24 REST bundle → canonical deal (CONTRACT §1).

The bundle: `{"deal": crm.deal.get result, "contacts": [crm.contact.get
results], "company": crm.company.get result | null, "comments":
[crm.timeline.comment.list items], "activities": [crm.activity.list items],
"stagehistory": [crm.stagehistory.list items], "stages": [crm.status.list
items], "users": [user.get items]}`; everything but `deal` is optional.
`crm.deal.*`, `crm.contact.*` and `crm.activity.*` values are strings ("410",
"1000.00", "Y"/"N", ISO times with offset); stage history values are ints.

Mapping: `STAGE_SEMANTIC_ID` S won, F lost, P open (else the stage's
`SEMANTICS`, else a `WON` / `LOSE` stage id, with or without a `C{n}:`
pipeline prefix); `CLOSEDATE` is the expected close date; completed calls,
e-mails and SMS and every open-line session (`IMOPENLINES_SESSION`) are
logged messages; to-dos, tasks, meetings and not yet completed calls and
e-mails are tasks; timeline comments are comments, their files documents.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from analyzer.adapters import Reader, iso, plain, portal_date, sort_by_time

CRM = "Битрикс24"
SEMANTICS = {"S": "won", "F": "lost", "P": "open", "SUCCESS": "won", "FAILURE": "lost",
             "PROCESS": "open", "APOLOGY": "lost"}
FINAL_STAGE_IDS = {"WON": "won", "LOSE": "lost", "APOLOGY": "lost"}
DEFAULT_STAGE_NAMES = {"NEW": "Новая", "WON": "Сделка успешна", "LOSE": "Сделка провалена",
                       "APOLOGY": "Анализ причины провала"}   # when `stages` was not pulled
DIRECTIONS = {"1": "in", "2": "out"}
DEAL_FIELDS = {          # standard deal fields worth keeping, under the names users see
    "SOURCE_ID": "Источник", "SOURCE_DESCRIPTION": "Описание источника",
    "TYPE_ID": "Тип сделки", "CURRENCY_ID": "Валюта", "PROBABILITY": "Вероятность",
    "BEGINDATE": "Дата начала", "COMMENTS": "Комментарий",
}
CONNECTOR_CHANNELS = (   # an open line's connector (PROVIDER_TYPE_ID) → canonical channel
    (re.compile(r"whatsapp|wazzup|greenapi|wz"), "whatsapp"),
    (re.compile(r"telegram"), "telegram"),
    (re.compile(r"viber"), "viber"),
    (re.compile(r"^vk|vkontakte"), "vk"),
    (re.compile(r"instagram|^ig"), "instagram"),
    (re.compile(r"^max"), "max"),
    (re.compile(r"livechat|^network|webchat"), "site_chat"),
    (re.compile(r"sms"), "sms"),
)
TASK_PROVIDERS = {"CRM_TODO": "task", "CRM_TASKS_TASK": "task", "TASKS": "task",
                  "CRM_MEETING": "meeting"}
MESSAGE_PROVIDERS = {"VOXIMPLANT_CALL": "phone", "CALL": "phone", "CRM_EMAIL": "email",
                     "EMAIL": "email", "CRM_SMS": "sms", "IMOPENLINES_SESSION": "chat"}
ACTIVITY_TYPES = {"1": "meeting", "2": "phone", "3": "task", "4": "email"}
MARKUP = {"2": "bb", "3": "html"}

read = Reader(CRM)


def to_deal(bundle: dict) -> dict:
    """One Bitrix24 bundle as a canonical deal dict (raises AdapterError)."""
    if not isinstance(bundle, dict):
        raise read.wrong("<пакет>", "объект", bundle)
    deal = read.obj(bundle.get("deal"), "deal")
    deal_id = read.ident(deal.get("ID"), "deal.ID", required=True)
    stages = stage_table(read.items(bundle.get("stages"), "stages"))
    stage_id = read.text(deal.get("STAGE_ID"), "deal.STAGE_ID")
    stage = stage_name(stage_id, stages) if stage_id else None
    status = status_of(deal, stage_id, stages)
    history = stage_history(bundle.get("stagehistory"), stages)
    activities = [(i, a, activity_kind(a, f"activities[{i}]"))
                  for i, a in enumerate(read.items(bundle.get("activities"), "activities"))]
    comment_items = read.items(bundle.get("comments"), "comments")
    moved = read.iso(deal.get("MOVED_TIME"), "deal.MOVED_TIME")
    return {
        "id": deal_id,
        "title": read.text(deal.get("TITLE"), "deal.TITLE"),
        "pipeline": read.ident(deal.get("CATEGORY_ID"), "deal.CATEGORY_ID") or "0",
        "stage": stage,
        "status": status,
        "created_at": iso(read.iso(deal.get("DATE_CREATE"), "deal.DATE_CREATE")),
        "stage_entered_at": iso(moved) or entered(history, stage),
        "closed_at": closed_at(history, moved) if status != "open" else None,
        "amount": read.number(deal.get("OPPORTUNITY"), "deal.OPPORTUNITY"),
        "expected_close_date": portal_date(read.iso(deal.get("CLOSEDATE"), "deal.CLOSEDATE")),
        "hold_reason": None,
        "manager": manager(deal, read.items(bundle.get("users"), "users")),
        "fields": deal_fields(deal),
        "documents": documents(comment_items),
        "contact": contact(bundle, deal),
        "comments": comments(comment_items),
        "messages": sort_by_time([m for i, a, k in activities
                                  if (m := message(a, k, f"activities[{i}]"))], "created_at"),
        "tasks": sort_by_time([t for i, a, k in activities
                               if (t := task(a, k, f"activities[{i}]"))], "created_at"),
        "stage_history": [{"stage": s, "entered_at": iso(t)} for t, s in history],
    }


# --- stages ----------------------------------------------------------------------------


def stage_table(items: list[dict]) -> dict[str, tuple[str, str | None]]:
    """STATUS_ID → (name, status) from crm.status.list items."""
    out = {}
    for i, s in enumerate(items):
        path = f"stages[{i}]"
        sid = read.text(s.get("STATUS_ID"), f"{path}.STATUS_ID")
        if not sid:
            continue
        name = read.text(s.get("NAME"), f"{path}.NAME") or sid
        extra = s.get("EXTRA") if isinstance(s.get("EXTRA"), dict) else {}
        semantics = s.get("SEMANTICS") or extra.get("SEMANTICS")
        out[sid] = (name, SEMANTICS.get(str(semantics).upper()) if semantics else None)
    return out


def stage_name(stage_id: str, stages: dict) -> str:
    """The stage's name from crm.status.list, else Bitrix24's default name, else its id."""
    if stage_id in stages:
        return stages[stage_id][0]
    return DEFAULT_STAGE_NAMES.get(stage_id.rsplit(":", 1)[-1].upper(), stage_id)


def status_of(deal: dict, stage_id: str | None, stages: dict) -> str:
    semantic = read.text(deal.get("STAGE_SEMANTIC_ID"), "deal.STAGE_SEMANTIC_ID")
    if semantic:
        if semantic.upper() not in SEMANTICS:
            raise read.error("deal.STAGE_SEMANTIC_ID", "ожидается P, S или F")
        return SEMANTICS[semantic.upper()]
    known = stages.get(stage_id or "", ("", None))[1]
    if known:
        return known
    bare = (stage_id or "").rsplit(":", 1)[-1].upper()      # "C1:WON" → "WON"
    return FINAL_STAGE_IDS.get(bare, "open")


def stage_history(raw: Any, stages: dict) -> list[tuple[datetime, str]]:
    """(time, stage name) oldest first; tolerates the unwrapped `{"items": [...]}`."""
    if isinstance(raw, dict):
        raw = raw.get("items")
    rows = []
    for i, h in enumerate(read.items(raw, "stagehistory")):
        path = f"stagehistory[{i}]"
        at = read.iso(h.get("CREATED_TIME"), f"{path}.CREATED_TIME")
        sid = read.text(h.get("STAGE_ID") or h.get("STATUS_ID"), f"{path}.STAGE_ID")
        if at is None or not sid:
            raise read.error(path, "нет этапа (STAGE_ID) или времени (CREATED_TIME)")
        order = h.get("ID") if isinstance(h.get("ID"), int) else 0
        rows.append((at.timestamp(), order, at, stage_name(sid, stages)))
    return [(at, stage) for _, _, at, stage in sorted(rows, key=lambda r: r[:2])]


def entered(history: list[tuple[datetime, str]], stage: str | None) -> str | None:
    """When the deal last entered its current stage, by the stage history."""
    return next((iso(at) for at, s in reversed(history) if s == stage), None)


def closed_at(history: list[tuple[datetime, str]], moved: datetime | None) -> str | None:
    """A closed deal closed with its last stage move."""
    return iso(history[-1][0]) if history else iso(moved)


# --- people ----------------------------------------------------------------------------


def full_name(person: dict, path: str, order: tuple[str, ...]) -> str | None:
    parts = [read.text(person.get(k), f"{path}.{k}") for k in order]
    return " ".join(p.strip() for p in parts if p and p.strip()) or None


def manager(deal: dict, users: list[dict]) -> dict | None:
    uid = read.ident(deal.get("ASSIGNED_BY_ID"), "deal.ASSIGNED_BY_ID")
    if not uid:
        return None
    for i, u in enumerate(users):
        path = f"users[{i}]"
        if read.ident(u.get("ID"), f"{path}.ID") == uid:
            team = read.text(u.get("WORK_DEPARTMENT"), f"{path}.WORK_DEPARTMENT")
            return {"id": uid, "name": full_name(u, path, ("NAME", "LAST_NAME")),
                    "team": (team.strip() or None) if team else None}
    return {"id": uid, "name": None}


def multi(person: dict, key: str, path: str) -> list[str]:
    """VALUEs of a multi-field (PHONE, EMAIL): `[{"VALUE", "VALUE_TYPE"}]`."""
    out = []
    for i, item in enumerate(read.items(person.get(key), f"{path}.{key}")):
        value = read.text(item.get("VALUE"), f"{path}.{key}[{i}].VALUE")
        if value and value.strip():
            out.append(value)
    return out


def requisite_inn(bundle: dict, contact_id: str | None, company_id: str | None) -> str | None:
    """INN from optional crm.requisite.list items (RQ_INN), the contact's or the
    company's (Bitrix24 keeps INN in requisites, not on the card)."""
    rows = read.items(bundle.get("requisites"), "requisites")
    owners = {("3", contact_id), ("4", company_id)}
    for prefer_owner in (True, False):
        for i, r in enumerate(rows):
            path = f"requisites[{i}]"
            owner = (read.ident(r.get("ENTITY_TYPE_ID"), f"{path}.ENTITY_TYPE_ID"),
                     read.ident(r.get("ENTITY_ID"), f"{path}.ENTITY_ID"))
            inn = read.text(r.get("RQ_INN"), f"{path}.RQ_INN")
            if inn and inn.strip() and (owner in owners or not prefer_owner):
                return inn.strip()
    return None


def contact(bundle: dict, deal: dict) -> dict | None:
    """The deal's contact (CONTACT_ID, else the first pulled); None if none was pulled."""
    people = read.items(bundle.get("contacts"), "contacts")
    if not people:
        return None
    wanted = read.ident(deal.get("CONTACT_ID"), "deal.CONTACT_ID")
    index = next((i for i, c in enumerate(people)
                  if wanted and read.ident(c.get("ID"), f"contacts[{i}].ID") == wanted), 0)
    person, path = people[index], f"contacts[{index}]"
    company = read.opt_obj(bundle.get("company"), "company") or {}
    cid = read.ident(person.get("ID"), f"{path}.ID")
    company_id = read.ident(company.get("ID"), "company.ID")
    address = read.text(person.get("ADDRESS"), f"{path}.ADDRESS") \
        or read.text(company.get("ADDRESS"), "company.ADDRESS")
    return {
        "id": cid,
        "name": full_name(person, path, ("LAST_NAME", "NAME", "SECOND_NAME")),
        "phones": multi(person, "PHONE", path),
        "emails": multi(person, "EMAIL", path),
        "company": read.text(company.get("TITLE"), "company.TITLE"),
        "inn": requisite_inn(bundle, cid, company_id),
        "address": (address.strip() or None) if address else None,
    }


# --- deal fields, comments -------------------------------------------------------------


def deal_fields(deal: dict) -> dict[str, Any]:
    """Standard fields under their Russian names; UTM_* and custom UF_* by code."""
    out: dict[str, Any] = {}
    for key, label in DEAL_FIELDS.items():
        value = deal.get(key)
        if key == "BEGINDATE":
            value = portal_date(read.iso(value, "deal.BEGINDATE"))
        elif key == "COMMENTS" and value is not None:
            value = plain(read.text(value, "deal.COMMENTS"))
        if value not in (None, ""):
            out[label] = value
    for key, value in deal.items():
        if (key.startswith("UF_") or key.startswith("UTM_")) and value not in (None, "", []):
            out[key] = value
    return out


def files_of(item: dict, path: str) -> list[dict]:
    """A timeline comment's FILES: `{"1": {...}}`, or `[]` when there are none."""
    files = item.get("FILES")
    if files in (None, [], {}):
        return []
    if isinstance(files, dict):
        files = list(files.values())
    return read.items(files, f"{path}.FILES")


def comments(items: list[dict]) -> list[dict]:
    out = []
    for i, c in enumerate(items):
        path = f"comments[{i}]"
        out.append({"id": read.ident(c.get("ID"), f"{path}.ID"),
                    "author_id": read.ident(c.get("AUTHOR_ID"), f"{path}.AUTHOR_ID"),
                    "created_at": iso(read.iso(c.get("CREATED"), f"{path}.CREATED")),
                    "text": plain(read.text(c.get("COMMENT"), f"{path}.COMMENT"))})
    return sort_by_time(out, "created_at")


def documents(items: list[dict]) -> list[dict]:
    out = []
    for i, c in enumerate(items):
        path = f"comments[{i}]"
        when = iso(read.iso(c.get("CREATED"), f"{path}.CREATED"))
        for j, f in enumerate(files_of(c, path)):
            out.append({"type": "attachment", "created_at": when,
                        "name": read.text(f.get("name"), f"{path}.FILES[{j}].name")})
    return out


# --- activities ------------------------------------------------------------------------


def activity_kind(a: dict, path: str) -> str | None:
    """phone | email | sms | chat | meeting | task, or None for the rest (web forms,
    signatures...): PROVIDER_ID first, then the older TYPE_ID."""
    provider = (read.text(a.get("PROVIDER_ID"), f"{path}.PROVIDER_ID") or "").upper()
    if provider in MESSAGE_PROVIDERS:
        return MESSAGE_PROVIDERS[provider]
    if provider in TASK_PROVIDERS:
        return TASK_PROVIDERS[provider]
    type_id = read.ident(a.get("TYPE_ID"), f"{path}.TYPE_ID")
    provider_type = (read.text(a.get("PROVIDER_TYPE_ID"), f"{path}.PROVIDER_TYPE_ID") or "")
    if provider_type.upper() == "CALL":
        return "phone"
    return ACTIVITY_TYPES.get(type_id or "")


def body(a: dict, path: str) -> str:
    """The activity's description without markup (DESCRIPTION_TYPE 2 BBCode, 3 HTML)."""
    text = read.text(a.get("DESCRIPTION"), f"{path}.DESCRIPTION")
    markup = MARKUP.get(read.ident(a.get("DESCRIPTION_TYPE"), f"{path}.DESCRIPTION_TYPE") or "")
    return plain(text, markup or "text")


def chat_channel(a: dict, path: str) -> str:
    connector = (read.text(a.get("PROVIDER_TYPE_ID"), f"{path}.PROVIDER_TYPE_ID") or "").lower()
    return next((ch for pattern, ch in CONNECTOR_CHANNELS if pattern.search(connector)), "other")


def message(a: dict, kind: str | None, path: str) -> dict | None:
    """A call, e-mail or SMS that took place, or an open-line session, as a logged message."""
    if kind not in ("phone", "email", "sms", "chat"):
        return None
    direction = DIRECTIONS.get(read.ident(a.get("DIRECTION"), f"{path}.DIRECTION") or "")
    done = read.flag(a.get("COMPLETED"), f"{path}.COMPLETED")
    if kind != "chat" and not done and direction != "in":
        return None                       # a planned outgoing call or letter: a task
    start = read.iso(a.get("START_TIME"), f"{path}.START_TIME")
    text = body(a, path)
    if kind == "email" and not text:
        text = read.text(a.get("SUBJECT"), f"{path}.SUBJECT") or ""
    return {"id": read.ident(a.get("ID"), f"{path}.ID"),
            "channel": chat_channel(a, path) if kind == "chat" else kind,
            "direction": direction or ("in" if kind == "chat" else "out"),
            "created_at": iso(start or read.iso(a.get("CREATED"), f"{path}.CREATED")),
            "author_id": read.ident(a.get("RESPONSIBLE_ID"), f"{path}.RESPONSIBLE_ID")
            if direction != "in" else None,
            "text": text}


def task(a: dict, kind: str | None, path: str) -> dict | None:
    """A to-do, task or meeting, or a call / e-mail not completed yet, as a task."""
    done = read.flag(a.get("COMPLETED"), f"{path}.COMPLETED")
    if kind in (None, "chat", "sms") or (kind in ("phone", "email") and done):
        return None
    created = read.iso(a.get("CREATED"), f"{path}.CREATED")
    finished = read.iso(a.get("LAST_UPDATED"), f"{path}.LAST_UPDATED") \
        or read.iso(a.get("END_TIME"), f"{path}.END_TIME") or created
    subject = (read.text(a.get("SUBJECT"), f"{path}.SUBJECT") or "").strip()
    return {"id": read.ident(a.get("ID"), f"{path}.ID"),
            "type": {"phone": "call"}.get(kind, kind),
            "created_at": iso(created),
            "due_at": iso(read.iso(a.get("DEADLINE"), f"{path}.DEADLINE")
                          or read.iso(a.get("END_TIME"), f"{path}.END_TIME")),
            # Bitrix24 keeps no completion time: the last update is the closest to it
            "completed_at": iso(finished) if done else None,
            "text": subject or body(a, path) or None}
