"""Compose the checks into one report per deal or contact."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from analyzer import checks, phones
from analyzer.checks import ContactView, Ctx
from analyzer.checks.contact import inn_problem, normalize_inn
from analyzer.config import load_config
from analyzer.norms import effective
from analyzer.schema import (
    DIRECTIONS,
    CommentIn,
    CommentReport,
    Contact,
    ContactReport,
    Deal,
    DealReport,
    Finding,
    NormalizedContact,
)


def make_ctx(now: datetime, config: dict | None = None,
             durations: dict[str, list[float]] | None = None) -> Ctx:
    config = config if config is not None else load_config()
    return Ctx(now=now, config=config, stage_norms=effective(config, durations))


def direction_scores(findings: list[Finding], ctx: Ctx) -> dict[str, float]:
    """Per direction, 1.0 for a clean deal, decaying with each finding's weight."""
    weights = ctx.cfg("scoring.severity_weight", {}) or {}
    penalty = dict.fromkeys(DIRECTIONS, 0.0)
    for f in findings:
        penalty[f.direction] += float(weights.get(f.severity, 0.0))
    return {d: round(math.exp(-p), 4) for d, p in penalty.items()}


RISK_SENTINEL = -1.0      # batch lines carry this until the main process sets the risk


@dataclass(frozen=True, slots=True)
class ScoredLine:
    """A batch worker's result: the JSON line with a risk placeholder, and what
    the main process needs to set it (the manager's rate is known only there)."""

    json: str
    logit: float
    manager_id: str | None
    severe: bool

    def finish(self, rates) -> str:
        from models import risk

        p = risk.model().probability(self.logit, rates.get(self.manager_id))
        rates.update(self.manager_id, self.severe)
        return self.json.replace(f'"risk":{RISK_SENTINEL}', f'"risk":{p:.4f}', 1)


def assess(deal: Deal, ctx: Ctx) -> tuple[list[Finding], dict[str, float], dict[str, float]]:
    """(findings, direction scores, risk features) of one deal."""
    from models import risk

    view = checks.DealView(deal, ctx)
    findings = checks.run_deal(deal, ctx, view)
    scores = direction_scores(findings, ctx)
    if "thread" in view.__dict__:        # the script checks ran: their share of steps counts
        scores["scripts"] = round(scores["scripts"] * view.thread.score(deal.stage), 4)
    return findings, scores, risk.features(deal, findings, scores, ctx.now)


def active_days(deal: Deal, ctx: Ctx) -> list[str]:
    """Local dates on which anything happened in the deal (for daily samples)."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(ctx.cfg("timezone", "Europe/Moscow"))
    stamps = [deal.created_at, deal.stage_entered_at, deal.closed_at]
    stamps += [c.created_at for c in deal.comments] + [m.created_at for m in deal.messages]
    stamps += [s.entered_at for s in deal.stage_history]
    stamps += [t.completed_at for t in deal.tasks] + [t.created_at for t in deal.tasks]
    days = {t.astimezone(tz).date() for t in stamps if t is not None and t <= ctx.now}
    return sorted(d.isoformat() for d in days)


def audit_deal(deal: Deal, ctx: Ctx, manager_rate: float | None = None) -> DealReport:
    """The deal's report; its risk uses `manager_rate` (the prior if unknown)."""
    return audit_deal_features(deal, ctx, manager_rate)[0]


def audit_deal_features(deal: Deal, ctx: Ctx, manager_rate: float | None = None
                        ) -> tuple[DealReport, dict[str, float]]:
    """The report and the risk model's features (kept for retraining)."""
    from models import risk

    findings, scores, feats = assess(deal, ctx)
    model = risk.model()
    rate = risk.PRIOR_RATE if manager_rate is None else manager_rate
    p = model.probability(model.logit(feats), rate)
    report = DealReport(deal_id=deal.id, manager_id=deal.manager_id, created_at=deal.created_at,
                        status=deal.status, risk=round(p, 4), scores=scores, findings=findings,
                        active_on=active_days(deal, ctx))
    return report, {**feats, "manager_rate": rate}


def normalized_contact(contact: Contact, view: ContactView, ctx: Ctx) -> NormalizedContact:
    region = ctx.cfg("phone.region", "RU")
    e164 = [p.e164 for raw in contact.phones if raw for p in phones.parse(raw, region) if p.valid]
    inn = normalize_inn(contact.inn) if contact.inn else None
    return NormalizedContact(name=view.name.normalized() or None, phones=e164,
                             inn=inn if inn and inn_problem(inn) is None else None)


def audit_contact(contact: Contact, ctx: Ctx) -> ContactReport:
    view = ContactView(contact, ctx)
    findings = checks.run_contact(contact, ctx, view)
    return ContactReport(id=contact.id, normalized=normalized_contact(contact, view, ctx),
                         findings=findings)


class DealScorer:
    """Picklable `obj -> DealReport` (or its JSON line, serialised in the worker)
    for batch runs; the context is rebuilt per process."""

    def __init__(self, now: datetime, config: dict, norms: dict[str, float],
                 as_json: bool = False):
        self.now, self.config, self.norms, self.as_json = now, config, norms, as_json
        self._ctx: Ctx | None = None

    def __getstate__(self):
        return {**self.__dict__, "_ctx": None}

    @property
    def ctx(self) -> Ctx:
        if self._ctx is None:
            self._ctx = Ctx(now=self.now, config=self.config, stage_norms=self.norms)
        return self._ctx

    def __call__(self, obj: dict) -> DealReport | ScoredLine:
        from analyzer.batch import validate
        from models import risk

        deal = validate(Deal, obj)
        if not self.as_json:
            return audit_deal(deal, self.ctx)
        findings, scores, feats = assess(deal, self.ctx)
        report = DealReport(deal_id=deal.id, manager_id=deal.manager_id,
                            created_at=deal.created_at, status=deal.status, risk=RISK_SENTINEL,
                            scores=scores, findings=findings, active_on=active_days(deal, self.ctx))
        return ScoredLine(report.model_dump_json(), risk.model().logit(feats), deal.manager_id,
                          risk.severe(findings))


class ContactChecker(DealScorer):
    """Picklable `obj -> ContactReport`."""

    def __call__(self, obj: dict) -> ContactReport | str:
        from analyzer.batch import validate

        report = audit_contact(validate(Contact, obj), self.ctx)
        return report.model_dump_json() if self.as_json else report


class _CommentRef(NamedTuple):
    id: str | None
    text: str
    created_at: datetime | None


def audit_comment(comment: CommentIn, ctx: Ctx) -> CommentReport:
    """One comment alone (`crmqa comments`): completeness, slots, channels and the
    comment-level findings."""
    from analyzer.checks.comments import judge
    from analyzer.comments import analyze_once
    from models.comments import completeness

    a = analyze_once(comment.text, ctx.today)
    c = _CommentRef(comment.id, comment.text, None)      # what the comment checks read
    return CommentReport.model_construct(
        id=comment.id, completeness=round(completeness(a), 4), elements=a.elements,
        channels=a.channels, findings=judge(c, a, ctx))


class CommentScorer(DealScorer):
    """Picklable `obj -> CommentReport`."""

    def __call__(self, obj: dict) -> CommentReport | str:
        from analyzer.batch import validate

        report = audit_comment(validate(CommentIn, obj), self.ctx)
        return report.model_dump_json() if self.as_json else report
