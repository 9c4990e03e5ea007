"""The deal-card widget: the page amoCRM (lcard) and Bitrix24
(CRM_DEAL_DETAIL_TAB) embed, and the tickets its buttons authenticate with."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.auth import EVERYONE, Principal, allow, identify, make_ticket, visible
from api.errors import ApiError
from api.routers.deps import store
from api.schemas import TicketIn, TicketOut, json_errors
from api.store import Store
from api.widget_page import render

router = APIRouter(tags=["widget"], responses=json_errors(400, 401, 403, 404, 422))


def _ticket_for(request: Request, who: Principal, deal_id: str) -> str:
    cfg = request.app.state.settings
    user = who.user or (f"token:{who.token_id}" if who.token_id else None)
    return make_ticket(request.app.state.signing_key, who.account, deal_id, cfg.ticket_ttl, user)


@router.post("/v1/widget/tickets", response_model=TicketOut)
async def new_ticket(request: Request, body: TicketIn, who: Principal = Depends(allow(*EVERYONE)),
               s: Store = Depends(store)) -> TicketOut:
    """A short-lived ticket that opens one deal's widget page (for iframes,
    which cannot send an Authorization header)."""
    visible(who, body.deal_id)
    if s.report(who.account, body.deal_id) is None:
        raise ApiError(404, "not_found", "по сделке ещё нет отчёта")
    ticket = _ticket_for(request, who, body.deal_id)
    return TicketOut(ticket=ticket, expires_in=request.app.state.settings.ticket_ttl,
                     url=f"/widget/deal/{body.deal_id}?ticket={ticket}")


def _amocrm(request: Request, token: str) -> Principal:
    from api.crm_auth import CrmAuthFailed, verify_amocrm_token

    cfg = request.app.state.settings
    if not cfg.amocrm_secret:
        raise ApiError(401, "amocrm_not_configured", "интеграция amoCRM не настроена")
    try:
        ident = verify_amocrm_token(token, secret=cfg.amocrm_secret,
                                    client_id=cfg.amocrm_client_id,
                                    jti_cache=request.app.state.jti_cache)
    except CrmAuthFailed:
        raise ApiError(401, "invalid_token", "подпись amoCRM не прошла проверку") from None
    return Principal(account=ident.subdomain, role="widget", user=f"amocrm:{ident.user_id}")


@router.get("/widget/deal/{deal_id}", response_class=HTMLResponse)
async def widget_page(request: Request, deal_id: str,
                ticket: Annotated[str | None, Query(max_length=2048)] = None,
                x_auth_token: Annotated[str | None, Header(max_length=4096)] = None,
                s: Store = Depends(store)) -> HTMLResponse:
    """The widget page of one deal: risk, findings by direction with the
    evidence highlighted, confirm / reject buttons. Opens with a ticket, an
    amoCRM X-Auth-Token, or a Bearer token."""
    if x_auth_token:
        who = _amocrm(request, x_auth_token)
    else:
        header = request.headers.get("authorization", "")
        who = identify(request, ticket or header.partition(" ")[2].strip() or None)
    visible(who, deal_id)
    return _page(request, who, deal_id, s)


def _page(request: Request, who: Principal, deal_id: str, s: Store) -> HTMLResponse:
    row, labels = s.report_with_labels(who.account, deal_id)
    if row is None:
        raise ApiError(404, "not_found", "по сделке ещё нет отчёта")
    deal = s.deal(who.account, deal_id) or {}
    html = render(deal, row, labels, _ticket_for(request, who, deal_id))
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


@router.post("/widget/bitrix24/placement", response_class=HTMLResponse)
async def bitrix_placement(request: Request, s: Store = Depends(store)) -> HTMLResponse:
    """Bitrix24 opens the CRM_DEAL_DETAIL_TAB placement with a form POST (DOMAIN
    and friends in the query string). The portal must be a configured account
    whose member_id matches, and the user's AUTH_ID must be accepted by the
    portal itself (`user.current`), or anyone who knows member_id could forge it."""
    from api.crm_auth import parse_bitrix_placement

    form = await request.form()
    fields = {k: str(v) for k, v in request.query_params.multi_items()}
    fields |= {k: str(v) for k, v in form.multi_items()}
    try:
        place = parse_bitrix_placement(fields)
    except ValueError:
        raise ApiError(400, "bad_placement", "запрос размещения Битрикс24 не распознан") from None
    account = request.app.state.settings.crm.get(place.domain)
    if account is None or account.crm != "bitrix24" or not account.member_id \
            or account.member_id != place.member_id:
        raise ApiError(403, "unknown_portal", "портал Битрикс24 не подключён к crmqa")
    if not await run_in_threadpool(request.app.state.verify_placement, account, place):
        raise ApiError(401, "invalid_token", "Битрикс24 не подтвердил пользователя")
    who = Principal(account=place.domain, role="widget", user="bitrix24")
    return _page(request, who, str(place.deal_id), s)
