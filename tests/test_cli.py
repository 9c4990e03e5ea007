"""The console commands end to end, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import NOW

NOW_ISO = NOW.isoformat()


def crmqa(*args, stdin: str | None = None, cwd=None):
    return subprocess.run([sys.executable, "-m", "crmqa.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=600, cwd=cwd)


def test_contacts_command_normalises_and_finds():
    lines = "\n".join(json.dumps(c, ensure_ascii=False) for c in [
        {"id": "c1", "name": "иванова мария (истеричка)", "phones": ["8 916 123 45 67"],
         "inn": "7707083893"},
        {"id": "c2", "name": "Петров Иван Сергеевич", "phones": ["+7 (916) 765-43-21"]},
    ]) + "\n"
    res = crmqa("contacts", "-", stdin=lines)
    assert res.returncode == 0, res.stderr
    first, second = (json.loads(line) for line in res.stdout.splitlines())
    assert first["normalized"] == {"name": "Иванова Мария", "phones": ["+79161234567"],
                                   "inn": "7707083893"}
    assert {f["code"] for f in first["findings"]} == {
        "contact.name.lowercase", "contact.name.nickname", "contact.phone.format"}
    assert second["findings"] == []


def test_synth_writes_deals_and_truth(tmp_path):
    out, truth = tmp_path / "d.jsonl", tmp_path / "t.jsonl"
    res = crmqa("synth", "--deals", "40", "--seed", "3", "--now", NOW_ISO, "-o", str(out),
                "--truth", str(truth))
    assert res.returncode == 0, res.stderr
    deals = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    rows = [json.loads(x) for x in truth.read_text(encoding="utf-8").splitlines()]
    assert len(deals) == 40 and [r["deal_id"] for r in rows] == [d["id"] for d in deals]


def test_score_output_lines_follow_the_contract(tmp_path):
    src = tmp_path / "d.jsonl"
    crmqa("synth", "--deals", "30", "--seed", "4", "--now", NOW_ISO, "-o", str(src))
    res = crmqa("score", str(src), "--now", NOW_ISO)
    assert res.returncode == 0, res.stderr
    for line in res.stdout.splitlines():
        row = json.loads(line)
        assert {"deal_id", "manager_id", "created_at", "status", "risk", "scores",
                "findings"} <= set(row)                      # the contract's fields (and ours)
        assert 0.0 <= row["risk"] <= 1.0
        assert set(row["scores"]) == {"attentiveness", "skills", "analytics", "scripts"}
        for f in row["findings"]:
            assert {"code", "direction", "severity", "entity", "message"} <= set(f)


def test_demo_builds_store_scores_and_writes_a_report(tmp_path):
    res = crmqa("demo", "--deals", "120", "--out", str(tmp_path / "demo"))
    assert res.returncode == 0, res.stderr
    html = (tmp_path / "demo" / "report.html").read_text(encoding="utf-8")
    assert "Контроль качества работы в CRM" in html and "contact.name.nickname" in html
    assert (tmp_path / "demo" / "crmqa.sqlite").exists()
    assert "Отчёт:" in res.stdout


def test_comments_command_jsonl_and_csv(tmp_path):
    rows = [{"id": "n1", "text": "нд 2р, скинул КП в вотсап, перезв. завтра 11:00"},
            {"id": "n2", "text": "Написал клиенту с личного вотсапа, договорились напрямую"},
            {"id": "n3", "text": ""}]
    res = crmqa("comments", "-", stdin="\n".join(json.dumps(r, ensure_ascii=False)
                                                  for r in rows) + "\n")
    assert res.returncode == 0, res.stderr
    out = [json.loads(x) for x in res.stdout.splitlines()]
    assert [o["id"] for o in out] == ["n1", "n2", "n3"]
    assert set(out[0]) == {"id", "completeness", "elements", "channels", "findings"}
    assert out[0]["channels"] == ["phone", "whatsapp"] and out[0]["elements"]["date"]
    assert "comms.off_channel" in {f["code"] for f in out[1]["findings"]}
    assert out[2]["completeness"] == 0.0
    csv_file = tmp_path / "c.csv"
    csv_file.write_text("id,text\n" + "\n".join(f'{r["id"]},"{r["text"]}"' for r in rows) + "\n",
                        encoding="utf-8")
    res_csv = crmqa("comments", str(csv_file))
    assert res_csv.returncode == 0 and res_csv.stdout == res.stdout


def test_models_list_json_follows_the_contract():
    res = crmqa("models", "list", "--json")
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    names = {r["name"] for r in rows if r["status"] == "active"}
    assert {"nickname", "completeness", "off_channel", "disrespect", "steps", "risk"} <= names
    for r in rows:
        assert set(r) == {"name", "version", "status", "path", "sha256", "metrics"}
        assert r["path"].startswith("models/artifacts/") and len(r["sha256"]) == 64
