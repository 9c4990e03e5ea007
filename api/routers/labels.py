"""/v1/labels: auditors' verdicts. A label acknowledged is a label kept: the
response is sent only after the transaction commits; a repeat is a duplicate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends

from api.auth import EVERYONE, Principal, allow, visible
from api.errors import ApiError
from api.metrics import Metrics
from api.routers.deps import metrics, store
from api.schemas import ErrorOut, LabelIn, LabelsStored
from api.store import Store

router = APIRouter(prefix="/v1/labels", tags=["labels"],
                   responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut},
                              404: {"model": ErrorOut}, 422: {"model": ErrorOut}})

MAX_LABELS = 1000


@router.post("", response_model=LabelsStored)
async def post_labels(body: Annotated[LabelIn | list[LabelIn], Body(examples=[{
        "deal_id": "D-1042", "target": "finding", "code": "comment.incomplete",
        "entity_id": "k1", "verdict": "confirmed"}])],
        who: Principal = Depends(allow(*EVERYONE)), s: Store = Depends(store),
        m: Metrics = Depends(metrics)) -> LabelsStored:
    """Store verdicts on findings, comments or deals (one or a list)."""
    items = body if isinstance(body, list) else [body]
    if len(items) > MAX_LABELS:
        raise ApiError(413, "too_many_items", f"не больше {MAX_LABELS} меток за запрос")
    rows = []
    for x in items:
        visible(who, x.deal_id)
        if s.report(who.account, x.deal_id) is None:
            raise ApiError(404, "not_found", "сделка не найдена")
        rows.append(x.row(who.user or (f"token:{who.token_id}" if who.token_id else None),
                          s.inclusion_probability(who.account, x.deal_id)))
    ids, duplicates = s.put_labels(who.account, rows)
    for x in items:
        m.labels.labels(x.verdict).inc()
    return LabelsStored(stored=len(ids), duplicates=duplicates, ids=ids)
