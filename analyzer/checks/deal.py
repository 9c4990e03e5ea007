"""Deal-card checks: required fields per stage, the expected close date, tasks."""

from __future__ import annotations

from analyzer.checks import check, finding


def local_date(ctx):
    return ctx.today


def _stages(deal, ctx) -> list[str]:
    table = ctx.cfg("deal.stages", {}) or {}
    return list(table.get(deal.pipeline or "", table.get("*", [])))


def required_fields(deal, ctx) -> list[str]:
    """Fields the deal's current stage requires (with earlier stages' if cumulative)."""
    table = ctx.cfg("deal.required_fields", {}) or {}
    rules = table.get(deal.pipeline or "", table.get("*", {})) or {}
    order = _stages(deal, ctx)
    stages = [deal.stage]
    if ctx.cfg("deal.cumulative", True) and deal.stage in order:
        stages = order[: order.index(deal.stage) + 1]
    out: list[str] = []
    for stage in stages:
        out.extend(f for f in rules.get(stage, []) or [] if f not in out)
    return out


def _empty(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, dict, tuple, set)):
        return not value
    return False


def field_value(deal, name: str):
    if name == "amount":
        return deal.amount or None
    if name == "contact.phone":
        return deal.contact.phones if deal.contact else None
    if name == "contact.email":
        return deal.contact.emails if deal.contact else None
    return deal.fields.get(name)


@check("deal.field.missing", "attentiveness", "major")
def field_missing(deal, view, ctx):
    for name in required_fields(deal, ctx):
        if _empty(field_value(deal, name)):
            yield finding("deal.field.missing", entity_id=deal.id, field=name,
                          message=f"На этапе «{deal.stage}» не заполнено обязательное поле "
                                  f"«{name}»")


@check("deal.close_date.missing", "skills", "major")
def close_date_missing(deal, view, ctx):
    optional = ctx.cfg("deal.close_date_optional_stages", []) or []
    if deal.status != "open" or deal.expected_close_date or deal.stage in optional:
        return None
    return finding("deal.close_date.missing", entity_id=deal.id, field="expected_close_date",
                   message="Не указан срок выхода на сделку (ожидаемая дата закрытия)")


@check("deal.close_date.overdue", "skills", "major")
def close_date_overdue(deal, view, ctx):
    if deal.status != "open" or not deal.expected_close_date:
        return None
    late = (local_date(ctx) - deal.expected_close_date).days
    if late <= 0:
        return None
    return finding("deal.close_date.overdue", entity_id=deal.id, field="expected_close_date",
                   evidence=deal.expected_close_date.isoformat(),
                   message=f"Срок выхода на сделку {deal.expected_close_date:%d.%m.%Y} прошёл "
                           f"{late} дн. назад, сделка не закрыта")


@check("deal.task.none", "skills", "major")
def task_none(deal, view, ctx):
    if deal.status != "open" or any(t.is_open for t in deal.tasks):
        return None
    return finding("deal.task.none", entity_id=deal.id,
                   message="По открытой сделке не запланировано следующее действие (нет задачи)")


@check("deal.task.overdue", "skills", "major", entity="task")
def task_overdue(deal, view, ctx):
    if deal.status != "open":
        return
    for task in deal.tasks:
        if task.is_open and task.due_at and task.due_at < ctx.now:
            late = ctx.now - task.due_at
            how = f"{late.days} дн." if late.days else f"{late.seconds // 3600} ч."
            yield finding("deal.task.overdue", entity="task" if task.id else "deal",
                          entity_id=task.id or deal.id, evidence=task.text or None,
                          message=f"Задача просрочена на {how} и не выполнена"
                                  + (f": «{task.text}»" if task.text else ""))
