"""`crmqa labels import|export`: kept once, bad lines and unknown deals
reported by line, a round trip through CSV keeps every label."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from analyzer.audit import audit_deal, make_ctx
from analyzer.schema import Deal
from api.store import Store
from crmqa.cli import app

from .api_support import synthetic_deals
from .conftest import NOW


def _store(tmp_path) -> tuple[str, list[dict]]:
    url = f"sqlite:///{tmp_path / 'l.sqlite'}"
    deals = synthetic_deals(5, seed=9)
    store = Store(url)
    store.put_deals(deals, account="acme")
    ctx = make_ctx(NOW)
    store.put_reports([audit_deal(Deal.model_validate(d), ctx) for d in deals], NOW, "acme")
    return url, deals


def test_import_reports_bad_lines_and_counts_duplicates(tmp_path):
    url, deals = _store(tmp_path)
    good = {"deal_id": deals[0]["id"], "code": "comment.incomplete", "verdict": "confirmed",
            "key": "k1", "auditor": "qa-1"}
    lines = [json.dumps(good), "{broken", json.dumps({**good, "deal_id": "ghost", "key": "k2"}),
             json.dumps(good), json.dumps({**good, "verdict": "maybe", "key": "k3"}),
             json.dumps({"deal_id": deals[1]["id"], "target": "deal", "verdict": "value",
                         "value": {"fail": True}, "key": "k4", "inclusion_probability": 0.25})]
    src = tmp_path / "labels.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = CliRunner().invoke(app, ["labels", "import", str(src), "--account", "acme", "--db", url])
    assert out.exit_code == 0, out.output
    assert '{"stored": 2, "duplicates": 1, "rejected": 3}' in out.output
    assert "строка 2" in out.output and "строка 3" in out.output and "строка 5" in out.output
    kept = Store(url).labels("acme")
    assert [x.inclusion_probability for x in kept if x.target == "deal"] == [0.25]


def test_csv_round_trip_keeps_every_label(tmp_path):
    url, deals = _store(tmp_path)
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"deal_id": d["id"], "target": "deal", "verdict": "value",
                                       "value": {"fail": i % 2 == 0}, "key": f"k{i}"}) + "\n"
                           for i, d in enumerate(deals)), encoding="utf-8")
    assert CliRunner().invoke(app, ["labels", "import", str(src), "--account", "acme",
                                    "--db", url]).exit_code == 0
    csv_path = tmp_path / "out.csv"
    out = CliRunner().invoke(app, ["labels", "export", "--account", "acme", "--db", url, "--csv",
                                   "-o", str(csv_path)])
    assert out.exit_code == 0, out.output
    other = f"sqlite:///{tmp_path / 'other.sqlite'}"
    Store(other).put_deals(deals, account="acme")
    back = CliRunner().invoke(app, ["labels", "import", str(csv_path), "--account", "acme",
                                    "--db", other])
    assert '"stored": 5' in back.output
    assert sorted((x.deal_id, x.value["fail"]) for x in Store(other).labels("acme")) == \
        sorted((d["id"], i % 2 == 0) for i, d in enumerate(deals))


def test_train_without_enough_labels_says_so(tmp_path):
    url, _ = _store(tmp_path)
    out = CliRunner().invoke(app, ["train", "risk", "--account", "acme", "--db", url])
    assert out.exit_code == 2 and "не меньше" in out.output
    assert CliRunner().invoke(app, ["train", "nickname", "--account", "acme",
                                    "--db", url]).exit_code == 2
