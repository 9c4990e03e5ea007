"""Shared by the API tests: an app on SQLite or PostgreSQL, tokens per role."""

from __future__ import annotations

import contextlib
import os
import socket
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.app import create_app
from api.settings import CrmAccount, Settings
from training.synth import generate

from .conftest import NOW

PG_URL = os.environ.get("CRMQA_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
ROLES = ("qa", "supervisor", "head", "admin", "widget")
CRM = {"acme": CrmAccount(crm="amocrm", base_url="http://127.0.0.1:9", token="t",
                          webhook_key="hook-key-1"),
       "portal.bitrix24.ru": CrmAccount(crm="bitrix24", base_url="http://127.0.0.1:9/rest/1/x/",
                                        application_token="app-token-1", member_id="m-1")}


def pg_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def pg_schema(prefix: str = "crmqa_test"):
    """A new schema in PG_URL, dropped afterwards; yields a URL whose search_path
    names it (also used by `bench/api_load.py --db postgres`)."""
    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


class Api:
    """A running app with one token per role in account "acme" and an admin
    token in account "other"."""

    def __init__(self, client: TestClient):
        self.client = client
        self.app = client.app
        store = self.app.state.store
        self.tokens = {role: store.create_token("acme", role) for role in ROLES}
        self.other = store.create_token("other", "admin")

    def headers(self, role: str = "admin") -> dict:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def call(self, method: str, path: str, role: str | None = "admin", **kw):
        headers = kw.pop("headers", {}) | (self.headers(role) if role else {})
        return self.client.request(method, path, headers=headers, **kw)


@contextlib.contextmanager
def running(db_url: str, **overrides):
    settings = Settings(db_url=db_url, secret="test-secret", now=NOW.isoformat(), crm=CRM,
                        amocrm_secret="amo-integration-secret-0123456789abcdef", amocrm_client_id="client-uuid-1",
                        **overrides)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield Api(client)


def synthetic_deals(n: int, seed: int = 3) -> list[dict]:
    return [d for d, _ in generate(n, seed=seed, now=NOW)]
