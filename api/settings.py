"""Service settings from the environment (prefix CRMQA_), e.g.

    CRMQA_DB_URL=postgresql+psycopg2://postgres@127.0.0.1:5432/test
    CRMQA_SECRET=…            # signs widget tickets; shared by all workers
    CRMQA_AMOCRM_SECRET=…     # the amoCRM integration's secret key (X-Auth-Token)
    CRMQA_CRM='{"acme": {"crm": "amocrm", "base_url": "https://acme.amocrm.ru", "token": "…",
                "webhook_key": "…"}}'
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CrmAccount(BaseModel):
    """How crmqa reaches one CRM account and recognises its calls."""

    crm: str = "amocrm"                    # amocrm | bitrix24
    base_url: str | None = None            # API root or Bitrix24 incoming-webhook URL
    token: str | None = None               # amoCRM long-lived token
    webhook_key: str | None = None         # amoCRM: the key in our webhook URL
    application_token: str | None = None   # Bitrix24: auth[application_token] of events
    member_id: str | None = None           # Bitrix24: the portal's member_id (placement)
    rest_url: str | None = None            # Bitrix24: OAuth REST root (default https://{domain}/rest/)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRMQA_", extra="ignore")

    db_url: str | None = None
    config: str | None = None                      # the regulation YAML on top of defaults
    secret: str | None = None
    amocrm_secret: str | None = None
    amocrm_client_id: str | None = None
    crm: dict[str, CrmAccount] = Field(default_factory=dict)
    max_body_bytes: int = 20_000_000               # a 5 MB Cyrillic comment, even \u-escaped
    max_items: int = 1000                          # deals or comments per request
    ticket_ttl: int = 900                          # seconds a widget ticket lives
    token_cache_seconds: float = 5.0               # a token revoked elsewhere works ≤ this long
    gc_young: int = Field(50_000, ge=100)          # allocations between young-generation GCs
    now: str | None = None                         # fixed audit time (tests, replays)
    log_level: str = "WARNING"                     # INFO: one JSON access line per request
    cors_origins: str = (r"https://([\w-]+\.)*(amocrm\.(ru|com)|kommo\.com|"
                         r"bitrix24\.[a-z.]+)")

    def signing_key(self) -> bytes:
        """CRMQA_SECRET, or one made once and kept next to the database so
        every worker signs alike."""
        if self.secret:
            return self.secret.encode()
        path = Path(os.environ.get("CRMQA_SECRET_FILE", "var/crmqa.secret"))
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                os.write(fd, secrets.token_hex(32).encode())
                os.close(fd)
            except FileExistsError:
                pass
        return path.read_bytes().strip()


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings()
