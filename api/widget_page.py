"""The widget page's HTML: findings grouped by direction, evidence marked in
the original comment text, the auditors' verdicts so far."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from analyzer.ru import DIRECTION_NAMES

SEVERITY = {"critical": "критично", "major": "серьёзно", "minor": "замечание", "info": "к сведению"}
CONTEXT = 120          # characters of text shown around the evidence


@lru_cache(maxsize=1)
def env() -> Environment:
    return Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                       autoescape=select_autoescape(["html"]))


def _texts(deal: dict) -> dict[tuple[str, str], str]:
    out = {}
    for kind in ("comments", "messages", "tasks"):
        for item in deal.get(kind) or ():
            if isinstance(item, dict) and item.get("id") is not None:
                out[(kind[:-1], str(item["id"]))] = str(item.get("text") or "")
    return out


def marked(text: str, span: list | tuple | None) -> Markup:
    """The text around the span, the span in <mark>, everything escaped; with
    no span, the text's beginning (which comment a finding is about)."""
    if not text:
        return Markup("")
    if not span:
        return Markup("{}{}").format(escape(text[:2 * CONTEXT]), "…" if len(text) > 2 * CONTEXT else "")
    start, end = int(span[0]), int(span[1])
    if not 0 <= start < end <= len(text):
        return Markup("")
    lo, hi = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
    return Markup("{}{}<mark>{}</mark>{}{}").format(
        "…" if lo else "", escape(text[lo:start]), escape(text[start:end]),
        escape(text[end:hi]), "…" if hi < len(text) else "")


def _verdicts(labels) -> dict[tuple, str]:
    out = {}
    for x in labels:                      # the latest verdict per finding wins
        if x.target == "finding":
            out[(x.code, x.entity_id)] = x.verdict
    return out


def groups(deal: dict, findings: list[dict], labels) -> list[dict]:
    texts, verdicts = _texts(deal), _verdicts(labels)
    by_dir: dict[str, list] = {d: [] for d in DIRECTION_NAMES}
    for f in findings:
        text = texts.get((f.get("entity"), str(f.get("entity_id"))), "")
        by_dir.setdefault(f.get("direction", "skills"), []).append({
            **f, "severity_ru": SEVERITY.get(f.get("severity"), f.get("severity")),
            "context": marked(text, f.get("span")),
            "verdict": verdicts.get((f.get("code"), f.get("entity_id")))})
    return [{"key": d, "title": DIRECTION_NAMES.get(d, d), "findings": items}
            for d, items in by_dir.items()]


def render(deal: dict, row, labels, ticket: str) -> str:
    report = row.report
    return env().get_template("widget.html").render(
        deal_id=row.deal_id, title=deal.get("title") or "", stage=deal.get("stage") or "",
        risk=row.risk, scores=report.get("scores", {}), directions=DIRECTION_NAMES,
        groups=groups(deal, report.get("findings", []), labels), ticket=ticket,
        scored_at=row.scored_at)
