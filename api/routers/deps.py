"""Shared dependencies: the store, the scorer and the metrics of this app."""

from __future__ import annotations

from fastapi import Request

from api.errors import ApiError
from api.metrics import Metrics
from api.scoring import Scorer
from api.store import Store

ERRORS = {401: {"model": "ErrorOut"}, 403: {"model": "ErrorOut"}}


def store(request: Request) -> Store:
    return request.app.state.store


def scorer(request: Request) -> Scorer:
    return request.app.state.scorer


def metrics(request: Request) -> Metrics:
    return request.app.state.metrics


def as_list(body, limit: int) -> list:
    """One object or a list of them; a list longer than `limit` is refused."""
    items = body if isinstance(body, list) else [body]
    if len(items) > limit:
        raise ApiError(413, "too_many_items", f"не больше {limit} объектов за запрос")
    return items
