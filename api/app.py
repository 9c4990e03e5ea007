"""The crmqa HTTP service (CONTRACT §4).

    uvicorn api.app:app --workers 2        # or: crmqa serve
    create_app(Settings(db_url=...))       # tests

Models, config and the store are loaded once per process in the lifespan.
"""

from __future__ import annotations

import gc
import logging
import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.exc import OperationalError

from api import errors, logs
from api.fastpath import FastPath
from api.groupcommit import GroupCommit
from api.limits import BodyLimit
from api.metrics import Metrics, MetricsMiddleware
from api.refetch import bitrix_user_ok, fetch_canonical
from api.routers import deals, labels, quality, samples, system, texts, webhooks, widget
from api.scoring import Scorer
from api.settings import Settings, settings
from api.store import Store

log = logging.getLogger("crmqa.api")

DESCRIPTION = """Контроль качества сделок в CRM: проверки карточек, комментариев,
воронки и скриптов; риск; выборки для аудита; виджет карточки сделки.
Все запросы, кроме /healthz, — с заголовком `Authorization: Bearer <токен>`."""


def _checkpoints(store: Store, stop: threading.Event, every: float = 1.0) -> None:
    """SQLite: the WAL is copied into the database here, off the request path
    (a write that had to checkpoint stalled its whole worker)."""
    while not stop.wait(every):
        try:
            store.checkpoint()
        except Exception as exc:                       # a busy database: next time
            log.warning("checkpoint skipped", extra={"error": type(exc).__name__})


def _jti_cache():
    """amoCRM's one-time tokens already used (a replay is refused)."""
    from api.crm_auth import JtiCache

    return JtiCache()


def _young_gc(threshold: int) -> None:
    """A request's objects (the parsed deal, its views, findings) live for the
    ~30 ms it waits and runs; with the default 700 they outlived two young
    collections and reached the old generation, whose full scan (40-60 ms, a
    stall of the whole worker) then ran every second under load. At 50,000
    they die young: no full collection in a 20 s load run."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(threshold, middle, old)


def create_app(config: Settings | None = None) -> FastAPI:
    cfg = config or settings()
    logs.configure(cfg.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.store = Store(cfg.db_url, background_checkpoints=True,
                                token_cache_seconds=cfg.token_cache_seconds)
        stop = threading.Event()
        threading.Thread(target=_checkpoints, args=(app.state.store, stop), daemon=True,
                         name="crmqa-checkpoint").start()
        app.state.commits = GroupCommit(app.state.store.put_scored_many, retry_alone=lambda exc:
                                        not isinstance(exc, OperationalError))
        app.state.scorer = Scorer(cfg.config, cfg.now)
        app.state.scorer.preload()
        app.state.fetch = fetch_canonical
        app.state.verify_placement = bitrix_user_ok
        app.state.jti_cache = _jti_cache()
        gc.freeze()        # models and lexicons live as long as the process: keep them out of GC scans
        _young_gc(cfg.gc_young)
        yield
        stop.set()
        app.state.store.checkpoint()
        app.state.store.close()

    app = FastAPI(title="crmqa", version="1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = cfg
    app.state.signing_key = cfg.signing_key()
    app.state.metrics = Metrics()
    errors.install(app)
    for r in (deals, texts, samples, labels, quality, system, widget, webhooks):
        app.include_router(r.router)
    # amoCRM shows the page in a sandboxed iframe (origin "null"); its buttons
    # send a bearer ticket, never cookies, so that origin may call too.
    app.add_middleware(CORSMiddleware, allow_origin_regex=cfg.cors_origins,
                       allow_origins=["null"], allow_methods=["GET", "POST"],
                       allow_headers=["Authorization", "Content-Type", "X-Auth-Token"])
    app.add_middleware(BodyLimit, limit=cfg.max_body_bytes)
    app.add_middleware(FastPath, limit=cfg.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    return app


def __getattr__(name: str):
    """`api.app:app` for uvicorn, built on first access (not at import)."""
    if name == "app":
        return create_app()
    raise AttributeError(name)
