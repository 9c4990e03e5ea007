"""The head's HTML report: self-contained, complete, and it renders."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from .conftest import NOW


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    deals, out = tmp / "d.jsonl", tmp / "report.html"
    subprocess.run([sys.executable, "-m", "crmqa.cli", "synth", "--deals", "400", "--seed", "3",
                    "--now", NOW.isoformat(), "-o", str(deals)], check=True)
    with deals.open("a", encoding="utf-8") as fh:
        fh.write("{broken\n")
    res = subprocess.run([sys.executable, "-m", "crmqa.cli", "report", str(deals), "--now",
                          NOW.isoformat(), "-o", str(out)], capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 0, res.stderr
    assert "строка 401" in res.stderr
    return out


def test_report_is_self_contained_with_every_section(html):
    text = html.read_text(encoding="utf-8")
    for heading in ("Динамика по двухдневным окнам", "Замечания по видам", "Менеджеры",
                    "Соблюдение скрипта по менеджерам", "Менеджеры по двухдневным окнам",
                    "Выборки на"):
        assert heading in text
    images = re.findall(r'<img src="([^"]+)"', text)
    assert len(images) == 3 and all(src.startswith("data:image/png;base64,") for src in images)
    assert not re.search(r'(src|href)="https?://', text)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no headless Chromium here")
def test_report_renders_in_headless_chromium(html, tmp_path):
    from PIL import Image, ImageStat

    shot = tmp_path / "report.png"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--no-first-run",
                    f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,3000",
                    f"--screenshot={shot}", html.as_uri()], capture_output=True, timeout=120)
    image = Image.open(shot).convert("L")
    assert image.size == (1280, 3000)
    assert ImageStat.Stat(image).stddev[0] > 20      # text and charts, not a blank page


def test_demo_report_calibrates_auditors_and_checks(tmp_path):
    """Three simulated auditors judge the QA sample: the strict one is flagged,
    kappa per direction is shown, and checks carry their confirmed share."""
    from analyzer.config import load_config
    from crmqa.demo import build_report
    from training.synth import generate

    pairs = list(generate(300, seed=5, now=NOW))
    truth = {d["id"]: set(codes) for d, codes in pairs}
    *_, head, out = build_report([d for d, _ in pairs], NOW, load_config(), 1, truth,
                                 tmp_path / "r.html")
    c = head.calibration
    flags = {a["auditor"]: a["flag"] for a in c["auditors"]}
    assert flags == {"ОКК-1": "", "ОКК-2": "строгий", "ОКК-3": ""}
    pair = c["agreement"][0]
    assert pair["auditors"] == ["ОКК-1", "ОКК-2"] and len(c["agreement"]) == 3
    assert all(k["deals"] > 0 for k in pair["directions"].values())
    assert c["checks"] and all(q["verdicts"] > 0 for q in c["checks"])
    text = out.read_text(encoding="utf-8")
    assert "Аудиторы и проверки по вердиктам" in text and "каппа Коэна" in text
