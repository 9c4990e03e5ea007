"""Manager-level checks: `manager.cherry_picking` — a manager takes many leads,
leaves a share of them untouched and works only the largest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from statistics import mean

from analyzer.checks import Ctx, check, finding
from analyzer.ru import plural
from analyzer.schema import Deal

DAY = timedelta(days=1)


@dataclass
class ManagerView:
    manager_id: str
    name: str | None
    team: str | None
    deals: list[Deal] = field(default_factory=list)


@dataclass
class Lead:
    deal: Deal
    touched: bool


def touched(deal: Deal) -> bool:
    """The manager did anything with the deal: a comment, a message or call out,
    a finished task, a stage move."""
    return bool(deal.comments or any(m.direction == "out" for m in deal.messages)
                or any(t.completed_at for t in deal.tasks) or len(deal.stage_history) > 1)


def leads(m: ManagerView, ctx: Ctx) -> list[Lead]:
    """Deals the manager took in the analytics window and had for a while."""
    window = DAY * ctx.cfg("analytics.window_days", 14)
    grace = DAY * ctx.cfg("analytics.untouched_after_days", 2)
    return [Lead(d, touched(d)) for d in m.deals
            if d.created_at and ctx.now - window <= d.created_at <= ctx.now - grace]


def _amounts(items: list[Lead]) -> float:
    values = [lead.deal.amount or 0.0 for lead in items]
    return mean(values) if values else 0.0


@check("manager.cherry_picking", "analytics", "major", entity="manager", scope="manager")
def cherry_picking(m: ManagerView, view, ctx: Ctx):
    taken = leads(m, ctx)
    if len(taken) < ctx.cfg("analytics.min_leads", 8):
        return None
    idle = [x for x in taken if not x.touched]
    worked = [x for x in taken if x.touched]
    share = len(idle) / len(taken)
    if share < ctx.cfg("analytics.untouched_share", 0.3) or not worked:
        return None
    big, small = _amounts(worked), _amounts(idle)
    if big < ctx.cfg("analytics.hot_ratio", 1.5) * max(small, 1.0):
        return None
    return finding(
        "manager.cherry_picking", entity_id=m.manager_id, score=round(share, 3),
        evidence=f"{len(idle)} из {len(taken)}",
        message=f"Менеджер взял {len(taken)} {plural(len(taken), 'лид', 'лида', 'лидов')} за "
                f"{ctx.cfg('analytics.window_days', 14)} дн., "
                f"{len(idle)} ({share:.0%}) без единого действия, а работает с крупными: "
                f"средний бюджет {_rub(big)} против {_rub(small)} у брошенных")


def _rub(value: float) -> str:
    return f"{value:,.0f} ₽".replace(",", "\u202f")


