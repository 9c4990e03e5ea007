"""Prometheus metrics: requests by route and status, latency, findings served."""

from __future__ import annotations

import logging
import time

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Receive, Scope, Send

access = logging.getLogger("crmqa.access")
BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("crmqa_requests_total", "HTTP requests", ["route", "status"],
                                registry=self.registry)
        self.latency = Histogram("crmqa_request_seconds", "Request latency", ["route"],
                                 buckets=BUCKETS, registry=self.registry)
        self.deals = Counter("crmqa_deals_scored_total", "Deals scored", registry=self.registry)
        self.labels = Counter("crmqa_labels_total", "Labels stored", ["verdict"],
                              registry=self.registry)
        self.webhooks = Counter("crmqa_webhooks_total", "Webhook deliveries", ["crm", "outcome"],
                                registry=self.registry)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def route_of(scope: Scope) -> str:
    """The route template ("/v1/deals/{deal_id}/report"), never the raw path:
    ids in paths would blow up the label set."""
    route = scope.get("route")
    return getattr(route, "path", "unmatched")


class MetricsMiddleware:
    """Pure ASGI middleware (no per-request task switch like BaseHTTPMiddleware)."""

    def __init__(self, app: ASGIApp, metrics: Metrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start, status = time.perf_counter(), [500]

        async def sending(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route, took = route_of(scope), time.perf_counter() - start
            self.metrics.requests.labels(route, str(status[0])).inc()
            self.metrics.latency.labels(route).observe(took)
            if access.isEnabledFor(logging.INFO):
                access.info("request", extra={"route": route, "method": scope["method"],
                                              "status": status[0], "ms": round(took * 1000, 2)})
