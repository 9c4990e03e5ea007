"""Deal-card and funnel checks, table-driven over variations of one clean deal."""

from __future__ import annotations

from copy import deepcopy

import pytest

from analyzer.audit import audit_deal, make_ctx
from analyzer.config import load_config, merge
from analyzer.schema import Deal

from .conftest import NOW, codes

CLEAN = {
    "id": "D-1", "pipeline": "Основная", "stage": "Переговоры", "status": "open",
    "created_at": "2026-11-01T10:00:00+03:00", "stage_entered_at": "2026-11-20T10:00:00+03:00",
    "amount": 185000, "expected_close_date": "2026-12-15",
    "manager": {"id": "m1", "name": "Пётр Смирнов", "team": "Группа 1"},
    "fields": {"Источник": "Сайт", "Бюджет": "до 200 тыс.", "Потребность": "Стеллажи"},
    "contact": {"id": "c1", "name": "Иванова Мария Петровна", "phones": ["+7 (916) 123-45-67"]},
    "tasks": [{"id": "t1", "type": "call", "created_at": "2026-11-27T10:00:00+03:00",
               "due_at": "2026-11-30T10:00:00+03:00", "completed_at": None,
               "text": "Перезвонить по КП"}],
}


def with_(**changes) -> dict:
    deal = deepcopy(CLEAN)
    for key, value in changes.items():
        deal[key] = value
    return deal


def deal_codes(ctx, deal: dict) -> set[str]:
    return codes(audit_deal(Deal.model_validate(deal), ctx).findings)


CASES = [  # (deal, expected deal-level codes)
    (CLEAN, set()),
    (with_(fields={"Источник": "Сайт", "Бюджет": "", "Потребность": "Стеллажи"}),
     {"deal.field.missing"}),
    (with_(amount=None), {"deal.field.missing"}),
    (with_(stage="Новая заявка", amount=None, fields={"Источник": "Сайт"},
           expected_close_date=None, stage_entered_at="2026-11-27T10:00:00+03:00"), set()),
    (with_(expected_close_date=None), {"deal.close_date.missing"}),
    (with_(expected_close_date="2026-11-27"), {"deal.close_date.overdue"}),
    (with_(expected_close_date="2026-11-28"), set()),      # due today is not overdue
    (with_(tasks=[]), {"deal.task.none"}),
    (with_(tasks=[{"id": "t1", "due_at": "2026-11-20T10:00:00+03:00",
                   "completed_at": "2026-11-20T09:00:00+03:00"}]), {"deal.task.none"}),
    (with_(tasks=[{"id": "t1", "due_at": "2026-11-25T10:00:00+03:00", "completed_at": None}]),
     {"deal.task.overdue"}),
    (with_(status="won", tasks=[], expected_close_date=None), set()),
    (with_(stage_entered_at="2026-10-01T10:00:00+03:00"), {"deal.stage.stale"}),
    (with_(stage_entered_at="2026-10-01T10:00:00+03:00", hold_reason="awaiting_stock"), set()),
    (with_(stage_entered_at="2026-10-01T10:00:00+03:00", hold_reason="awaiting_funds"),
     {"deal.stage.stale"}),
    (with_(stage_entered_at="2026-10-01T10:00:00+03:00", hold_reason="awaiting_funds",
           documents=[{"type": "booking_contract"}]), set()),
    (with_(stage_entered_at="2026-10-01T10:00:00+03:00", hold_reason="клиент думает"),
     {"deal.stage.stale"}),
    (with_(status="lost", stage_entered_at="2026-10-01T10:00:00+03:00", tasks=[]), set()),
]


@pytest.mark.parametrize(("deal", "expected"), CASES)
def test_deal_checks(ctx, deal, expected):
    found = {c for c in deal_codes(ctx, deal) if c.startswith("deal.")}
    assert found == expected


def test_stage_entered_falls_back_to_history(ctx):
    deal = with_(stage_entered_at=None, stage_history=[
        {"stage": "Новая заявка", "entered_at": "2026-09-01T10:00:00+03:00"},
        {"stage": "Переговоры", "entered_at": "2026-09-05T10:00:00+03:00"}])
    assert "deal.stage.stale" in deal_codes(ctx, deal)


def test_stale_message_names_the_norm_and_the_rejected_hold(ctx):
    deal = with_(stage_entered_at="2026-10-01T10:00:00+03:00", hold_reason="awaiting_funds")
    (f,) = [f for f in audit_deal(Deal.model_validate(deal), ctx).findings
            if f.code == "deal.stage.stale"]
    assert "норме 14 дн." in f.message and "booking_contract" in f.message


def test_learned_norm_for_an_unconfigured_stage():
    config = merge(load_config(), {"funnel": {"stage_norms_days": None}})
    durations = {"Переговоры": [float(d) for d in range(1, 41)]}   # p90 = 36.1 days
    ctx = make_ctx(NOW, config, durations)
    assert ctx.stage_norms["Переговоры"] == pytest.approx(36.1)
    fresh = with_(stage_entered_at="2026-11-01T10:00:00+03:00")    # 27 days
    old = with_(stage_entered_at="2026-10-01T10:00:00+03:00")      # 58 days
    assert "deal.stage.stale" not in deal_codes(ctx, fresh)
    assert "deal.stage.stale" in deal_codes(ctx, old)


def test_user_config_overrides_required_fields(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("deal:\n  required_fields:\n    '*':\n      Переговоры: [ИНН плательщика]\n"
                    "  cumulative: false\n", encoding="utf-8")
    ctx = make_ctx(NOW, load_config(path))
    found = [f for f in audit_deal(Deal.model_validate(CLEAN), ctx).findings
             if f.code == "deal.field.missing"]
    assert [f.field for f in found] == ["ИНН плательщика"]
