"""Users extend lexicons and override the regulation without touching code."""

from __future__ import annotations

import json
import os
import subprocess
import sys

CONTACT = {"id": "c1", "name": "Петров Иван (пельмень)", "phones": ["+7 (916) 123-45-67"]}


def contacts(env_extra: dict, tmp_path) -> set[str]:
    env = {**os.environ, **env_extra}
    res = subprocess.run([sys.executable, "-m", "crmqa.cli", "contacts", "-"],
                         input=json.dumps(CONTACT, ensure_ascii=False) + "\n",
                         capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    return {f["code"] for f in json.loads(res.stdout)["findings"]}


def test_a_user_lexicon_adds_an_insult(tmp_path):
    mine = tmp_path / "lex"
    mine.mkdir()
    (mine / "nickname_words.txt").write_text("# наш жаргон: «Петров (пельмень)»\nпельмень\n",
                                             encoding="utf-8")
    assert "contact.name.nickname" not in contacts({"CRMQA_CONFIG": ""}, tmp_path)
    found = contacts({"CRMQA_LEXICONS": str(mine), "CRMQA_CONFIG": ""}, tmp_path)
    assert "contact.name.nickname" in found


def test_a_user_config_changes_the_phone_format(tmp_path):
    cfg = tmp_path / "mine.yaml"
    cfg.write_text('phone:\n  format: "8 (XXX) XXX-XX-XX"\n', encoding="utf-8")
    assert "contact.phone.format" not in contacts({"CRMQA_CONFIG": ""}, tmp_path)
    assert "contact.phone.format" in contacts({"CRMQA_CONFIG": str(cfg)}, tmp_path)


def test_a_broken_config_is_a_clear_error(tmp_path):
    cfg = tmp_path / "broken.yaml"
    cfg.write_text("phone: [unclosed\n", encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "crmqa.cli", "contacts", "-", "--config", str(cfg)],
                         input="{}\n", capture_output=True, text=True, timeout=300)
    assert res.returncode == 2 and "cannot read config" in res.stderr


def test_a_check_can_be_switched_off():
    from analyzer.audit import audit_deal, make_ctx
    from analyzer.config import load_config, merge
    from analyzer.schema import Deal

    from .conftest import NOW
    from .test_checks_deal import with_

    deal = Deal.model_validate(with_(tasks=[], contact={"id": "c", "name": "иван"}))
    on = {f.code for f in audit_deal(deal, make_ctx(NOW)).findings}
    config = merge(load_config(), {"checks": {"disabled": ["deal.task.none"]}})
    off = {f.code for f in audit_deal(deal, make_ctx(NOW, config)).findings}
    assert "deal.task.none" in on and on - off == {"deal.task.none"}
