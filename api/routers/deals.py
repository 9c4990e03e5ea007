"""/v1/deals: score deals (and keep them), the widget's report of one deal."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Body, Depends, Query, Request

from api.auth import EVERYONE, READERS, Principal, allow, visible
from api.errors import ApiError
from api.routers.deps import as_list, json_response, store
from api.schemas import EXAMPLE_DEAL, DealsScored, ErrorOut, StoredReport
from api.scoring import Scorer
from api.store import Store

router = APIRouter(prefix="/v1/deals", tags=["deals"],
                   responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}})

DealBody = Annotated[dict[str, Any] | list[Any], Body(
    description="A canonical deal (CONTRACT §1) or a list of them; with `format`, "
                "an amoCRM or Bitrix24 bundle (README).",
    examples=[EXAMPLE_DEAL])]


def _converter(fmt: str):
    if fmt == "canonical":
        return None
    from analyzer import adapters

    return lambda bundle: adapters.to_deal(fmt, bundle)


@router.post("/score", response_model=DealsScored,
             responses={413: {"model": ErrorOut}, 422: {"model": ErrorOut}})
async def score_deals(request: Request, body: DealBody,
                format: Literal["canonical", "amocrm", "bitrix24"] = "canonical",
                keep: Annotated[bool, Query(description="Store the deals and reports.")] = True,
                who: Principal = Depends(allow(*READERS))) -> DealsScored:
    """Score deals: findings, direction scores and risk per deal. A deal that
    cannot be used is reported in `errors` by its position; the rest are scored."""
    state = request.app.state
    items = as_list(body, state.settings.max_items)
    return json_response(await score_items(state, who, items, _converter(format), keep))


async def score_items(state, who: Principal, items: list, convert=None, keep: bool = True
                      ) -> bytes:
    """The scoring route's work and its JSON answer (shared with `api.fastpath`)."""
    sc: Scorer = state.scorer
    done, errors = sc.deals(items, convert)
    if keep and done:          # committed (with the round's other writes) before the answer
        await state.commits.put((who.account, done, sc.now(), sc.models()))
    state.metrics.deals.inc(len(done))
    return (b'{"reports":[' + b",".join(x.report.__pydantic_serializer__.to_json(x.report)
                                        for x in done)
            + b'],"errors":' + orjson.dumps(errors) + b"}")


@router.get("/{deal_id}/report", response_model=StoredReport,
            responses={404: {"model": ErrorOut}})
async def deal_report(deal_id: str, who: Principal = Depends(allow(*EVERYONE)),
                s: Store = Depends(store)) -> StoredReport:
    """The deal's latest report with the verdicts auditors gave on it."""
    visible(who, deal_id)
    body = report_body(s, who, deal_id)
    if body is None:
        raise ApiError(404, "not_found", "по сделке ещё нет отчёта")
    return json_response(body)


def report_body(s: Store, who: Principal, deal_id: str) -> bytes | None:
    """The report route's JSON answer (shared with `api.fastpath`); None when
    the deal has no report."""
    row, labels = s.report_with_labels(who.account, deal_id)
    if row is None:
        return None
    rep = row.report
    return orjson.dumps({
        "deal_id": deal_id, "risk": row.risk, "scores": rep.get("scores", {}),
        "findings": rep.get("findings", []), "scored_at": row.scored_at,
        "models": row.models, "labels": [dict(x._mapping) for x in labels]})
