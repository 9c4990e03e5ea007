"""The HTML report: a self-contained file (no network, no scripts)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape

from analyzer.checks import CHECKS, _load_all
from analyzer.config import DATA_DIR
from analyzer.ru import DIRECTION_NAMES
from crmqa.summary import Summary

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def code_titles() -> dict[str, str]:
    return yaml.safe_load((DATA_DIR / "codes.yaml").read_text(encoding="utf-8"))


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:.1f}%" if total else "—"


def render(summary: Summary, now: str, quality: dict | None = None, head=None) -> str:
    from importlib.metadata import version

    _load_all()
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    directions = {c: DIRECTION_NAMES[s.direction] for c, s in CHECKS.items()}
    return env.get_template("report.html").render(
        s=summary, now=now, version=version("crmqa"), pct=_pct, titles=code_titles(),
        directions=directions, dir_names=DIRECTION_NAMES, quality=quality, head=head)


def write(path: Path, html: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
