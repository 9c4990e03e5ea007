"""What the department head's report shows beyond the per-code summary:
trends over two-day windows, the managers' dynamics and cherry-picking, and
today's audit samples with their population estimates."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import date, timedelta

from analyzer import analytics
from analyzer.checks import Ctx, run_manager
from analyzer.schema import DIRECTIONS, Deal, Finding
from crmqa import charts
from crmqa import sample as sampler


@dataclass
class ManagerRow:
    manager_id: str
    name: str | None
    team: str | None
    windows: list[analytics.Window]
    findings: list[Finding]


@dataclass
class HeadView:
    window_labels: list[str] = field(default_factory=list)
    trend_chart: str = ""
    mix_chart: str = ""
    managers: list[ManagerRow] = field(default_factory=list)
    samples: dict[str, dict] = field(default_factory=dict)
    estimates_chart: str = ""
    qa_lines: list[dict] = field(default_factory=list)
    calibration: dict | None = None          # checks and auditors against verdicts


def _trend(reports: list[dict], end: date, count: int) -> tuple[list[str], dict[str, list[float]]]:
    labels, shares = [], {d: [] for d in DIRECTIONS}
    for k in range(count, 0, -1):
        hi = end - timedelta(days=2 * (k - 1))
        lo = hi - timedelta(days=1)
        active = [r for r in reports
                  if any(lo.isoformat() <= d <= hi.isoformat() for d in r.get("active_on", []))]
        labels.append(f"{lo:%d.%m}–{hi:%d.%m}")
        for d in DIRECTIONS:
            hit = sum(any(f["direction"] == d for f in r["findings"]) for r in active)
            shares[d].append(hit / len(active) if active else 0.0)
    return labels, shares


def _samples(reports: list[dict], day: date, config: dict, seed: int) -> dict[str, dict]:
    data = "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in reports)
    out = {}
    for role in ("qa", "supervisor", "head"):
        lines, summary, _ = sampler.run(io.BytesIO(data.encode()), role, day, config, None, seed)
        out[role] = {"summary": summary, "lines": lines}
    return out


def _estimates_chart(summary: dict) -> str:
    est = summary["estimates"]
    names = [d for d in DIRECTIONS if d in est]
    codes = sorted((k for k in est if "." in k), key=lambda k: -est[k]["value"])[:10]
    names += [c for c in codes if est[c]["value"] > 0]
    labels = [charts.DIRECTION_NAMES.get(n, n) for n in names]
    return charts.estimates(labels, [est[n]["value"] for n in names],
                            [est[n]["ci95"][0] for n in names], [est[n]["ci95"][1] for n in names])


def build(deals: list[Deal], reports: list[dict], ctx: Ctx, seed: int = 0,
          windows: int = 7) -> HeadView:
    by_id = {r["deal_id"]: r for r in reports}
    view = HeadView()
    view.window_labels, shares = _trend(reports, ctx.today, windows)
    view.trend_chart = charts.trend(view.window_labels, shares)
    rows = []
    for m in analytics.managers(deals):
        rows.append(ManagerRow(m.manager_id, m.name, m.team,
                               analytics.windows(m, by_id, ctx, windows), run_manager(m, ctx)))
    view.managers = rows
    new = [sum(r.windows[i].worked_new for r in rows) for i in range(windows)]
    base = [sum(r.windows[i].worked_base for r in rows) for i in range(windows)]
    view.mix_chart = charts.work_mix(view.window_labels, new, base)
    view.samples = _samples(reports, ctx.today, ctx.config, seed)
    view.estimates_chart = _estimates_chart(view.samples["qa"]["summary"])
    view.qa_lines = sorted(view.samples["qa"]["lines"], key=lambda x: -x["risk"])[:25]
    return view
