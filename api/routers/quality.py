"""/v1/quality: how far the checks and the auditors can be trusted — per-check
coverage and precision against verdicts, each auditor's leniency, and Cohen's
kappa per direction for every pair of auditors who judged the same deals."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Depends

from api.auth import Principal, allow
from api.routers.deps import json_response, store
from api.schemas import ErrorOut, QualityOut
from api.store import Store

router = APIRouter(prefix="/v1/quality", tags=["quality"],
                   responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}})


@router.get("", response_model=QualityOut)
def quality(who: Principal = Depends(allow("head", "admin")), s: Store = Depends(store)):
    """The checks' and the auditors' quality for this account."""
    from training.agreement import summary
    from training.datasets import from_rows

    labels = from_rows(s.labels(who.account))
    reports = (orjson.loads(line) for line in s.report_lines(who.account))
    return json_response(orjson.dumps(summary(reports, labels)))
