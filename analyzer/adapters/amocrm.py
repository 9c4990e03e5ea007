"""amoCRM / Kommo API v4 bundle → canonical deal (CONTRACT §1).

The bundle: `{"lead": GET /api/v4/leads/{id}?with=contacts, "contacts": [GET
/api/v4/contacts/{id}], "companies": [...], "notes": [lead notes], "tasks":
[...], "events": [...], "pipelines": [with _embedded.statuses], "users":
[{"id", "name"}], "account": {"subdomain", "timezone"?}}`; everything but
`lead` is optional. Times are Unix seconds, rendered in the account's time
zone (Europe/Moscow when the bundle does not say).

Mapping: status 142 won, 143 lost, else open; `lead_status_changed` events
are the stage history; `call_in`/`call_out` notes are phone messages, SMS
notes sms messages, `amomail_message` notes e-mail messages, chat-message
events messages of the channel their `origin` names (REST gives no text);
`common` notes are comments; `attachment` notes are documents; the contact is
the lead's main contact, with phones and e-mails from its PHONE / EMAIL
fields and INN / address from its or its company's fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from analyzer.adapters import Reader, iso, sort_by_time, zone

CRM = "amoCRM"
WON, LOST = 142, 143
FINAL_STAGES = {WON: "Успешно реализовано", LOST: "Закрыто и не реализовано"}
TASK_TYPES = {1: "call", 2: "meeting"}
CALL_NOTES = {"call_in": "in", "call_out": "out"}
SMS_NOTES = {"sms_in": "in", "sms_out": "out"}
CHAT_EVENTS = {"incoming_chat_message": "in", "outgoing_chat_message": "out"}
DATE_FIELD_TYPES = {"date", "date_time", "birthday"}

_EDGE = r"(?:^|[._\-])"
_END = r"(?:$|[._\-])"
ORIGIN_CHANNELS = (      # a chat's `origin` (integration code) → canonical channel
    (re.compile(rf"whats|waba|wazzup|amocrmwa|{_EDGE}(?:wa|wz){_END}"), "whatsapp"),
    (re.compile(rf"telegram|{_EDGE}tg{_END}"), "telegram"),
    (re.compile(r"viber"), "viber"),
    (re.compile(rf"vkontakte|{_EDGE}vk"), "vk"),
    (re.compile(rf"insta|{_EDGE}ig{_END}"), "instagram"),
    (re.compile(rf"{_EDGE}max{_END}"), "max"),
    (re.compile(r"sms"), "sms"),
    (re.compile(r"mail"), "email"),
)
CLOSE_DATE_NAME = re.compile(r"срок|дата\s+(?:закрыт|сделк|выход|оплат|подписан)"
                             r"|(?:планир|ожида|прогноз)\w*\s+дат", re.IGNORECASE)
HOLD_NAME = re.compile(r"причин\w*\s+(?:ожидан|пауз|задерж|отлож|заморо|удержан|простоя)",
                       re.IGNORECASE)
HOLD_CODES = (
    (re.compile(r"awaiting_stock|поставк|склад|наличи|товар", re.IGNORECASE), "awaiting_stock"),
    (re.compile(r"awaiting_funds|оплат|финанс|денег|деньг|средств|бюджет", re.IGNORECASE),
     "awaiting_funds"),
)

read = Reader(CRM)


@dataclass(frozen=True)
class Account:
    """What the optional parts of the bundle tell about the account."""

    tz: ZoneInfo
    statuses: dict[tuple[str | None, str], str]     # (pipeline id, status id) → name
    pipelines: dict[str, str]                        # pipeline id → name
    users: dict[str, str]                            # user id → name

    def stage(self, pipeline_id: str | None, status_id: str) -> str:
        name = self.statuses.get((pipeline_id, status_id))
        if name is None and status_id.isdigit():
            name = FINAL_STAGES.get(int(status_id))
        return name or status_id


def to_deal(bundle: dict) -> dict:
    """One amoCRM bundle as a canonical deal dict (raises AdapterError)."""
    if not isinstance(bundle, dict):
        raise read.wrong("<пакет>", "объект", bundle)
    lead = read.obj(bundle.get("lead"), "lead")
    acc = account(bundle)
    lead_id = read.ident(lead.get("id"), "lead.id", required=True)
    pipeline_id = read.ident(lead.get("pipeline_id"), "lead.pipeline_id")
    status_id = read.ident(lead.get("status_id"), "lead.status_id")
    status = status_of(status_id)
    created = read.unix(lead.get("created_at"), "lead.created_at", acc.tz)
    closed = read.unix(lead.get("closed_at"), "lead.closed_at", acc.tz) \
        if status != "open" else None
    events = read.items(bundle.get("events"), "events")
    moves = status_moves(events, lead_id, acc)
    fields = read.items(lead.get("custom_fields_values"), "lead.custom_fields_values")
    notes = read.items(bundle.get("notes"), "notes")
    return {
        "id": lead_id,
        "title": read.text(lead.get("name"), "lead.name"),
        "pipeline": acc.pipelines.get(pipeline_id or "", pipeline_id),
        "stage": acc.stage(pipeline_id, status_id) if status_id else None,
        "status": status,
        "created_at": iso(created),
        "stage_entered_at": stage_entered(moves, created, closed, "events" in bundle),
        "closed_at": iso(closed),
        "amount": read.number(lead.get("price"), "lead.price"),
        "expected_close_date": close_date(fields, acc.tz),
        "hold_reason": hold_reason(fields),
        "manager": manager(lead, acc),
        "fields": lead_fields(lead, fields, acc.tz),
        "documents": documents(notes, acc.tz),
        "contact": contact(bundle, lead, acc.tz),
        "comments": comments(notes, acc.tz),
        "messages": sort_by_time(note_messages(notes, acc.tz)
                                 + chat_messages(events, lead_id, acc.tz), "created_at"),
        "tasks": tasks(read.items(bundle.get("tasks"), "tasks"), acc.tz),
        "stage_history": stage_history(moves, created, acc),
    }


def status_of(status_id: str | None) -> str:
    if status_id == str(WON):
        return "won"
    return "lost" if status_id == str(LOST) else "open"


def account(bundle: dict) -> Account:
    acc = read.opt_obj(bundle.get("account"), "account") or {}
    statuses: dict[tuple[str | None, str], str] = {}
    pipelines: dict[str, str] = {}
    for i, p in enumerate(read.items(bundle.get("pipelines"), "pipelines")):
        pid = read.ident(p.get("id"), f"pipelines[{i}].id")
        name = read.text(p.get("name"), f"pipelines[{i}].name")
        if pid and name:
            pipelines[pid] = name
        embedded = read.opt_obj(p.get("_embedded"), f"pipelines[{i}]._embedded") or {}
        for j, s in enumerate(read.items(embedded.get("statuses"),
                                         f"pipelines[{i}]._embedded.statuses")):
            where = f"pipelines[{i}]._embedded.statuses[{j}]"
            sid = read.ident(s.get("id"), f"{where}.id")
            own = read.ident(s.get("pipeline_id"), f"{where}.pipeline_id") or pid
            sname = read.text(s.get("name"), f"{where}.name")
            if sid and sname:
                statuses[(own, sid)] = sname
    users = {}
    for i, u in enumerate(read.items(bundle.get("users"), "users")):
        uid = read.ident(u.get("id"), f"users[{i}].id")
        name = read.text(u.get("name"), f"users[{i}].name")
        if uid and name:
            users[uid] = name
    return Account(zone(acc.get("timezone")), statuses, pipelines, users)


# --- stage history -------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    at: datetime
    before: tuple[str | None, str] | None     # (pipeline id, status id)
    after: tuple[str | None, str] | None


def lead_status(values: Any, path: str) -> tuple[str | None, str] | None:
    """`[{"lead_status": {"id", "pipeline_id"}}]` → (pipeline id, status id)."""
    for i, v in enumerate(values if isinstance(values, list) else []):
        status = v.get("lead_status") if isinstance(v, dict) else None
        if isinstance(status, dict):
            sid = read.ident(status.get("id"), f"{path}[{i}].lead_status.id")
            pid = read.ident(status.get("pipeline_id"), f"{path}[{i}].lead_status.pipeline_id")
            return (pid, sid) if sid else None
    return None


def of_lead(event: dict, lead_id: str, path: str) -> bool:
    """An event of this lead (a status change of another entity is not its history)."""
    entity = read.ident(event.get("entity_id"), f"{path}.entity_id")
    return event.get("entity_type") in (None, "lead", "leads") and entity in (None, lead_id)


def of_other_lead(event: dict, lead_id: str, path: str) -> bool:
    """An event of another lead (a chat of the deal's contact still counts)."""
    entity = read.ident(event.get("entity_id"), f"{path}.entity_id")
    return event.get("entity_type") in ("lead", "leads") and entity not in (None, lead_id)


def status_moves(events: list[dict], lead_id: str, acc: Account) -> list[Move]:
    moves = []
    for i, e in enumerate(events):
        path = f"events[{i}]"
        if e.get("type") != "lead_status_changed" or not of_lead(e, lead_id, path):
            continue
        at = read.unix(e.get("created_at"), f"{path}.created_at", acc.tz)
        if at is None:
            raise read.error(f"{path}.created_at", "нет времени смены этапа")
        moves.append(Move(at, lead_status(e.get("value_before"), f"{path}.value_before"),
                          lead_status(e.get("value_after"), f"{path}.value_after")))
    return sorted(moves, key=lambda m: m.at)


def stage_history(moves: list[Move], created: datetime | None, acc: Account) -> list[dict]:
    """The stage the lead was created in (from the first move), then every move."""
    out = []
    first = moves[0] if moves else None
    if first and first.before and created and created <= first.at:
        out.append({"stage": acc.stage(*first.before), "entered_at": iso(created)})
    out += [{"stage": acc.stage(*m.after), "entered_at": iso(m.at)} for m in moves if m.after]
    return out


def stage_entered(moves: list[Move], created: datetime | None, closed: datetime | None,
                  have_events: bool) -> str | None:
    """The last move; without one, a closed lead entered its final stage when it
    closed, and an open one never left its first stage (if events were pulled:
    without them it is unknown)."""
    if moves:
        return iso(moves[-1].at)
    if closed is not None:
        return iso(closed)
    return iso(created) if have_events else None


# --- custom fields ---------------------------------------------------------------------


def field_values(field: dict, path: str, tz: ZoneInfo) -> list[Any]:
    """The values of one custom field; dates as ISO dates/times."""
    values = read.items(field.get("values"), f"{path}.values")
    out = []
    for j, v in enumerate(values):
        value = v.get("value")
        if field.get("field_type") in DATE_FIELD_TYPES and isinstance(value, (int, float)) \
                and not isinstance(value, bool):
            when = read.unix(value, f"{path}.values[{j}].value", tz)
            value = when.date().isoformat() if field["field_type"] != "date_time" else iso(when)
        if value is not None:
            out.append(value)
    return out


def field_name(field: dict, path: str) -> str:
    name = read.text(field.get("field_name"), f"{path}.field_name")
    code = read.text(field.get("field_code"), f"{path}.field_code")
    return (name or code or str(field.get("field_id") or "")).strip()


def find_field(fields: list[dict], path: str, tz: ZoneInfo, codes: tuple[str, ...] = (),
               names: re.Pattern | None = None, types: set[str] | None = None) -> list[Any]:
    """The values of the first field with one of `codes` or a name matching `names`."""
    for i, f in enumerate(fields):
        where = f"{path}[{i}]"
        code = (read.text(f.get("field_code"), f"{where}.field_code") or "").upper()
        if types is not None and f.get("field_type") not in types:
            continue
        if code in codes or (names is not None and names.search(field_name(f, where))):
            values = field_values(f, where, tz)
            if values:
                return values
    return []


def lead_fields(lead: dict, fields: list[dict], tz: ZoneInfo) -> dict[str, Any]:
    """Custom fields by name (one value, or a list), tags and the loss reason."""
    out: dict[str, Any] = {}
    for i, f in enumerate(fields):
        where = f"lead.custom_fields_values[{i}]"
        name, values = field_name(f, where), field_values(f, where, tz)
        if name:
            out[name] = values[0] if len(values) == 1 else values
    embedded = read.opt_obj(lead.get("_embedded"), "lead._embedded") or {}
    tags = [t.get("name") for t in read.items(embedded.get("tags"), "lead._embedded.tags")
            if isinstance(t.get("name"), str)]
    if tags:
        out["Теги"] = tags
    reasons = [r.get("name") for r in read.items(embedded.get("loss_reason"),
                                                 "lead._embedded.loss_reason")
               if isinstance(r.get("name"), str)]
    if reasons:
        out["Причина отказа"] = reasons[0]
    return out


def close_date(fields: list[dict], tz: ZoneInfo) -> str | None:
    """amoCRM has no standard expected close date: a date field named like one."""
    values = find_field(fields, "lead.custom_fields_values", tz, names=CLOSE_DATE_NAME,
                        types=DATE_FIELD_TYPES)
    return str(values[0])[:10] if values else None


def hold_reason(fields: list[dict]) -> str | None:
    """A field named like a hold reason; known reasons become the regulation's codes."""
    values = find_field(fields, "lead.custom_fields_values", ZoneInfo("UTC"), names=HOLD_NAME)
    if not values or not str(values[0]).strip():
        return None
    text = str(values[0]).strip()
    return next((code for pattern, code in HOLD_CODES if pattern.search(text)), text)


# --- people ----------------------------------------------------------------------------


def manager(lead: dict, acc: Account) -> dict | None:
    uid = read.ident(lead.get("responsible_user_id"), "lead.responsible_user_id")
    return {"id": uid, "name": acc.users.get(uid)} if uid else None


def main_contact_id(lead: dict) -> str | None:
    embedded = read.opt_obj(lead.get("_embedded"), "lead._embedded") or {}
    links = read.items(embedded.get("contacts"), "lead._embedded.contacts")
    ids = [(bool(c.get("is_main")), read.ident(c.get("id"), f"lead._embedded.contacts[{i}].id"))
           for i, c in enumerate(links)]
    main = [cid for is_main, cid in ids if is_main and cid]
    return main[0] if main else next((cid for _, cid in ids if cid), None)


def company_of(bundle: dict, lead: dict, person: dict) -> dict | None:
    companies = read.items(bundle.get("companies"), "companies")
    wanted = []
    for owner, path in ((person, "contacts[]"), (lead, "lead")):
        embedded = read.opt_obj(owner.get("_embedded"), f"{path}._embedded") or {}
        wanted += [read.ident(c.get("id"), f"{path}._embedded.companies[].id")
                   for c in read.items(embedded.get("companies"), f"{path}._embedded.companies")]
    for cid in wanted:
        for i, c in enumerate(companies):
            if cid and read.ident(c.get("id"), f"companies[{i}].id") == cid:
                return c
    return None


def contact(bundle: dict, lead: dict, tz: ZoneInfo) -> dict | None:
    """The lead's main contact (else the first one pulled); None if none was pulled."""
    people = read.items(bundle.get("contacts"), "contacts")
    if not people:
        return None
    wanted = main_contact_id(lead)
    index = next((i for i, c in enumerate(people)
                  if wanted and read.ident(c.get("id"), f"contacts[{i}].id") == wanted), 0)
    person, path = people[index], f"contacts[{index}]"
    fields = read.items(person.get("custom_fields_values"), f"{path}.custom_fields_values")
    company = company_of(bundle, lead, person)
    company_fields = read.items((company or {}).get("custom_fields_values"),
                                "companies[].custom_fields_values")
    both = [(fields, f"{path}.custom_fields_values"),
            (company_fields, "companies[].custom_fields_values")]
    return {
        "id": read.ident(person.get("id"), f"{path}.id"),
        "name": person_name(person, path),
        "phones": [str(v) for v in find_field(fields, f"{path}.custom_fields_values", tz,
                                              codes=("PHONE",))
                   if str(v).strip()],
        "emails": [str(v) for v in find_field(fields, f"{path}.custom_fields_values", tz,
                                              codes=("EMAIL",))
                   if str(v).strip()],
        "company": read.text((company or {}).get("name"), "companies[].name"),
        "inn": first_text(both, tz, ("INN",), re.compile(r"^инн\b", re.IGNORECASE)),
        "address": first_text(both, tz, ("ADDRESS",), re.compile(r"адрес", re.IGNORECASE)),
    }


def first_text(sources, tz: ZoneInfo, codes: tuple[str, ...], names: re.Pattern) -> str | None:
    for fields, path in sources:
        values = find_field(fields, path, tz, codes=codes, names=names)
        if values and isinstance(values[0], (str, int)) and str(values[0]).strip():
            return str(values[0]).strip()
    return None


def person_name(person: dict, path: str) -> str | None:
    name = read.text(person.get("name"), f"{path}.name")
    if name and name.strip():
        return name
    parts = [read.text(person.get(k), f"{path}.{k}") for k in ("last_name", "first_name")]
    return " ".join(p.strip() for p in parts if p and p.strip()) or None


# --- notes, events, tasks --------------------------------------------------------------


def params_of(note: dict, path: str) -> dict:
    """A note's `params` (an empty PHP array arrives as `[]`)."""
    params = note.get("params")
    if params is None or params == []:
        return {}
    return read.obj(params, f"{path}.params")


def note_base(note: dict, path: str, tz: ZoneInfo) -> dict:
    return {"id": read.ident(note.get("id"), f"{path}.id"),
            "author_id": read.ident(note.get("created_by"), f"{path}.created_by"),
            "created_at": iso(read.unix(note.get("created_at"), f"{path}.created_at", tz))}


def comments(notes: list[dict], tz: ZoneInfo) -> list[dict]:
    out = []
    for i, n in enumerate(notes):
        if n.get("note_type") == "common":
            path = f"notes[{i}]"
            text = read.text(params_of(n, path).get("text"), f"{path}.params.text")
            out.append({**note_base(n, path, tz), "text": text or ""})
    return sort_by_time(out, "created_at")


def documents(notes: list[dict], tz: ZoneInfo) -> list[dict]:
    out = []
    for i, n in enumerate(notes):
        if n.get("note_type") == "attachment":
            path = f"notes[{i}]"
            params = params_of(n, path)
            name = read.text(params.get("original_name") or params.get("attachment"),
                             f"{path}.params.original_name")
            out.append({"type": "attachment", "name": name,
                        "created_at": note_base(n, path, tz)["created_at"]})
    return out


def note_message(note: dict, path: str, tz: ZoneInfo) -> dict | None:
    """A call, SMS or e-mail note as a logged message (None for other notes)."""
    kind, params = note.get("note_type"), params_of(note, path)
    if kind in CALL_NOTES:
        channel, direction = "phone", CALL_NOTES[kind]
        text = params.get("call_result")
    elif kind in SMS_NOTES:
        channel, direction, text = "sms", SMS_NOTES[kind], params.get("text")
    elif kind == "amomail_message":
        channel, direction = "email", "in" if params.get("income") else "out"
        text = params.get("content_summary") or params.get("text") or params.get("subject")
    else:
        return None
    base = note_base(note, path, tz)
    return {"id": base["id"], "channel": channel, "direction": direction,
            "created_at": base["created_at"], "author_id": base["author_id"],
            "text": text if isinstance(text, str) else ""}


def note_messages(notes: list[dict], tz: ZoneInfo) -> list[dict]:
    found = (note_message(n, f"notes[{i}]", tz) for i, n in enumerate(notes))
    return [m for m in found if m is not None]


def channel_of(origin: Any) -> str:
    low = origin.lower() if isinstance(origin, str) else ""
    return next((channel for pattern, channel in ORIGIN_CHANNELS if pattern.search(low)),
                "other")


def chat_messages(events: list[dict], lead_id: str, tz: ZoneInfo) -> list[dict]:
    """Chat-message events: logged messages whose text REST does not give."""
    out = []
    for i, e in enumerate(events):
        path = f"events[{i}]"
        direction = CHAT_EVENTS.get(e.get("type"))
        if direction is None or of_other_lead(e, lead_id, path):
            continue
        after = e.get("value_after")
        message = next((v["message"] for v in after if isinstance(v, dict)
                        and isinstance(v.get("message"), dict)), {}) \
            if isinstance(after, list) else {}
        out.append({"id": read.ident(message.get("id") or e.get("id"), f"{path}.id"),
                    "channel": channel_of(message.get("origin")), "direction": direction,
                    "created_at": iso(read.unix(e.get("created_at"), f"{path}.created_at", tz)),
                    "author_id": read.ident(e.get("created_by"), f"{path}.created_by")
                    if direction == "out" else None,
                    "text": ""})
    return out


def task(t: dict, path: str, tz: ZoneInfo) -> dict:
    type_id = t.get("task_type_id")
    done = t.get("is_completed")
    if not isinstance(done, (bool, type(None))):
        raise read.wrong(f"{path}.is_completed", "логическое значение", done)
    created = read.unix(t.get("created_at"), f"{path}.created_at", tz)
    finished = read.unix(t.get("updated_at"), f"{path}.updated_at", tz) or created
    return {"id": read.ident(t.get("id"), f"{path}.id"),
            "type": TASK_TYPES.get(type_id, "task") if isinstance(type_id, int) else "task",
            "created_at": iso(created),
            "due_at": iso(read.unix(t.get("complete_till"), f"{path}.complete_till", tz)),
            # amoCRM keeps no completion time: the last update is the closest to it
            "completed_at": iso(finished) if done else None,
            "text": read.text(t.get("text"), f"{path}.text")}


def tasks(items: list[dict], tz: ZoneInfo) -> list[dict]:
    return sort_by_time([task(t, f"tasks[{i}]", tz) for i, t in enumerate(items)], "created_at")
