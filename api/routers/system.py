"""Health, metrics, model versions, retraining."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Request, Response

from api.auth import READERS, Principal, allow
from api.errors import ApiError
from api.metrics import Metrics
from api.routers.deps import metrics, store
from api.schemas import ErrorOut, JobOut, RetrainIn, json_errors
from api.store import Store

log = logging.getLogger("crmqa.jobs")
router = APIRouter(responses=json_errors(401, 403))


@router.get("/healthz", tags=["system"], responses={503: {"model": ErrorOut}})
def healthz(s: Store = Depends(store)) -> dict:
    """Liveness and the database: no token needed."""
    from sqlalchemy import text

    try:
        with s.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:                                   # the database is down, not the caller
        raise ApiError(503, "db_unavailable", "база данных недоступна") from None
    return {"status": "ok"}


@router.get("/metrics", tags=["system"], response_class=Response)
async def prometheus(who: Principal = Depends(allow("admin")), m: Metrics = Depends(metrics)):
    """Prometheus text format (admin token)."""
    return Response(m.render(), media_type="text/plain; version=0.0.4; charset=utf-8")


@router.get("/v1/models", tags=["models"])
async def list_models(who: Principal = Depends(allow(*READERS))) -> list[dict]:
    """Every model artifact: name, version, status, sha256, metrics (CONTRACT §3)."""
    from models.store import manifests

    return [m.public() for m in manifests()]


@router.post("/v1/models/retrain", tags=["models"], status_code=202,
             responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}})
async def retrain(request: Request, tasks: BackgroundTasks, body: RetrainIn | None = None,
                  who: Principal = Depends(allow("admin")), s: Store = Depends(store)) -> JobOut:
    """Retrain a model family on this account's labels in the background. The
    result is a candidate: it goes live only through the promotion gate
    (`crmqa models promote`). Follow it at GET /v1/models/retrain/{job}."""
    job = s.new_job(who.account, f"retrain:{(body or RetrainIn()).model}")
    tasks.add_task(run_retrain, request.app, who.account, job, (body or RetrainIn()).model)
    return _job_out(s.job(who.account, job))


@router.get("/v1/models/retrain/{job_id}", tags=["models"],
            responses={404: {"model": ErrorOut}})
async def retrain_status(job_id: Annotated[int, Path(ge=1, le=2**31 - 1)], who: Principal = Depends(allow("admin")),
                         s: Store = Depends(store)) -> JobOut:
    """The job's status (queued, running, done, failed), stage and result."""
    row = s.job(who.account, job_id)
    if row is None:
        raise ApiError(404, "not_found", "задача не найдена")
    return _job_out(row)


def _job_out(row) -> JobOut:
    return JobOut(id=row.id, kind=row.kind, status=row.status, stage=row.stage,
                  result=row.result)


def run_retrain(app, account: str, job: int, model: str = "risk") -> None:
    """The background part: fit, measure, register; errors end in "failed"."""
    from training.from_labels import TRAINERS, NotEnoughLabels

    s = app.state.store
    s.update_job(job, status="running")
    try:
        result = TRAINERS[model](s, account, app.state.scorer.now(),
                            progress=lambda stage: s.update_job(job, stage=stage))
        s.update_job(job, status="done", stage="registered", result=result)
    except NotEnoughLabels as exc:
        s.update_job(job, status="failed", result={"error": str(exc)})
    except Exception as exc:                      # reported, never a dead worker
        log.warning("retrain failed", extra={"account": account, "error": type(exc).__name__})
        s.update_job(job, status="failed", result={"error": type(exc).__name__})
