"""CRM webhooks: amoCRM (form-encoded, our secret key in the URL) and Bitrix24
(ONCRMDEALUPDATE, checked against the portal's application token). The deal is
re-fetched and re-scored in the background; a replayed delivery is ignored."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request

from api.errors import ApiError
from api.refetch import rescore
from api.routers.deps import store
from api.schemas import ErrorOut
from api.store import Store

router = APIRouter(prefix="/webhooks", tags=["webhooks"],
                   responses={400: {"model": ErrorOut}, 403: {"model": ErrorOut}})


async def _form(request: Request) -> tuple[dict[str, str], str]:
    raw = await request.body()
    try:
        form = await request.form()
    except Exception:
        raise ApiError(400, "bad_form", "ожидалась форма application/x-www-form-urlencoded") from None
    return {k: str(v) for k, v in form.multi_items()}, hashlib.sha256(raw).hexdigest()


def _queue(request: Request, tasks: BackgroundTasks, s: Store, account: str, crm: str,
           digest: str, deal_ids: list[str]) -> dict:
    if not s.first_delivery(account, digest):
        request.app.state.metrics.webhooks.labels(crm, "replay").inc()
        return {"status": "duplicate", "deals": 0}
    for deal_id in dict.fromkeys(deal_ids):
        tasks.add_task(rescore, request.app, account, deal_id)
    request.app.state.metrics.webhooks.labels(crm, "accepted").inc()
    return {"status": "accepted", "deals": len(set(deal_ids))}


@router.post("/amocrm/{account}")
async def amocrm(request: Request, account: str, tasks: BackgroundTasks,
                 key: Annotated[str, Query(max_length=256)] = "",
                 s: Store = Depends(store)) -> dict:
    """amoCRM's webhook (leads add/update/status, message add) for one account;
    the URL set in amoCRM carries `?key=<webhook_key>`."""
    from api.crm_auth import parse_amocrm_webhook

    conf = request.app.state.settings.crm.get(account)
    if conf is None or conf.crm != "amocrm" or not conf.webhook_key \
            or not hmac.compare_digest(key.encode(), conf.webhook_key.encode()):
        raise ApiError(403, "forged", "неизвестный аккаунт или неверный ключ вебхука")
    form, digest = await _form(request)
    try:
        events = parse_amocrm_webhook(form)
    except ValueError:
        raise ApiError(400, "bad_payload", "вебхук amoCRM не распознан") from None
    return _queue(request, tasks, s, account, "amocrm", digest, [e.deal_id for e in events])


@router.post("/bitrix24")
async def bitrix24(request: Request, tasks: BackgroundTasks, s: Store = Depends(store)) -> dict:
    """Bitrix24's ONCRMDEALADD / ONCRMDEALUPDATE event handler."""
    from api.crm_auth import parse_bitrix_event, verify_bitrix_app_token

    form, digest = await _form(request)
    try:
        event = parse_bitrix_event(form)
    except ValueError:
        raise ApiError(400, "bad_payload", "событие Битрикс24 не распознано") from None
    if event is None:
        raise ApiError(400, "bad_payload", "событие Битрикс24 не распознано")
    conf = request.app.state.settings.crm.get(event.account)
    if conf is None or conf.crm != "bitrix24" or not conf.application_token \
            or not verify_bitrix_app_token(event.application_token, conf.application_token):
        raise ApiError(403, "forged", "неизвестный портал или неверный application_token")
    return _queue(request, tasks, s, event.account, "bitrix24", digest, [event.deal_id])
