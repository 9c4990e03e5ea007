"""Compose the checks into one report per deal or contact."""

from __future__ import annotations

import math
from datetime import datetime

from analyzer import checks, phones
from analyzer.checks import ContactView, Ctx
from analyzer.checks.contact import inn_problem, normalize_inn
from analyzer.config import load_config
from analyzer.norms import effective
from analyzer.schema import (
    DIRECTIONS,
    Comment,
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


def severity_risk(findings: list[Finding], ctx: Ctx) -> float:
    """Interim risk until the trained risk model (issue 5): the chance that at
    least one finding is a real defect, each severity weight read as a probability."""
    weights = ctx.cfg("scoring.severity_weight", {}) or {}
    keep = 1.0
    for f in findings:
        keep *= 1.0 - min(0.95, float(weights.get(f.severity, 0.0)))
    return round(1.0 - keep, 4)


def audit_deal(deal: Deal, ctx: Ctx) -> DealReport:
    view = checks.DealView(deal, ctx)
    findings = checks.run_deal(deal, ctx, view)
    scores = direction_scores(findings, ctx)
    if "thread" in view.__dict__:        # the script checks ran: their share of steps counts
        scores["scripts"] = round(scores["scripts"] * view.thread.score(deal.stage), 4)
    return DealReport(deal_id=deal.id, manager_id=deal.manager_id, created_at=deal.created_at,
                      status=deal.status, risk=severity_risk(findings, ctx),
                      scores=scores, findings=findings)


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

    def __call__(self, obj: dict) -> DealReport | str:
        from analyzer.batch import validate

        report = audit_deal(validate(Deal, obj), self.ctx)
        return report.model_dump_json() if self.as_json else report


class ContactChecker(DealScorer):
    """Picklable `obj -> ContactReport`."""

    def __call__(self, obj: dict) -> ContactReport | str:
        from analyzer.batch import validate

        report = audit_contact(validate(Contact, obj), self.ctx)
        return report.model_dump_json() if self.as_json else report


def audit_comment(comment: CommentIn, ctx: Ctx) -> CommentReport:
    """One comment alone (`crmqa comments`): completeness, slots, channels and the
    comment-level findings."""
    from analyzer.checks.comments import judge
    from analyzer.comments import analyze
    from models.comments import completeness

    a = analyze(comment.text, ctx.today)
    c = Comment.model_construct(id=comment.id, text=comment.text, created_at=None)
    return CommentReport.model_construct(
        id=comment.id, completeness=round(completeness(a), 4), elements=a.elements,
        channels=a.channels, findings=judge(c, a, ctx))


class CommentScorer(DealScorer):
    """Picklable `obj -> CommentReport`."""

    def __call__(self, obj: dict) -> CommentReport | str:
        from analyzer.batch import validate

        report = audit_comment(validate(CommentIn, obj), self.ctx)
        return report.model_dump_json() if self.as_json else report
