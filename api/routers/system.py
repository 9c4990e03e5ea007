"""Health, metrics, model versions, retraining."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from api.auth import READERS, Principal, allow
from api.errors import ApiError
from api.metrics import Metrics
from api.routers.deps import metrics, store
from api.schemas import ErrorOut, json_errors
from api.store import Store

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
             responses={409: {"model": ErrorOut}})
async def retrain(who: Principal = Depends(allow("admin"))) -> dict:
    """Retraining on auditors' labels (issue 7). Until it lands, refused."""
    raise ApiError(409, "retrain_unavailable",
                   "переобучение по меткам аудиторов ещё не подключено; "
                   "модели обучаются командой make models")
