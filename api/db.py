"""The store's tables (SQLAlchemy 2). Every row belongs to one CRM account (a
tenant): an amoCRM subdomain, a Bitrix24 portal, or "default" for local runs.
The schema is created and changed only by the migrations in `migrations/`."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator):
    """A moment, kept in UTC and read back with its offset on both databases
    (SQLite keeps no offset: without this, times read from it are naive).
    A naive time given to it is taken as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class AccountRow(Base):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    crm: Mapped[str] = mapped_column(String(16), default="none")        # amocrm | bitrix24 | none
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TokenRow(Base):
    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64), unique=True)         # sha256 of the token
    name: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class DealRow(Base):
    __tablename__ = "deals"

    account: Mapped[str] = mapped_column(String(128), primary_key=True)
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    manager_id: Mapped[str | None] = mapped_column(String(128), index=True)
    team: Mapped[str | None] = mapped_column(String(256))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    body: Mapped[dict] = mapped_column(JSON)


class ReportRow(Base):
    __tablename__ = "reports"

    account: Mapped[str] = mapped_column(String(128), primary_key=True)
    deal_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    risk: Mapped[float] = mapped_column(Float)
    report: Mapped[dict] = mapped_column(JSON)                 # the DealReport as JSON
    models: Mapped[dict] = mapped_column(JSON)                 # model name → version scored with
    features: Mapped[dict | None] = mapped_column(JSON)        # risk features (retraining)
    scored_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SampleRow(Base):
    __tablename__ = "samples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account: Mapped[str] = mapped_column(String(128), index=True)
    role: Mapped[str] = mapped_column(String(16))
    day: Mapped[str] = mapped_column(String(10))
    seed: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SampleItemRow(Base):
    __tablename__ = "sample_items"

    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id"), primary_key=True)
    deal_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    inclusion_probability: Mapped[float] = mapped_column(Float)
    risk: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(512))


class LabelRow(Base):
    __tablename__ = "labels"
    __table_args__ = (UniqueConstraint("account", "key", name="uq_labels_account_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account: Mapped[str] = mapped_column(String(128), index=True)
    key: Mapped[str] = mapped_column(String(128))              # idempotency key
    deal_id: Mapped[str] = mapped_column(String(128), index=True)
    target: Mapped[str] = mapped_column(String(16))            # finding | comment | deal
    code: Mapped[str | None] = mapped_column(String(128))      # finding code or direction
    entity_id: Mapped[str | None] = mapped_column(String(128))
    verdict: Mapped[str] = mapped_column(String(16))           # confirmed | rejected | value
    value: Mapped[dict | None] = mapped_column(JSON)
    auditor: Mapped[str | None] = mapped_column(String(128))
    inclusion_probability: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class EventRow(Base):
    """Webhook deliveries already taken (a replay is recognised and ignored)."""

    __tablename__ = "webhook_events"

    account: Mapped[str] = mapped_column(String(128), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


class JobRow(Base):
    """A background job (retraining): its state is in the database, so any
    worker can answer for it."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account: Mapped[str] = mapped_column(String(128), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))         # queued | running | done | failed
    stage: Mapped[str | None] = mapped_column(String(32))
    result: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
