"""Unusable input never stops a batch: each bad line is reported, the rest scored."""

from __future__ import annotations

import json
import subprocess
import sys

from analyzer.batch import LineError, run

from .conftest import NOW
from .test_checks_deal import CLEAN

NOW_ISO = NOW.isoformat()


def deal(**changes) -> dict:
    d = json.loads(json.dumps(CLEAN))
    d.update(changes)
    return d


BAD_AND_GOOD = [
    json.dumps(deal(id="ok-1"), ensure_ascii=False),
    "{not json",
    json.dumps([1, 2, 3]),
    json.dumps({k: v for k, v in deal().items() if k != "id"}, ensure_ascii=False),
    json.dumps(deal(id="bad-types", amount="много", status="maybe"), ensure_ascii=False),
    json.dumps(deal(id="ok-2", unknown_field={"x": 1}), ensure_ascii=False),
    json.dumps(deal(id="ok-huge", comments=[{"id": "n1", "text": "очень " * 900_000}]),
               ensure_ascii=False),
    json.dumps(deal(id="ok-nul", contact={"id": "c1", "name": "Иван\x00ов Пётр"}),
               ensure_ascii=False),
    json.dumps(deal(id="ok-emoji", contact={"id": "c2", "name": "😀😀😀"}), ensure_ascii=False),
    json.dumps(deal(id="ok-mixed", contact={"id": "c3", "name": "Ивaнов Пeтр"}),
               ensure_ascii=False),
    "",
    "   ",
    json.dumps(deal(id=12345), ensure_ascii=False),   # a numeric id is coerced
]


def run_cli(*args, stdin: str | None = None):
    return subprocess.run([sys.executable, "-m", "crmqa.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=300)


def test_bad_lines_are_reported_with_numbers_and_the_rest_is_scored(tmp_path):
    src = tmp_path / "deals.jsonl"
    src.write_text("\n".join(BAD_AND_GOOD) + "\n", encoding="utf-8")
    res = run_cli("score", str(src), "--now", NOW_ISO, "-j", "1")
    assert res.returncode == 0, res.stderr
    out = [json.loads(line) for line in res.stdout.splitlines()]
    assert [o["deal_id"] for o in out] == ["ok-1", "ok-2", "ok-huge", "ok-nul", "ok-emoji",
                                           "ok-mixed", "12345"]
    err = res.stderr
    assert "строка 2: не JSON" in err
    assert "строка 3: ожидался JSON-объект" in err
    assert "строка 4: id" in err
    assert "строка 5:" in err and ("amount" in err and "status" in err)
    assert "пропущено с ошибками: 4" in err
    by_id = {o["deal_id"]: o for o in out}
    assert {f["code"] for f in by_id["ok-emoji"]["findings"]} >= {"contact.name.missing"}
    assert "contact.name.not_a_name" in {f["code"] for f in by_id["ok-mixed"]["findings"]}


def test_personal_data_stays_out_of_error_messages(tmp_path):
    src = tmp_path / "deals.jsonl"
    src.write_text(json.dumps(deal(id="x", amount="Иванова +79161234567")) + "\n"
                   + json.dumps(deal(id="y")) + "\n", encoding="utf-8")
    res = run_cli("score", str(src), "--now", NOW_ISO, "-j", "1")
    assert res.returncode == 0
    assert "строка 1" in res.stderr and "79161234567" not in res.stderr


def test_unusable_input_exits_nonzero_with_one_line(tmp_path):
    res = run_cli("score", str(tmp_path / "missing.jsonl"))
    assert res.returncode == 2 and "file not found" in res.stderr
    junk = tmp_path / "junk.jsonl"
    junk.write_text("a\nb\n", encoding="utf-8")
    res = run_cli("score", str(junk))
    assert res.returncode == 2 and "none of 2 lines" in res.stderr


def test_stdin_works_and_now_makes_reruns_identical():
    lines = "\n".join(BAD_AND_GOOD[:1] * 3) + "\n"
    a = run_cli("score", "-", "--now", NOW_ISO, stdin=lines)
    b = run_cli("score", "-", "--now", NOW_ISO, stdin=lines)
    assert a.returncode == 0 and a.stdout == b.stdout and len(a.stdout.splitlines()) == 3


def test_parallel_run_keeps_input_order():
    lines = [(i, json.dumps(deal(id=f"d{i}"))) for i in range(1, 41)]
    from analyzer.audit import DealScorer, make_ctx

    ctx = make_ctx(NOW)
    scorer = DealScorer(NOW, ctx.config, ctx.stage_norms)
    out = list(run(scorer, lines + [(99, "nope")], jobs=2, chunk=7))
    assert [o.deal_id for o in out[:-1]] == [f"d{i}" for i in range(1, 41)]
    assert isinstance(out[-1], LineError) and out[-1].line == 99


def test_bom_and_foreign_encodings(tmp_path):
    good = json.dumps(deal(id="bom"), ensure_ascii=False).encode()
    cp = json.dumps(deal(id="cp1251"), ensure_ascii=False).encode("cp1251")
    src = tmp_path / "d.jsonl"
    src.write_bytes(b"\xef\xbb\xbf" + good + b"\r\n" + cp + b"\n")
    res = run_cli("score", str(src), "--now", NOW_ISO, "-j", "1")
    assert [json.loads(x)["deal_id"] for x in res.stdout.splitlines()] == ["bom"]
    assert "строка 2: строка не в кодировке UTF-8" in res.stderr


def test_messy_but_usable_values_are_scored_not_rejected():
    from analyzer.audit import audit_deal, make_ctx
    from analyzer.schema import Deal

    messy = deal(id="messy", stage_entered_at="2026-10-01", amount="185 000",
                 tasks=[{"id": "t1", "due_at": "2026-11-01T10:00:00", "completed_at": None}],
                 comments=[{"id": "n1", "text": None}],
                 messages=[{"id": "w1", "channel": "WhatsApp", "text": None}],
                 contact={"id": "c1", "name": "Иван \ud83d Петров", "phones": [None]})
    report = audit_deal(Deal.model_validate(messy), make_ctx(NOW))
    found = {f.code for f in report.findings}
    assert {"deal.stage.stale", "deal.task.overdue"} <= found
    report.model_dump_json()                      # serialisable despite the cut emoji


def test_instant_stage_moves_do_not_break_learned_norms():
    from analyzer.audit import audit_deal, make_ctx
    from analyzer.config import load_config, merge
    from analyzer.schema import Deal

    config = merge(load_config(), {"funnel": {"stage_norms_days": None}})
    ctx = make_ctx(NOW, config, {"Переговоры": [0.0] * 30})
    report = audit_deal(Deal.model_validate(deal(id="robot")), ctx)
    assert "deal.stage.stale" in {f.code for f in report.findings}
