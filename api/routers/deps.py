"""Shared dependencies: the store, the scorer and the metrics of this app.
All async: a sync dependency would cost a thread-pool hop per request."""

from __future__ import annotations

from fastapi import Request, Response

from api.errors import ApiError
from api.metrics import Metrics
from api.scoring import Scorer
from api.store import Store

ERRORS = {401: {"model": "ErrorOut"}, 403: {"model": "ErrorOut"}}


async def store(request: Request) -> Store:
    return request.app.state.store


async def scorer(request: Request) -> Scorer:
    return request.app.state.scorer


async def metrics(request: Request) -> Metrics:
    return request.app.state.metrics


def as_list(body, limit: int) -> list:
    """One object or a list of them; a list longer than `limit` is refused."""
    items = body if isinstance(body, list) else [body]
    if len(items) > limit:
        raise ApiError(413, "too_many_items", f"не больше {limit} объектов за запрос")
    return items


def json_response(body: bytes) -> Response:
    """A body serialised once, straight from the report models (FastAPI would
    otherwise validate the returned object against the response model again)."""
    return Response(body, media_type="application/json")
