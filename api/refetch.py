"""Webhooks carry no full deal: fetch it from the CRM, convert it, score it,
store it. Runs in the background after the webhook is acknowledged."""

from __future__ import annotations

import logging

from api.settings import CrmAccount

log = logging.getLogger("crmqa.webhooks")


def fetch_canonical(account: CrmAccount, deal_id: str) -> dict:
    """The deal as the CRM has it now, in the canonical shape."""
    from analyzer import adapters

    if account.crm == "amocrm":
        from api.clients.amocrm import AmoClient

        with AmoClient(account.base_url or "", account.token or "") as client:
            bundle = client.deal_bundle(int(deal_id))
    elif account.crm == "bitrix24":
        from api.clients.bitrix24 import Bitrix24Client

        with Bitrix24Client(account.base_url or "") as client:
            bundle = client.deal_bundle(str(deal_id))
    else:
        raise ValueError(f"unknown CRM {account.crm!r}")
    return adapters.to_deal(account.crm, bundle)


def bitrix_user_ok(account: CrmAccount, place) -> bool:
    """Whether the portal accepts the placement's AUTH_ID (`user.current`)."""
    import httpx

    root = account.rest_url or f"https://{place.domain}/rest/"
    try:
        r = httpx.post(f"{root.rstrip('/')}/user.current.json", data={"auth": place.auth_id},
                       timeout=5.0)
        return r.status_code == 200 and bool(r.json().get("result"))
    except (httpx.HTTPError, ValueError):
        return False


def rescore(app, account_name: str, deal_id: str) -> bool:
    """Fetch, score and store one deal; False (logged, no personal data) on failure."""
    state = app.state
    account = state.settings.crm.get(account_name)
    try:
        raw = state.fetch(account, deal_id)
        done, errors = state.scorer.deals([raw])
        if errors or not done:
            raise ValueError(errors[0]["reason"] if errors else "empty")
        state.store.put_scored(account_name, done, state.scorer.now(), state.scorer.models())
    except Exception as exc:        # a CRM outage must not kill the worker
        log.warning("rescore failed", extra={"account": account_name, "error": type(exc).__name__,
                                             "crm": account.crm if account else None})
        state.metrics.webhooks.labels(account.crm if account else "none", "failed").inc()
        return False
    state.metrics.webhooks.labels(account.crm, "rescored").inc()
    return True
