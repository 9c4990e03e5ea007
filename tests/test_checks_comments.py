"""Deal-level comment checks: incomplete, unlogged contact, uncommented activity."""

from __future__ import annotations

import pytest

from analyzer.audit import audit_deal
from analyzer.schema import Deal

from .test_checks_deal import with_

T0 = "2026-11-25T10:00:00+03:00"


def found(ctx, deal: dict) -> list:
    return audit_deal(Deal.model_validate(deal), ctx).findings


def codes_of(ctx, deal: dict) -> set[str]:
    return {f.code for f in found(ctx, deal)}


def comment(text: str, at: str = T0, cid: str = "n1") -> dict:
    return {"id": cid, "author_id": "m1", "created_at": at, "text": text}


def message(channel: str, at: str = T0, direction: str = "out") -> dict:
    return {"id": f"w-{channel}", "channel": channel, "direction": direction, "created_at": at,
            "text": "…"}


UNLOGGED = [  # (comments, messages, expect comms.unlogged)
    ([comment("Написал клиенту в вотсап, отправил КП, созвон в пн")], [], True),
    ([comment("Написал клиенту в вотсап, отправил КП, созвон в пн")], [message("whatsapp")],
     False),
    ([comment("Написал клиенту в вотсап, отправил КП, созвон в пн")],
     [message("whatsapp", "2026-11-10T10:00:00+03:00")], True),          # outside the window
    ([comment("Звонил, клиент думает, перезвоню в пт")], [], True),
    ([comment("Звонил, клиент думает, перезвоню в пт")], [message("phone")], False),
    ([comment("Скину КП в вотсап завтра")], [], False),                   # planned, not done
    ([comment("Встреча в офисе, договорились о поставке")], [], False),   # meetings not watched
]


@pytest.mark.parametrize(("comments", "messages", "expected"), UNLOGGED)
def test_unlogged(ctx, comments, messages, expected):
    deal = with_(comments=comments, messages=messages)
    assert ("comms.unlogged" in codes_of(ctx, deal)) == expected


MISSING = [  # (comments, messages, stage history, expect comment.missing)
    ([], [message("phone")], [], True),
    ([comment("Звонил, клиент думает, перезвоню в пт")], [message("phone")], [], False),
    ([comment("Звонил, клиент думает", "2026-11-20T10:00:00+03:00")], [message("phone")], [],
     True),
    ([], [], [{"stage": "Новая заявка", "entered_at": "2026-11-01T10:00:00+03:00"},
              {"stage": "Переговоры", "entered_at": T0}], True),
    ([comment("Перевёл в переговоры: бюджет согласован, встреча в пн")], [],
     [{"stage": "Новая заявка", "entered_at": "2026-11-01T10:00:00+03:00"},
      {"stage": "Переговоры", "entered_at": T0}], False),
    ([], [], [], False),
]


@pytest.mark.parametrize(("comments", "messages", "history", "expected"), MISSING)
def test_missing(ctx, comments, messages, history, expected):
    deal = with_(comments=comments, messages=messages, stage_history=history)
    assert ("comment.missing" in codes_of(ctx, deal)) == expected


def test_incomplete_names_the_missing_slots(ctx):
    deal = with_(comments=[comment("нд")])
    (f,) = [f for f in found(ctx, deal) if f.code == "comment.incomplete"]
    assert f.entity == "comment" and f.entity_id == "n1"
    assert "результат" in f.message and "следующий шаг" in f.message


def test_a_long_comment_is_cut_and_the_finding_says_so(ctx):
    deal = with_(comments=[comment("думаю " * 2_000)])
    (f,) = [f for f in found(ctx, deal) if f.code == "comment.incomplete"]
    assert "первые 5000 символов" in f.message


def test_off_channel_and_disrespect_reach_the_deal_report(ctx):
    deal = with_(comments=[comment("Написал с личного вотсапа, она неадекват, созвон в пн", cid="n7")])
    by_code = {f.code: f for f in found(ctx, deal)}
    assert by_code["comms.off_channel"].entity_id == "n7"
    assert by_code["comms.off_channel"].evidence == "личного вотсапа"
    assert by_code["comment.disrespect"].evidence == "неадекват"
    assert by_code["comms.off_channel"].direction == "scripts"
