"""The analysis the API serves: the same functions as the CLI, with the config
and models loaded once per process (in the app's lifespan)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from analyzer.audit import audit_comment, audit_contact, audit_deal_features, make_ctx
from analyzer.config import get, load_config
from analyzer.schema import CommentIn, CommentReport, Contact, ContactReport, Deal, DealReport
from analyzer.schema import explain as explain_error

NOT_OBJECT = "ожидался JSON-объект"
# Scored once when a worker starts, so that what loads on first use (the date
# grammar, lexicons, the sales script and its step model) does not stall the
# worker's first clients for half a second.
WARM_UP_DEAL = {
    "id": "warm-up", "stage": "КП отправлено", "status": "open",
    "created_at": "2026-01-12T10:00:00+03:00", "stage_entered_at": "2026-01-13T12:00:00+03:00",
    "expected_close_date": "2026-02-05", "manager": {"id": "m", "name": "Анна Смирнова"},
    "contact": {"id": "c", "name": "петров иван (не знает что хочет)", "phones": ["89161234567"],
                "inn": "7707083893"},
    "comments": [{"id": "k", "created_at": "2026-01-13T12:05:00+03:00",
                  "text": "Звонил, отправил КП в вотсап. Клиент думает, перезвонить 15.01 в 11:00"}],
    "messages": [{"channel": "whatsapp", "direction": "in", "created_at": "2026-01-13T12:10:00+03:00",
                  "text": "Добрый день, а скидка будет?"},
                 {"channel": "whatsapp", "direction": "out", "created_at": "2026-01-13T12:20:00+03:00",
                  "text": "Здравствуйте! Меня зовут Анна. Да, до пятницы 5%, созвонимся завтра?"},
                 {"channel": "phone", "direction": "out", "created_at": "2026-01-13T12:00:00+03:00"}],
    "tasks": [{"id": "t", "text": "Перезвонить по КП", "due_at": "2026-01-15T11:00:00+03:00"}],
    "stage_history": [{"stage": "Новая", "entered_at": "2026-01-12T10:00:00+03:00"},
                      {"stage": "КП отправлено", "entered_at": "2026-01-13T12:00:00+03:00"}],
}


class Scored(NamedTuple):
    deal: Deal
    raw: dict
    report: DealReport
    features: dict[str, float]          # the risk model's, kept for retraining


class Scorer:
    def __init__(self, config_path: str | None = None, fixed_now: str | None = None):
        self.config = load_config(config_path)
        self.tz = ZoneInfo(get(self.config, "timezone", "Europe/Moscow"))
        self.fixed_now = datetime.fromisoformat(fixed_now) if fixed_now else None
        if self.fixed_now and self.fixed_now.tzinfo is None:
            self.fixed_now = self.fixed_now.replace(tzinfo=self.tz)
        self._models: dict[str, int] | None = None      # versions loaded (set in preload)

    def preload(self) -> None:
        from models import comments, nickname, risk

        nickname.preload()
        comments.preload()
        risk.preload()
        self._models = self.active_models()
        done, errors = self.deals([WARM_UP_DEAL])
        if errors:                        # the deal above no longer fits the schema
            raise RuntimeError(f"warm-up deal refused: {errors}")

    def now(self) -> datetime:
        return self.fixed_now or datetime.now(self.tz)

    def ctx(self):
        """The audit context; first, a model promoted or rolled back since the
        last call is loaded (no restart needed)."""
        import models

        if models.reload_if_changed():
            self._models = self.active_models()
        return make_ctx(self.now(), self.config)

    @staticmethod
    def active_models() -> dict[str, int]:
        from models.store import manifests

        return {m.name: m.version for m in manifests() if m.status == "active"}

    def models(self) -> dict[str, int]:
        """The versions this process loaded (and scores with)."""
        if self._models is None:
            self._models = self.active_models()
        return self._models

    def deals(self, objs: list, convert=None) -> tuple[list[Scored], list[dict]]:
        """Score each deal; one that cannot be used is an error entry, the rest go on."""
        def parse(obj: dict) -> tuple[Deal, dict]:
            raw = convert(obj) if convert else obj
            return Deal.model_validate(raw), raw

        def audit(parsed: tuple[Deal, dict], ctx) -> Scored:
            deal, raw = parsed
            return Scored(deal, raw, *audit_deal_features(deal, ctx))

        return self._each(objs, parse, audit)

    def comments(self, objs: list) -> tuple[list[CommentReport], list[dict]]:
        return self._each(objs, CommentIn.model_validate, audit_comment)

    def contacts(self, objs: list) -> tuple[list[ContactReport], list[dict]]:
        return self._each(objs, Contact.model_validate, audit_contact)

    def _each(self, objs: list, parse, audit) -> tuple[list, list[dict]]:
        """`audit(parse(obj), ctx)` per item; an item that is no object or does
        not parse (validation, a CRM bundle that cannot be mapped) is an error
        entry with its position, and the rest go on."""
        ctx, out, errors = self.ctx(), [], []
        for i, obj in enumerate(objs):
            if not isinstance(obj, dict):
                errors.append({"index": i, "reason": NOT_OBJECT})
                continue
            try:
                parsed = parse(obj)
            except ValidationError as exc:
                errors.append({"index": i, "reason": explain_error(exc)})
                continue
            except ValueError as exc:
                errors.append({"index": i, "reason": str(exc)})
                continue
            out.append(audit(parsed, ctx))
        return out, errors
