"""Structured logs: one JSON object a line. Access lines carry the route
template (never the path with its ids), status, duration and account —
never names, phones, comment texts or tokens."""

from __future__ import annotations

import json
import logging
import time

SAFE_FIELDS = ("route", "method", "status", "ms", "account", "crm", "outcome", "error")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)),
               "level": record.levelname.lower(), "logger": record.name,
               "msg": record.getMessage()}
        out |= {k: getattr(record, k) for k in SAFE_FIELDS if hasattr(record, k)}
        return json.dumps(out, ensure_ascii=False)


def configure(level: str = "INFO") -> None:
    """JSON lines on stderr for the crmqa loggers (uvicorn's own access log is off)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("crmqa")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
