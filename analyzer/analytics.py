"""Manager analytics for the head's every-two-days view: who grabs leads and
works only the hot ones (`manager.cherry_picking`), and each manager's
dynamics over two-day windows — new leads vs the existing base, the share of
stale deals, comment quality.

Pure: it reads canonical deals and their `score` reports, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import mean

from analyzer.checks import Ctx
from analyzer.checks.managers import ManagerView
from analyzer.schema import Deal, Finding

DAY = timedelta(days=1)


@dataclass
class Window:
    start: str
    end: str
    new_leads: int            # deals created in the window
    worked_new: int           # of them, touched in the window
    worked_base: int          # older deals touched in the window
    stale_share: float        # open deals stale at the window's end
    comment_quality: float | None


def _touched_between(d: Deal, a: datetime, b: datetime) -> bool:
    stamps = [c.created_at for c in d.comments] + [s.entered_at for s in d.stage_history[1:]]
    stamps += [m.created_at for m in d.messages if m.direction == "out"]
    stamps += [t.completed_at for t in d.tasks]
    return any(t is not None and a <= t < b for t in stamps)


def windows(m: ManagerView, reports: dict[str, dict], ctx: Ctx, count: int = 7) -> list[Window]:
    """The manager's last `count` two-day windows, oldest first."""
    from analyzer.comments import analyze
    from models.comments import completeness

    out = []
    end = ctx.now
    for _ in range(count):
        start = end - 2 * DAY
        new = [d for d in m.deals if d.created_at and start <= d.created_at < end]
        base = [d for d in m.deals if d.created_at and d.created_at < start]
        opened = [d for d in m.deals if d.status == "open" and d.created_at and d.created_at < end]
        stale = [d for d in opened if any(f["code"] == "deal.stage.stale"
                                          for f in reports.get(d.id, {}).get("findings", []))]
        texts = [c.text for d in m.deals for c in d.comments
                 if c.created_at and start <= c.created_at < end]
        quality = mean(completeness(analyze(t, ctx.today)) for t in texts) if texts else None
        out.append(Window(start.date().isoformat(), end.date().isoformat(), len(new),
                          sum(_touched_between(d, start, end) for d in new),
                          sum(_touched_between(d, start, end) for d in base),
                          round(len(stale) / len(opened), 3) if opened else 0.0,
                          round(quality, 3) if quality is not None else None))
        end = start
    return out[::-1]


def managers(deals: list[Deal]) -> list[ManagerView]:
    table: dict[str, ManagerView] = {}
    for d in deals:
        key = d.manager_id or "—"
        mv = table.get(key)
        if mv is None:
            mv = table[key] = ManagerView(key, d.manager.name if d.manager else None,
                                          d.manager.team if d.manager else None)
        mv.deals.append(d)
    return sorted(table.values(), key=lambda m: (m.team or "", m.manager_id))


def manager_findings(deals: list[Deal], ctx: Ctx) -> dict[str, list[Finding]]:
    from analyzer.checks import run_manager

    return {m.manager_id: run_manager(m, ctx) for m in managers(deals)}
