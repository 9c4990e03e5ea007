"""CRM bundles (amoCRM API v4, Bitrix24 REST) → the canonical deal."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import datetime
from pathlib import Path

import pytest

from analyzer import adapters
from analyzer.adapters import FORMATS, Adapted, AdapterError, canonical_lines, portal_date, to_deal
from analyzer.adapters import amocrm as amo
from analyzer.adapters import bitrix24 as b24
from analyzer.audit import audit_deal
from analyzer.schema import DIRECTIONS, Deal

from .conftest import codes
from .test_cli import NOW_ISO, crmqa

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ALL = [(fmt, p.stem) for fmt in ("amocrm", "bitrix24")
       for p in sorted((FIXTURES / fmt).glob("*.json"))]
# personal values of the fixtures: never in an error message
PERSONAL = ("Иванова", "Мария", "89161234567", "+7 916 123-45-67", "m.ivanova@romashka-opt.ru",
            "7707083893", "Поставка стеллажей", "Оснащение склада")


def bundle(fmt: str, name: str) -> dict:
    return json.loads((FIXTURES / fmt / f"{name}.json").read_text(encoding="utf-8"))


def deal(fmt: str, name: str, change=None) -> Deal:
    raw = bundle(fmt, name)
    if change:
        change(raw)
    return Deal.model_validate(to_deal(fmt, raw))


def test_formats_and_the_error_type():
    assert FORMATS == ("canonical", "amocrm", "bitrix24")
    assert issubclass(AdapterError, ValueError)
    assert len(ALL) >= 6


@pytest.mark.parametrize(("fmt", "name"), ALL, ids=[f"{f}/{n}" for f, n in ALL])
def test_every_fixture_converts_to_a_valid_json_deal(fmt, name):
    out = to_deal(fmt, bundle(fmt, name))
    again = json.loads(json.dumps(out, ensure_ascii=False))      # plain JSON, no datetimes
    d = Deal.model_validate(again)
    assert d.id and d.manager_id and d.created_at is not None and d.created_at.tzinfo
    for t in [d.created_at, d.stage_entered_at, d.closed_at, *(c.created_at for c in d.comments),
              *(m.created_at for m in d.messages), *(s.entered_at for s in d.stage_history)]:
        assert t is None or t.utcoffset() is not None


def test_canonical_passes_through_and_unknown_format_fails():
    d = {"id": "D-1", "status": "open"}
    assert to_deal("canonical", d) is d
    with pytest.raises(AdapterError, match="неизвестный формат"):
        to_deal("hubspot", d)


# --- status, stage, pipeline ---------------------------------------------------------

@pytest.mark.parametrize(("fmt", "name", "status", "stage", "pipeline", "closed_at"), [
    ("amocrm", "lead_open", "open", "Переговоры", "Продажи", None),
    ("amocrm", "lead_won", "won", "Успешно реализовано", "7012345", "2026-11-12T16:45:00+03:00"),
    ("amocrm", "lead_lost_minimal", "lost", "Закрыто и не реализовано", "7012345",
     "2026-11-03T14:00:00+03:00"),
    ("bitrix24", "deal_open", "open", "Квалификация", "0", None),
    ("bitrix24", "deal_won_c1", "won", "Оплачено", "1", "2026-11-12T16:45:00+03:00"),
    ("bitrix24", "deal_lost_minimal", "lost", "Сделка провалена", "0",
     "2026-11-03T14:00:00+03:00"),
])
def test_status_stage_and_close_time(fmt, name, status, stage, pipeline, closed_at):
    d = deal(fmt, name)
    assert (d.status, d.stage, d.pipeline) == (status, stage, pipeline)
    expected = datetime.fromisoformat(closed_at) if closed_at else None
    assert d.closed_at == expected


@pytest.mark.parametrize(("status_id", "status"), [(142, "won"), (143, "lost"),
                                                   (55123455, "open"), (None, "open")])
def test_amocrm_status_ids(status_id, status):
    d = deal("amocrm", "lead_open",
             lambda b: b["lead"].update(status_id=status_id, closed_at=1795000000))
    assert d.status == status
    assert (d.closed_at is None) == (status == "open")      # an open lead is not closed


def _bitrix_stage(stage_id, semantic, stages=True):
    def change(b):
        b["deal"]["STAGE_ID"] = stage_id
        if semantic is None:
            b["deal"].pop("STAGE_SEMANTIC_ID")
        else:
            b["deal"]["STAGE_SEMANTIC_ID"] = semantic
        if not stages:
            b.pop("stages")
    return change


@pytest.mark.parametrize(("stage_id", "semantic", "stages", "status"), [
    ("C1:WON", "S", True, "won"),
    ("C1:WON", None, True, "won"),         # the stage's SEMANTICS from crm.status.list
    ("C1:WON", None, False, "won"),        # only the stage id
    ("C1:LOSE", None, False, "lost"),
    ("C7:APOLOGY", None, False, "lost"),
    ("LOSE", None, False, "lost"),
    ("C1:PREPARATION", None, True, "open"),
    ("C1:PREPARATION", "F", True, "lost"),  # the deal's own semantics win
])
def test_bitrix_status_from_semantics_or_stage_id(stage_id, semantic, stages, status):
    d = deal("bitrix24", "deal_won_c1", _bitrix_stage(stage_id, semantic, stages))
    assert d.status == status


def test_bitrix_unknown_semantic_is_an_error():
    with pytest.raises(AdapterError, match="STAGE_SEMANTIC_ID"):
        deal("bitrix24", "deal_open", _bitrix_stage("PREPARATION", "X"))


# --- stage history ---------------------------------------------------------------------

@pytest.mark.parametrize(("fmt", "name", "history", "entered"), [
    ("amocrm", "lead_open",
     [("Новая заявка", "2026-10-01T10:00:00+03:00"), ("Квалификация", "2026-10-01T15:00:00+03:00"),
      ("Переговоры", "2026-10-20T12:00:00+03:00")], "2026-10-20T12:00:00+03:00"),
    ("amocrm", "lead_won",        # no pipelines pulled: status ids stand for the names
     [("55123450", "2026-10-10T11:30:00+03:00"), ("55123460", "2026-10-12T10:00:00+03:00"),
      ("Успешно реализовано", "2026-11-12T16:45:00+03:00")], "2026-11-12T16:45:00+03:00"),
    ("amocrm", "lead_lost_minimal", [], "2026-11-03T14:00:00+03:00"),
    ("bitrix24", "deal_open",
     [("Новая заявка", "2026-10-05T10:12:00+03:00"), ("Квалификация", "2026-10-21T16:40:00+03:00")],
     "2026-10-21T16:40:00+03:00"),
    ("bitrix24", "deal_won_c1",
     [("Новая заявка", "2026-10-10T11:30:00+03:00"), ("Переговоры", "2026-10-12T10:00:00+03:00"),
      ("Оплачено", "2026-11-12T16:45:00+03:00")], "2026-11-12T16:45:00+03:00"),
    ("bitrix24", "deal_lost_minimal", [], "2026-11-03T14:00:00+03:00"),
])
def test_stage_history_oldest_first(fmt, name, history, entered):
    d = deal(fmt, name)
    assert [(s.stage, s.entered_at) for s in d.stage_history] == \
        [(stage, datetime.fromisoformat(t)) for stage, t in history]
    assert d.stage_entered_at == datetime.fromisoformat(entered)


def test_amocrm_ignores_status_changes_of_other_leads():
    d = deal("amocrm", "lead_open")
    assert "Закрыто и не реализовано" not in {s.stage for s in d.stage_history}


def test_amocrm_open_lead_without_moves_entered_its_stage_when_created():
    def no_moves(b):
        b["events"] = [e for e in b["events"] if e["type"] != "lead_status_changed"]
    d = deal("amocrm", "lead_open", no_moves)
    assert d.stage_history == [] and d.stage_entered_at == d.created_at
    unknown = deal("amocrm", "lead_open", lambda b: b.pop("events"))
    assert unknown.stage_entered_at is None


def test_bitrix_stagehistory_as_the_raw_result_object():
    def wrapped(b):
        b["stagehistory"] = {"items": b["stagehistory"]}
    assert [s.stage for s in deal("bitrix24", "deal_won_c1", wrapped).stage_history] == \
        ["Новая заявка", "Переговоры", "Оплачено"]


# --- communication ---------------------------------------------------------------------

@pytest.mark.parametrize(("fmt", "name", "expected"), [
    ("amocrm", "lead_open", [("42709401", "phone", "out"), ("42709450", "phone", "in"),
                             ("d5a4677e-8a70-4e0e-bd21-8c857289f38c", "whatsapp", "in"),
                             ("b7e1c2d3-4f5a-4b6c-8d7e-9f0a1b2c3d4e", "whatsapp", "out"),
                             ("42709490", "sms", "out")]),
    ("bitrix24", "deal_open", [("20", "phone", "out"), ("21", "phone", "in"),
                               ("22", "whatsapp", "in"), ("23", "email", "out")]),
    ("amocrm", "lead_lost_minimal", []),
    ("bitrix24", "deal_won_c1", []),
])
def test_calls_and_chats_are_logged_messages(fmt, name, expected):
    d = deal(fmt, name)
    assert [(m.id, m.channel, m.direction) for m in d.messages] == expected
    assert all(m.created_at is not None for m in d.messages)


def test_message_texts_and_authors():
    amo_msgs = {m.id: m for m in deal("amocrm", "lead_open").messages}
    assert amo_msgs["42709490"].text == "Мария Петровна, добрый день! Счёт отправили на почту."
    assert amo_msgs["b7e1c2d3-4f5a-4b6c-8d7e-9f0a1b2c3d4e"].text == ""   # REST has no chat text
    assert amo_msgs["b7e1c2d3-4f5a-4b6c-8d7e-9f0a1b2c3d4e"].author_id == "8123451"
    assert amo_msgs["42709450"].author_id is None                         # created_by 0
    mail = {m.id: m for m in deal("bitrix24", "deal_open").messages}["23"]
    assert mail.text.startswith("Мария Петровна, добрый день!\nНаправляем")
    assert "<" not in mail.text and "&nbsp;" not in mail.text


@pytest.mark.parametrize(("fmt", "name", "texts"), [
    ("amocrm", "lead_open", ["Позвонил клиенту, обсудили объём: 40 секций. Отправил КП на почту. "
                             "Перезвонить 05.10 в 11:00.",
                             "Клиент согласовал КП, ждём реквизиты. Созвон 30.11 в 11:00."]),
    ("bitrix24", "deal_open", ["Созвонились с Марией Петровной: нужны стеллажи на 300 м². "
                               "Отправлю расчёт завтра до 12:00.",
                               "Отправил КП на почту, клиент подтвердил получение. Ждём решения, "
                               "перезвонить 20.11 в 11:00."]),
])
def test_comments_text_oldest_first(fmt, name, texts):
    d = deal(fmt, name)
    assert [c.text for c in d.comments] == texts          # service notes, BBCode: gone
    assert {c.author_id for c in d.comments} <= {"8123451", "17"}


@pytest.mark.parametrize(("origin", "channel"), [
    ("com.wazzup24.wz", "whatsapp"), ("com.wazzup.whatsapp", "whatsapp"), ("waba", "whatsapp"),
    ("ru.oxem.wa", "whatsapp"), ("telegram", "telegram"), ("com.viber", "viber"),
    ("vk.com", "vk"), ("instagram_business", "instagram"), ("avito", "other"), (None, "other"),
])
def test_amocrm_chat_origin_to_channel(origin, channel):
    assert amo.channel_of(origin) == channel


@pytest.mark.parametrize(("connector", "channel"), [
    ("WHATSAPPBYEDNA", "whatsapp"), ("telegrambot", "telegram"), ("vkgroup", "vk"),
    ("livechat", "site_chat"), ("viber", "viber"), ("avito", "other"), (None, "other"),
])
def test_bitrix_open_line_connector_to_channel(connector, channel):
    assert b24.chat_channel({"PROVIDER_TYPE_ID": connector}, "a") == channel


def test_bitrix_planned_call_is_a_task_not_a_message():
    def planned(b):
        b["activities"].append({**b["activities"][0], "ID": "30", "COMPLETED": "N", "STATUS": "1",
                                "DEADLINE": "2026-12-01T10:00:00+03:00"})
    d = deal("bitrix24", "deal_open", planned)
    assert "30" not in {m.id for m in d.messages}
    call = next(t for t in d.tasks if t.id == "30")
    assert call.type == "call" and call.is_open
    assert call.due_at == datetime.fromisoformat("2026-12-01T10:00:00+03:00")


# --- contact ---------------------------------------------------------------------------

@pytest.mark.parametrize(("fmt", "name", "expected"), [
    ("amocrm", "lead_open", {"id": "10971465", "name": "Иванова Мария Петровна",
                             "phones": ["89161234567", "+7 (916) 765-43-21"],
                             "emails": ["m.ivanova@romashka-opt.ru"], "company": "ООО «Ромашка»",
                             "inn": "7707083893", "address": "г. Москва, ул. Ленина, д. 1"}),
    ("amocrm", "lead_won", {"id": "10971501", "name": "Кузнецов Дмитрий",
                            "phones": ["+7 (903) 555-12-34"], "emails": [], "company": None,
                            "inn": None, "address": None}),
    ("bitrix24", "deal_open", {"id": "84", "name": "Иванова Мария Петровна",
                               "phones": ["+7 916 123-45-67", "8 (903) 555-12-34"],
                               "emails": ["m.ivanova@romashka-opt.ru"], "company": "ООО «Ромашка»",
                               "inn": None, "address": None}),
])
def test_contact_card(fmt, name, expected):
    assert deal(fmt, name).contact.model_dump() == expected


def test_no_contacts_pulled_gives_no_contact():
    assert deal("amocrm", "lead_lost_minimal").contact is None
    assert deal("bitrix24", "deal_lost_minimal").contact is None
    assert deal("amocrm", "lead_open", lambda b: b.pop("contacts")).contact is None


def test_bitrix_inn_from_requisites():
    def requisites(b):
        b["requisites"] = [{"ID": "5", "ENTITY_TYPE_ID": "4", "ENTITY_ID": "9", "PRESET_ID": "1",
                            "NAME": "Реквизиты", "RQ_INN": "7707083893", "RQ_KPP": "773601001"}]
    assert deal("bitrix24", "deal_open", requisites).contact.inn == "7707083893"


# --- deal card: manager, amount, close date, tasks, fields -----------------------------

@pytest.mark.parametrize(("fmt", "name", "manager"), [
    ("amocrm", "lead_open", {"id": "8123451", "name": "Пётр Смирнов", "team": None}),
    ("amocrm", "lead_won", {"id": "8123460", "name": None, "team": None}),   # no users pulled
    ("bitrix24", "deal_open", {"id": "17", "name": "Пётр Смирнов", "team": "Группа 2"}),
    ("bitrix24", "deal_won_c1", {"id": "23", "name": "Анна Козлова", "team": None}),
])
def test_manager(fmt, name, manager):
    assert deal(fmt, name).manager.model_dump() == manager


@pytest.mark.parametrize(("fmt", "name", "amount", "close_date"), [
    ("amocrm", "lead_open", 185000.0, "2026-12-01"),
    ("amocrm", "lead_won", 64000.0, None),
    ("bitrix24", "deal_open", 240000.0, "2026-12-15"),
    ("bitrix24", "deal_won_c1", 64000.0, "2026-11-12"),
])
def test_amount_and_expected_close_date(fmt, name, amount, close_date):
    d = deal(fmt, name)
    assert d.amount == amount
    assert (d.expected_close_date.isoformat() if d.expected_close_date else None) == close_date


@pytest.mark.parametrize(("value", "day"), [
    ("2024-09-09T02:00:00+02:00", "2024-09-09"),    # midnight UTC in the portal's offset
    ("2024-09-08T19:00:00-05:00", "2024-09-09"),
    ("2026-12-15T00:00:00+03:00", "2026-12-15"),    # a local midnight
    ("2026-12-15T18:30:00+03:00", "2026-12-15"),
    (None, None),
])
def test_portal_date(value, day):
    assert portal_date(datetime.fromisoformat(value) if value else None) == day


@pytest.mark.parametrize(("fmt", "name", "next_task", "due", "done"), [
    ("amocrm", "lead_open", ("56990", "call", "Перезвонить по КП"),
     "2026-11-30T11:00:00+03:00", {"56981": "2026-10-05T11:20:00+03:00"}),
    ("bitrix24", "deal_open", ("24", "task", "Перезвонить по КП, уточнить решение"),
     "2026-11-20T11:00:00+03:00", {"19": "2026-10-07T10:30:00+03:00"}),
])
def test_next_task_and_its_due_date(fmt, name, next_task, due, done):
    d = deal(fmt, name)
    open_tasks = [t for t in d.tasks if t.is_open]
    assert [(t.id, t.type, t.text) for t in open_tasks] == [next_task]
    assert open_tasks[0].due_at == datetime.fromisoformat(due)
    assert {t.id: t.completed_at for t in d.tasks if not t.is_open} == \
        {k: datetime.fromisoformat(v) for k, v in done.items()}


def test_webform_activity_is_neither_message_nor_task():
    d = deal("bitrix24", "deal_open")
    assert "25" not in {m.id for m in d.messages} | {t.id for t in d.tasks}


@pytest.mark.parametrize(("fmt", "name", "fields"), [
    ("amocrm", "lead_open", {"Источник": "Сайт", "Бюджет": "до 200 тыс.",
                             "Дата закрытия сделки": "2026-12-01",
                             "Каналы связи": ["Телефон", "WhatsApp"], "Теги": ["опт"]}),
    ("amocrm", "lead_lost_minimal", {"Причина отказа": "Пропала потребность"}),
    ("bitrix24", "deal_open", {"Источник": "WEB", "Дата начала": "2026-10-05",
                               "Комментарий": "Клиент просил скидку 5% при заказе от 40 секций",
                               "UF_CRM_1721244482250": "Стеллажи 300 м²", "UTM_SOURCE": "yandex"}),
])
def test_fields(fmt, name, fields):
    got = deal(fmt, name).fields
    assert {k: got.get(k) for k in fields} == fields
    assert "UF_CRM_1721244490001" not in got                # empty custom fields are dropped


def test_documents_from_attachments():
    assert [(x.type, x.name) for x in deal("amocrm", "lead_open").documents] == \
        [("attachment", "КП_Ромашка_стеллажи.pdf")]
    assert [(x.type, x.name) for x in deal("bitrix24", "deal_open").documents] == \
        [("attachment", "Расчёт_стеллажей.xlsx")]


@pytest.mark.parametrize(("field", "value", "hold"), [
    ("Причина ожидания", "Ждём поставку со склада", "awaiting_stock"),
    ("Причина паузы", "Ожидание оплаты", "awaiting_funds"),
    ("Причина ожидания", "Клиент в отпуске", "Клиент в отпуске"),
    ("Комментарий", "Ждём поставку", None),
])
def test_amocrm_hold_reason_field(field, value, hold):
    def add(b):
        b["lead"]["custom_fields_values"].append(
            {"field_id": 912399, "field_name": field, "field_code": None, "field_type": "select",
             "values": [{"value": value, "enum_id": 512399}]})
    assert deal("amocrm", "lead_open", add).hold_reason == hold


def test_amocrm_times_in_the_account_time_zone():
    d = deal("amocrm", "lead_open", lambda b: b["account"].update(timezone="Asia/Yekaterinburg"))
    assert d.created_at.isoformat() == "2026-10-01T12:00:00+05:00"
    assert d.created_at == deal("amocrm", "lead_open").created_at


# --- broken bundles ----------------------------------------------------------------------

def _set(path: str, value):
    """A change setting bundle[path] (dots, list indexes) to value."""
    def change(b):
        *parents, last = path.split(".")
        node = b
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        if value is _DROP:
            del node[last]
        else:
            node[int(last) if last.isdigit() else last] = value
    return change


_DROP = object()
BROKEN = [
    ("amocrm", "lead_open", "lead", _DROP, "«lead»"),
    ("amocrm", "lead_open", "lead", ["Иванова Мария"], "«lead»"),
    ("amocrm", "lead_open", "lead.id", _DROP, "lead.id"),
    ("amocrm", "lead_open", "lead.id", {"v": "Иванова"}, "lead.id"),
    ("amocrm", "lead_open", "lead.created_at", "01.10.2026 Иванова", "lead.created_at"),
    ("amocrm", "lead_open", "lead.price", "Иванова", "lead.price"),
    ("amocrm", "lead_open", "contacts", {"id": 1, "name": "Иванова Мария"}, "«contacts»"),
    ("amocrm", "lead_open", "notes.0", "Иванова Мария 89161234567", "notes[0]"),
    ("amocrm", "lead_open", "tasks.0.is_completed", "Иванова", "tasks[0].is_completed"),
    ("amocrm", "lead_open", "events.2.created_at", None, "events[2].created_at"),
    ("bitrix24", "deal_open", "deal", _DROP, "«deal»"),
    ("bitrix24", "deal_open", "deal.ID", "", "deal.ID"),
    ("bitrix24", "deal_open", "deal.DATE_CREATE", 1727000000, "deal.DATE_CREATE"),
    ("bitrix24", "deal_open", "deal.CLOSEDATE", "Иванова Мария", "deal.CLOSEDATE"),
    ("bitrix24", "deal_open", "deal.OPPORTUNITY", "много, Иванова", "deal.OPPORTUNITY"),
    ("bitrix24", "deal_open", "contacts.0.PHONE", "89161234567", "contacts[0].PHONE"),
    ("bitrix24", "deal_open", "activities.0.COMPLETED", "Иванова", "activities[0].COMPLETED"),
    ("bitrix24", "deal_open", "stagehistory.0.STAGE_ID", None, "stagehistory[0]"),
    ("bitrix24", "deal_open", "comments", "Иванова Мария", "«comments»"),
]


@pytest.mark.parametrize(("fmt", "name", "path", "value", "where"), BROKEN,
                         ids=[f"{f}:{p}" for f, _, p, _, _ in BROKEN])
def test_broken_bundle_names_the_field_never_the_value(fmt, name, path, value, where):
    raw = bundle(fmt, name)
    _set(path, value)(raw)
    with pytest.raises(AdapterError) as err:
        to_deal(fmt, raw)
    message = str(err.value)
    assert where in message
    assert message.startswith(("amoCRM:", "Битрикс24:"))
    for secret in PERSONAL + ("01.10.2026", "много", "1727000000"):
        assert secret not in message


@pytest.mark.parametrize(("fmt", "raw"), [
    ("amocrm", ["Иванова"]), ("bitrix24", "Иванова"), ("amocrm", None),
    ("amocrm", bundle("bitrix24", "deal_open")),      # a bundle of the other CRM
    ("bitrix24", bundle("amocrm", "lead_open")),
])
def test_not_a_bundle_of_that_crm(fmt, raw):
    with pytest.raises(AdapterError) as err:
        to_deal(fmt, raw)
    assert not any(secret in str(err.value) for secret in PERSONAL)


def test_an_unforeseen_shape_is_still_an_adapter_error(monkeypatch):
    def broken(_bundle):
        raise TypeError("'Иванова' is not subscriptable")
    monkeypatch.setattr(amo, "to_deal", broken)
    with pytest.raises(AdapterError, match="структура пакета") as err:
        adapters.to_deal("amocrm", bundle("amocrm", "lead_open"))
    assert "Иванова" not in str(err.value)


def test_extra_and_missing_optional_parts():
    raw = {"lead": {"id": 1, "status_id": 142, "unknown": {"x": [1, 2]}}, "foo": "bar"}
    d = Deal.model_validate(to_deal("amocrm", raw))
    assert (d.id, d.status, d.contact, d.messages, d.stage_history) == ("1", "won", None, [], [])
    d = Deal.model_validate(to_deal("bitrix24", {"deal": {"ID": "5"}, "activities": None}))
    assert (d.id, d.status, d.pipeline, d.comments, d.tasks) == ("5", "open", "0", [], [])


# --- batch plumbing ----------------------------------------------------------------------

def test_adapted_is_picklable_and_rejects_as_a_line_error():
    from analyzer.batch import LineError, process_chunk

    fn = pickle.loads(pickle.dumps(Adapted("amocrm", Deal.model_validate)))
    good = json.dumps(bundle("amocrm", "lead_won"), ensure_ascii=False)
    out = process_chunk(fn, [(1, good), (2, json.dumps({"deal": {"ID": "1"}})), (3, good)])
    assert [type(x).__name__ for x in out] == ["Deal", "LineError", "Deal"]
    assert isinstance(out[1], LineError) and out[1].line == 2 and "lead" in out[1].reason


def test_canonical_lines_skip_unmappable():
    lines = [(1, json.dumps(bundle("bitrix24", "deal_won_c1"), ensure_ascii=False)),
             (2, "{not json"), (3, json.dumps({"lead": {}}))]
    out = list(canonical_lines("bitrix24", lines))
    assert [n for n, _ in out] == [1]
    assert [s["stage"] for s in json.loads(out[0][1])["stage_history"]] == \
        ["Новая заявка", "Переговоры", "Оплачено"]
    assert list(canonical_lines("canonical", lines)) == lines


# --- end to end --------------------------------------------------------------------------

@pytest.mark.parametrize(("fmt", "name", "present", "absent"), [
    ("amocrm", "lead_open", {"contact.phone.format"}, {"deal.task.none", "deal.task.overdue"}),
    ("amocrm", "lead_won", set(), {"deal.task.none", "deal.stage.stale"}),
    ("amocrm", "lead_lost_minimal", set(), {"deal.task.none"}),
    ("bitrix24", "deal_open", {"deal.task.overdue", "contact.phone.format"}, {"deal.task.none"}),
    ("bitrix24", "deal_won_c1", set(), {"deal.task.none", "deal.stage.stale"}),
    ("bitrix24", "deal_lost_minimal", set(), {"deal.close_date.overdue"}),
])
def test_converted_fixtures_score_end_to_end(ctx, fmt, name, present, absent):
    d = deal(fmt, name)
    report = audit_deal(d, ctx)
    assert report.deal_id == d.id and report.manager_id == d.manager_id
    assert set(report.scores) == set(DIRECTIONS) and 0.0 <= report.risk <= 1.0
    found = codes(report.findings)
    assert present <= found and not absent & found
    if fmt == "bitrix24" and name == "deal_open":
        overdue = [f for f in report.findings if f.code == "deal.task.overdue"]
        assert [f.entity_id for f in overdue] == ["24"]


def _jsonl(tmp_path, rows) -> Path:
    src = tmp_path / "bundles.jsonl"
    src.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)
                             for r in rows) + "\n", encoding="utf-8")
    return src


@pytest.mark.parametrize(("fmt", "good", "broken"), [
    ("amocrm", ("lead_open", "lead_won"), {"contacts": [], "notes": []}),
    ("bitrix24", ("deal_open", "deal_won_c1"), {"deal": {"ID": "7", "DATE_CREATE": 1727000000}}),
])
def test_cli_score_format_reports_good_lines_and_one_line_error(tmp_path, fmt, good, broken):
    first, last = (bundle(fmt, n) for n in good)
    src = _jsonl(tmp_path, [first, broken, last])
    errors = tmp_path / "errors.jsonl"
    res = crmqa("score", str(src), "--format", fmt, "--now", NOW_ISO, "--errors", str(errors))
    assert res.returncode == 0, res.stderr
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["deal_id"] for r in rows] == [to_deal(fmt, first)["id"], to_deal(fmt, last)["id"]]
    assert all(0.0 <= r["risk"] <= 1.0 for r in rows)
    bad = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert [b["line"] for b in bad] == [2]
    assert "строка 2:" in res.stderr and "пропущено с ошибками: 1" in res.stderr


def test_cli_score_rejects_an_unknown_format(tmp_path):
    src = _jsonl(tmp_path, [copy.deepcopy(bundle("amocrm", "lead_won"))])
    res = crmqa("score", str(src), "--format", "hubspot")
    assert res.returncode != 0 and res.stdout == ""
