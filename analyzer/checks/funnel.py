"""Funnel checks: a deal held in a stage beyond its norm without a valid reason."""

from __future__ import annotations

from analyzer.checks import check, finding
from analyzer.norms import DAY, MIN_NORM_DAYS


def entered_stage(deal):
    if deal.stage_entered_at:
        return deal.stage_entered_at
    for entry in sorted(deal.stage_history, key=lambda s: s.entered_at, reverse=True):
        if entry.stage == deal.stage:
            return entry.entered_at
    return None


def valid_hold(deal, ctx) -> bool:
    holds = ctx.cfg("funnel.valid_holds", {}) or {}
    if not deal.hold_reason or deal.hold_reason not in holds:
        return False
    needed = (holds[deal.hold_reason] or {}).get("requires_document")
    return not needed or any(d.type == needed for d in deal.documents)


def _hold_note(deal, ctx) -> str:
    if not deal.hold_reason:
        return ""
    holds = ctx.cfg("funnel.valid_holds", {}) or {}
    if deal.hold_reason in holds:
        doc = (holds[deal.hold_reason] or {}).get("requires_document")
        return f"; причина «{deal.hold_reason}» не принимается без документа «{doc}»"
    return f"; причина «{deal.hold_reason}» не входит в допустимые"


@check("deal.stage.stale", "analytics", "major")
def stage_stale(deal, view, ctx):
    if deal.status != "open" or not deal.stage:
        return None
    since = entered_stage(deal)
    norm = ctx.stage_norms.get(deal.stage)
    if since is None or norm is None:
        return None
    norm = max(norm, MIN_NORM_DAYS)
    days = (ctx.now - since).total_seconds() / DAY
    if days <= norm or valid_hold(deal, ctx):
        return None
    return finding("deal.stage.stale", entity_id=deal.id, field="stage", evidence=deal.stage,
                   score=round(min(1.0, days / norm / 3), 3),
                   message=f"Сделка {days:.0f} дн. на этапе «{deal.stage}» при норме "
                           f"{norm:g} дн." + _hold_note(deal, ctx))
