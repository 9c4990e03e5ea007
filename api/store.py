"""The store: deals and their scores in SQLite (embedded default) or PostgreSQL.

    store = Store("sqlite:///out/demo/crmqa.sqlite")   # or postgresql://…/test
    store.put_deals(deals); store.put_reports(reports)

The URL comes from the caller, `CRMQA_DB_URL`, or defaults to a SQLite file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy import JSON, DateTime, Float, String, create_engine, delete, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from analyzer.schema import Deal, DealReport, explain

DEFAULT_URL = "sqlite:///var/crmqa.sqlite"


def database_url(url: str | None = None) -> str:
    return url or os.environ.get("CRMQA_DB_URL") or DEFAULT_URL


class Base(DeclarativeBase):
    pass


class DealRow(Base):
    __tablename__ = "deals"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    manager_id: Mapped[str | None] = mapped_column(String, index=True)
    team: Mapped[str | None] = mapped_column(String)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    body: Mapped[dict] = mapped_column(JSON)


class ScoreRow(Base):
    __tablename__ = "scores"

    deal_id: Mapped[str] = mapped_column(String, primary_key=True)
    risk: Mapped[float] = mapped_column(Float)
    scores: Mapped[dict] = mapped_column(JSON)
    findings: Mapped[list] = mapped_column(JSON)
    scored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def _utc(t: datetime | None) -> datetime | None:
    """SQLite drops offsets: store every time as UTC so order and filters hold."""
    return t.astimezone(UTC) if t else None


class Store:
    def __init__(self, url: str | None = None):
        self.url = database_url(url)
        if self.url.startswith("sqlite:///"):
            path = self.url.removeprefix("sqlite:///")
            if path and path != ":memory:":
                os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.engine = create_engine(self.url, future=True)
        Base.metadata.create_all(self.engine)

    def reset(self) -> None:
        with Session(self.engine) as s, s.begin():
            s.execute(delete(ScoreRow))
            s.execute(delete(DealRow))

    def put_deals(self, deals: Iterable[dict]) -> tuple[int, list[tuple[int, str]]]:
        """Validate and upsert deals; returns (stored, [(position, reason)…]).
        A deal that fails validation is skipped with a reason that quotes no
        values; the others are stored."""
        stored, rejected = 0, []
        with Session(self.engine) as s, s.begin():
            for i, raw in enumerate(deals, 1):
                try:
                    deal = Deal.model_validate(raw)
                except ValidationError as exc:
                    rejected.append((i, explain(exc)))
                    continue
                s.merge(DealRow(id=deal.id, manager_id=deal.manager_id,
                                team=deal.manager.team if deal.manager else None,
                                status=deal.status, created_at=_utc(deal.created_at),
                                body=raw))
                stored += 1
        return stored, rejected

    def deals(self) -> Iterator[dict]:
        with Session(self.engine) as s:
            for row in s.scalars(select(DealRow).order_by(DealRow.id)).yield_per(500):
                yield row.body

    def put_reports(self, reports: Iterable[DealReport], scored_at: datetime) -> int:
        n = 0
        with Session(self.engine) as s, s.begin():
            for r in reports:
                s.merge(ScoreRow(deal_id=r.deal_id, risk=r.risk, scores=r.scores,
                                 findings=[f.model_dump(exclude_none=True) for f in r.findings],
                                 scored_at=_utc(scored_at)))
                n += 1
        return n

    def reports(self) -> list[dict]:
        """Scores joined with their deal's manager and team."""
        with Session(self.engine) as s:
            rows = s.execute(select(ScoreRow, DealRow).join(DealRow, DealRow.id == ScoreRow.deal_id))
            return [{"deal_id": sc.deal_id, "manager_id": d.manager_id, "team": d.team,
                     "manager_name": (d.body.get("manager") or {}).get("name"),
                     "status": d.status, "risk": sc.risk, "scores": sc.scores,
                     "findings": sc.findings} for sc, d in rows]
