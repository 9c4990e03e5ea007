"""The check table. A check is a small pure function registered once:

    @check("deal.task.none", "skills", "major", scope="deal")
    def task_none(deal, view, ctx):
        ...
        yield finding("deal.task.none", entity_id=deal.id, message="…")

`scope="contact"` checks receive the contact and a `ContactView`; `scope="deal"`
checks receive the deal and a `DealView`. Checks do no I/O and read the time
only from `ctx.now`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Literal

from analyzer.config import get
from analyzer.schema import Contact, Deal, Finding

Scope = Literal["contact", "deal", "manager"]


@dataclass(frozen=True)
class Ctx:
    """What a check may know besides its input: the audit time and the rules."""

    now: datetime
    config: dict
    stage_norms: dict[str, float] = field(default_factory=dict)   # stage -> days

    def cfg(self, dotted: str, default: Any = None) -> Any:
        return get(self.config, dotted, default)

    @cached_property
    def today(self):
        """The audit's local calendar date (the regulation's time zone)."""
        from zoneinfo import ZoneInfo

        return self.now.astimezone(ZoneInfo(self.cfg("timezone", "Europe/Moscow"))).date()


@dataclass(frozen=True)
class Spec:
    code: str
    direction: str
    severity: str
    entity: str
    scope: Scope
    fn: Callable[..., Iterable[Finding] | Finding | None]


CHECKS: dict[str, Spec] = {}


def check(code: str, direction: str, severity: str, *, entity: str = "deal",
          scope: Scope = "deal"):
    """Register a check under `code` (once: a second registration is a bug)."""

    def register(fn):
        if code in CHECKS:
            raise ValueError(f"check {code} registered twice")
        CHECKS[code] = Spec(code, direction, severity, entity, scope, fn)
        return fn

    return register


_OPTIONAL = dict.fromkeys(("entity_id", "field", "span", "evidence", "suggestion", "score"))


def finding(code: str, *, message: str, severity: str | None = None, trusted: bool = False,
            **fields: Any) -> Finding:
    """A finding of a registered check, its direction and entity from the table.
    `trusted` skips validation on hot paths whose values the code itself built."""
    spec = CHECKS[code]
    values = {"code": code, "direction": spec.direction, "severity": severity or spec.severity,
              "entity": fields.pop("entity", spec.entity), "message": message, **fields}
    if trusted:
        return Finding.model_construct(**(_OPTIONAL | values))
    return Finding(**values)


class ContactView:
    """A contact's texts, each parsed once and shared by every contact check."""

    def __init__(self, contact: Contact, ctx: Ctx):
        self.contact = contact
        self.ctx = ctx

    @cached_property
    def name(self):
        from analyzer.namefield import parsed

        return parsed(self.contact.name, limit=self.ctx.cfg("names.max_chars", 300))


class DealView:
    def __init__(self, deal: Deal, ctx: Ctx):
        self.deal = deal
        self.ctx = ctx
        self.contact = ContactView(deal.contact, ctx) if deal.contact else None

    @cached_property
    def comments(self) -> list:
        """(comment, analysis) per non-empty comment, each text analysed once."""
        from analyzer.checks.deal import local_date
        from analyzer.comments import analyze

        today = local_date(self.ctx)
        return [(c, analyze(c.text, today)) for c in self.deal.comments if c.text.strip()]

    @cached_property
    def thread(self):
        """The deal's logged conversation against the sales script."""
        from analyzer.checks.script import thread_of

        return thread_of(self.deal, self.ctx)

    @cached_property
    def comment_findings(self) -> list[Finding]:
        from analyzer.checks.comments import judge

        return [f for c, a in self.comments for f in judge(c, a, self.ctx)]


def _as_list(result) -> list[Finding]:
    if result is None:
        return []
    if isinstance(result, Finding):
        return [result]
    return list(result)


def enabled(ctx: Ctx, scope: Scope) -> list[Spec]:
    """The checks of a scope that the regulation has not switched off."""
    _load_all()
    off = set(ctx.cfg("checks.disabled", []) or [])
    return [s for s in CHECKS.values() if s.scope == scope and s.code not in off]


def run_contact(contact: Contact, ctx: Ctx, view: ContactView | None = None) -> list[Finding]:
    view = view or ContactView(contact, ctx)
    out: list[Finding] = []
    for spec in enabled(ctx, "contact"):
        out.extend(_as_list(spec.fn(contact, view, ctx)))
    return out


def run_deal(deal: Deal, ctx: Ctx, view: DealView | None = None) -> list[Finding]:
    view = view or DealView(deal, ctx)
    out = run_contact(deal.contact, ctx, view.contact) if deal.contact else []
    for spec in enabled(ctx, "deal"):
        out.extend(_as_list(spec.fn(deal, view, ctx)))
    return out


def run_manager(manager, ctx: Ctx) -> list[Finding]:
    """Manager-scope checks over one manager's deals (analyzer/analytics.py)."""
    out: list[Finding] = []
    for spec in enabled(ctx, "manager"):
        out.extend(_as_list(spec.fn(manager, None, ctx)))
    return out


def _load_all() -> None:
    """Import the check modules (registration happens on import)."""
    from analyzer.checks import (  # noqa: F401
        comments,
        contact,
        deal,
        funnel,
        managers,
        names,
        script,
    )
