"""The store: deals, reports, samples, labels and API tokens per CRM account, in
SQLite (embedded default) or PostgreSQL.

    store = Store("sqlite:///var/crmqa.sqlite")   # or postgresql+psycopg2://…/test
    store.put_deals(deals); store.put_reports(reports, now)

The URL comes from the caller, `CRMQA_DB_URL`, or defaults to a SQLite file.
The schema is brought to the newest migration when the store opens. Every
write is one transaction: when a call returns, what it wrote is kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import TypeVar

import orjson
from pydantic import ValidationError
from sqlalchemy import Connection, Row, bindparam, create_engine, delete, event, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from analyzer.schema import Deal, DealReport, explain
from api import migrate
from api.db import (
    AccountRow,
    DealRow,
    EventRow,
    JobRow,
    LabelRow,
    ReportRow,
    SampleItemRow,
    SampleRow,
    TokenRow,
)

DEFAULT_URL = "sqlite:///var/crmqa.sqlite"
DEFAULT_ACCOUNT = "default"
ROLES = ("qa", "supervisor", "head", "admin", "widget")
TOKEN_PREFIX = "cq_"
WAL_RESTART_FRAMES = 65_536   # ~256 MB of WAL (4 KB pages) before it is started over
RESTART_WAIT_MS = 20          # ...if its readers finish by then (else at the next checkpoint)
CATCH_UP_FRAMES = 256         # before it, passive passes until fewer frames than this are left
BUSY_TIMEOUT_MS = 10_000
TOKEN_CACHE_SIZE = 10_000     # live tokens remembered per process (then forgotten at once)


_TOKEN_QUERY = select(TokenRow.__table__).where(TokenRow.__table__.c.digest == bindparam("digest"))
_REPORTS, _LABELS = ReportRow.__table__, LabelRow.__table__
_REPORT_QUERY = select(_REPORTS.c.deal_id, _REPORTS.c.risk, _REPORTS.c.report, _REPORTS.c.models,
                       _REPORTS.c.scored_at).where(_REPORTS.c.account == bindparam("account"),
                                                   _REPORTS.c.deal_id == bindparam("deal_id"))
_LABELS_QUERY = (select(*(c for c in _LABELS.c if c.name not in ("account", "key")))
                 .where(_LABELS.c.account == bindparam("account"),
                        _LABELS.c.deal_id == bindparam("deal_id"))
                 .order_by(_LABELS.c.id))


T = TypeVar("T")


class StoreUnavailable(RuntimeError):
    """The database cannot be reached or used (said in one line, for the operator)."""


def database_url(url: str | None = None) -> str:
    return url or os.environ.get("CRMQA_DB_URL") or DEFAULT_URL


def now() -> datetime:
    return datetime.now(UTC)


def json_dumps(value) -> str:
    """JSON columns are written with orjson (a 10-comment deal: ~10 µs instead of
    ~80); what it refuses (integers over 64 bits, lone surrogates) the standard
    library writes as before."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


def json_loads(text: str | bytes):
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:            # NaN, lone surrogates: the standard parser's
        return json.loads(text)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _sqlite_pragmas(dbapi_conn, _record, background_checkpoints: bool = False) -> None:
    """WAL: readers never wait for the writer; a committed write survives a
    killed process (synchronous=NORMAL loses nothing short of power loss).
    With `background_checkpoints`, no write pays for copying the WAL into the
    database: `Store.checkpoint` does it from a thread (the API server)."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    if background_checkpoints:
        cur.execute("PRAGMA wal_autocheckpoint=0")
        cur.execute(f"PRAGMA journal_size_limit={WAL_RESTART_FRAMES * 4096}")
    cur.close()


def _deal_values(account: str, deal: Deal, raw: dict) -> dict:
    return {"account": account, "id": deal.id, "manager_id": deal.manager_id,
            "team": deal.manager.team if deal.manager else None, "status": deal.status,
            "created_at": deal.created_at, "updated_at": now(), "body": raw}


def _report_values(account: str, report: DealReport, scored_at: datetime,
                   models: dict | None = None) -> dict:
    return {"account": account, "deal_id": report.deal_id, "risk": report.risk,
            "report": report.model_dump(mode="json", exclude_none=True),
            "models": models or {}, "scored_at": scored_at}


def _deal_row(account: str, deal: Deal, raw: dict) -> DealRow:
    return DealRow(**_deal_values(account, deal, raw))


def _report_row(account: str, report: DealReport, scored_at: datetime,
                models: dict | None = None) -> ReportRow:
    return ReportRow(**_report_values(account, report, scored_at, models))


class Store:
    def __init__(self, url: str | None = None, background_checkpoints: bool = False,
                 token_cache_seconds: float = 0.0):
        """`token_cache_seconds`: how long a live token is trusted without asking
        the database again (the API server: a token revoked from another process
        stops working within that time; one revoked through this store, at once)."""
        self.token_ttl = token_cache_seconds
        self._tokens: dict[str, tuple[TokenRow, float]] = {}
        self._clock = time.monotonic
        self.url = database_url(url)
        self.engine = create_engine(self.url, pool_pre_ping=not self.url.startswith("sqlite"),
                                    json_serializer=json_dumps, json_deserializer=json_loads)
        self.sqlite = self.engine.dialect.name == "sqlite"
        if self.sqlite:
            event.listen(self.engine, "connect", lambda conn, rec: _sqlite_pragmas(
                conn, rec, background_checkpoints))
        self.reads = self.engine if self.sqlite else create_engine(
            self.url, isolation_level="AUTOCOMMIT", json_serializer=json_dumps,
            json_deserializer=json_loads)
        self._open()

    def close(self) -> None:
        """Close the pooled connections (the store can still be used: it reopens them)."""
        self.engine.dispose()
        self.reads.dispose()

    def _read(self, query: Callable[[Connection], T]) -> T:
        """Run the hot reads (a token, the widget's report) on `reads`. On
        PostgreSQL that engine is in autocommit and does not ping a connection
        before lending it: two round trips instead of five (~650 → ~400 µs
        for the report). A connection the server dropped fails the query, the
        pool is emptied and the read is run once more on a new one."""
        try:
            with self.reads.connect() as conn:
                return query(conn)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
        with self.reads.connect() as conn:
            return query(conn)

    def _open(self) -> None:
        """Bring the schema to the newest migration, or say in one line why the
        database cannot be used (no password in it)."""
        where = self.engine.url.render_as_string(hide_password=True)
        try:
            if self.sqlite and self.engine.url.database not in (None, "", ":memory:"):
                os.makedirs(os.path.dirname(os.path.abspath(self.engine.url.database)),
                            exist_ok=True)
            if not self.sqlite:
                with self.engine.connect() as conn:
                    if conn.exec_driver_sql("SELECT current_schema()").scalar() is None:
                        raise StoreUnavailable(
                            f"хранилище {where}: ни одной схемы из search_path нет в базе; "
                            "создайте её (CREATE SCHEMA …) или укажите другую")
            migrate.upgrade(self.engine)
        except DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise StoreUnavailable(f"хранилище {where} недоступно: {reason}") from exc
        except OSError as exc:
            raise StoreUnavailable(f"хранилище {where} недоступно: {exc.strerror}") from exc

    def checkpoint(self, restart_frames: int = WAL_RESTART_FRAMES) -> tuple[int, int]:
        """Copy the SQLite WAL into the database without blocking writers
        (PASSIVE). Under steady reads and writes some reader always holds a
        place in the WAL, so it never starts over and grows without end (600 MB
        in 30 s of load): past `restart_frames`, a RESTART checkpoint waits for
        the readers of the moment (RESTART_WAIT_MS at most, else it tries at
        the next checkpoint) and starts it over. Writers wait while it copies
        what is left and syncs the database, so passive passes first copy
        what was written during the last one (~100 frames left instead of
        thousands: the restart holds writers ~10 ms instead of 55-75). Returns
        (frames in the WAL, frames copied), (-1, -1) when another checkpoint
        was running; a no-op on PostgreSQL."""
        if not self.sqlite:
            return 0, 0
        with self.engine.connect() as conn:
            _, log, done = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
            if log >= restart_frames:          # writers wait meanwhile: give up soon
                for _ in range(4):
                    before = log
                    _, log, done = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
                    if log - before < CATCH_UP_FRAMES:
                        break
                conn.exec_driver_sql(f"PRAGMA busy_timeout={RESTART_WAIT_MS}")
                try:
                    _, log, done = conn.exec_driver_sql("PRAGMA wal_checkpoint(RESTART)").one()
                finally:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return log, done

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def reset(self, account: str = DEFAULT_ACCOUNT) -> None:
        with self.session() as s, s.begin():
            s.execute(delete(ReportRow).where(ReportRow.account == account))
            s.execute(delete(DealRow).where(DealRow.account == account))

    # -- accounts and tokens -------------------------------------------------

    def ensure_account(self, account: str, crm: str = "none") -> None:
        with self.session() as s, s.begin():
            if s.get(AccountRow, account) is None:
                s.add(AccountRow(id=account, crm=crm, created_at=now()))

    def create_token(self, account: str, role: str, name: str | None = None) -> str:
        """A new API token (shown once; only its hash is kept)."""
        if role not in ROLES:
            raise ValueError(f"неизвестная роль {role!r}; допустимы: {', '.join(ROLES)}")
        self.ensure_account(account)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.session() as s, s.begin():
            s.add(TokenRow(account=account, role=role, digest=digest(token), name=name,
                           created_at=now()))
        return token

    def token(self, token: str) -> TokenRow | None:
        """The live token row for a presented token, or None (one indexed Core
        query: it runs on every request, unless the token was found live
        within the last `token_ttl` seconds)."""
        key = digest(token)
        cached = self._tokens.get(key)
        if cached is not None and cached[1] > self._clock():
            return cached[0]
        row = self._read(lambda conn: conn.execute(_TOKEN_QUERY, {"digest": key}).first())
        if row is None or row.revoked_at is not None:
            self._tokens.pop(key, None)
            return None
        found = TokenRow(id=row.id, account=row.account, role=row.role, digest=row.digest,
                         name=row.name, created_at=row.created_at, revoked_at=None)
        if self.token_ttl > 0:
            if len(self._tokens) >= TOKEN_CACHE_SIZE:
                self._tokens.clear()
            self._tokens[key] = (found, self._clock() + self.token_ttl)
        return found

    def revoke_token(self, token_id: int) -> bool:
        with self.session() as s, s.begin():
            row = s.get(TokenRow, token_id)
            if row is None or row.revoked_at is not None:
                return False
            row.revoked_at = now()
            self._tokens = {k: v for k, v in self._tokens.items() if v[0].id != token_id}
            return True

    # -- deals and reports -----------------------------------------------------

    def put_deals(self, deals: Iterable[dict], account: str = DEFAULT_ACCOUNT
                  ) -> tuple[int, list[tuple[int, str]]]:
        """Validate and upsert deals; returns (stored, [(position, reason)…]).
        A deal that fails validation is skipped with a reason that quotes no
        values; the others are stored (the latest version of each deal)."""
        stored, rejected = 0, []
        self.ensure_account(account)
        with self.session() as s, s.begin():
            for i, raw in enumerate(deals, 1):
                try:
                    deal = Deal.model_validate(raw)
                except ValidationError as exc:
                    rejected.append((i, explain(exc)))
                    continue
                s.merge(_deal_row(account, deal, raw))
                stored += 1
        return stored, rejected

    def deals(self, account: str = DEFAULT_ACCOUNT) -> Iterator[dict]:
        with self.session() as s:
            rows = s.scalars(select(DealRow).where(DealRow.account == account)
                             .order_by(DealRow.id)).yield_per(500)
            for row in rows:
                yield row.body

    def deal_ids(self, account: str) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.scalars(select(DealRow.id).where(DealRow.account == account)))

    def deal_bodies(self, account: str, deal_ids: list[str]) -> dict[str, dict]:
        out: dict[str, dict] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(deal_ids), 900):
                rows = conn.execute(select(DealRow.id, DealRow.body).where(
                    DealRow.account == account, DealRow.id.in_(deal_ids[start:start + 900])))
                out.update(dict(rows.all()))
        return out

    def deal(self, account: str, deal_id: str) -> dict | None:
        with self.session() as s:
            row = s.get(DealRow, (account, deal_id))
            return row.body if row else None

    def put_reports(self, reports: Iterable[DealReport], scored_at: datetime,
                    account: str = DEFAULT_ACCOUNT, models: dict | None = None) -> int:
        n = 0
        with self.session() as s, s.begin():
            for r in reports:
                s.merge(_report_row(account, r, scored_at, models))
                n += 1
        return n

    def put_scored(self, account: str, scored: list, scored_at: datetime, models: dict) -> None:
        """Deals, their reports and risk features (`api.scoring.Scored`) in one
        transaction: one INSERT … ON CONFLICT DO UPDATE per table."""
        self.put_scored_many([(account, scored, scored_at, models)])

    def put_scored_many(self, batches: list[tuple[str, list, datetime, dict]]) -> None:
        """Several `put_scored` calls in one transaction (the API's group commit);
        a deal given twice keeps its last version, as calls one after another would."""
        latest = {(account, x.deal.id): (account, x, at, models)
                  for account, scored, at, models in batches for x in scored}
        if not latest:
            return
        deals = [_deal_values(a, x.deal, x.raw) for a, x, _, _ in latest.values()]
        reports = [_report_values(a, x.report, at, models) | {"features": x.features}
                   for a, x, at, models in latest.values()]
        with self.engine.begin() as conn:
            conn.execute(self._upsert(DealRow, ("account", "id"), deals), deals)
            conn.execute(self._upsert(ReportRow, ("account", "deal_id"), reports), reports)

    def features(self, account: str, deal_ids: list[str]) -> dict[str, dict]:
        """The stored risk features of these deals (where the API scored them)."""
        out: dict[str, dict] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(deal_ids), 900):
                part = deal_ids[start:start + 900]
                rows = conn.execute(select(ReportRow.deal_id, ReportRow.features).where(
                    ReportRow.account == account, ReportRow.deal_id.in_(part)))
                out.update({d: f for d, f in rows if f})
        return out

    def _upsert(self, table, keys: tuple[str, ...], rows: list[dict]):
        """INSERT … ON CONFLICT DO UPDATE for `table`, built once per table (its
        construction costs more than the write)."""
        cache = self.__dict__.setdefault("_upserts", {})
        if table not in cache:
            if self.engine.dialect.name == "postgresql":
                from sqlalchemy.dialects.postgresql import insert
            else:
                from sqlalchemy.dialects.sqlite import insert
            stmt = insert(table)
            cache[table] = stmt.on_conflict_do_update(
                index_elements=list(keys),
                set_={c: stmt.excluded[c] for c in rows[0] if c not in keys})
        return cache[table]

    def report(self, account: str, deal_id: str) -> ReportRow | None:
        with self.session() as s:
            return s.get(ReportRow, (account, deal_id))

    def report_with_labels(self, account: str, deal_id: str) -> tuple[Row | None, list[Row]]:
        """The deal's report (deal_id, risk, report, models, scored_at) and its labels, read
        in one connection without the ORM: the widget's call, about 4x cheaper."""
        key = {"account": account, "deal_id": deal_id}

        def query(c: Connection) -> tuple[Row | None, list[Row]]:
            row = c.execute(_REPORT_QUERY, key).first()
            return row, (c.execute(_LABELS_QUERY, key).all() if row is not None else [])
        return self._read(query)

    def report_lines(self, account: str) -> Iterator[bytes]:
        """Every stored report as a `crmqa score` JSON line (sampling reads these)."""
        import orjson

        with self.session() as s:
            rows = s.scalars(select(ReportRow.report).where(ReportRow.account == account)
                             .order_by(ReportRow.deal_id)).yield_per(1000)
            for report in rows:
                yield orjson.dumps(report)

    def reports(self, account: str = DEFAULT_ACCOUNT) -> list[dict]:
        """Scores joined with their deal's manager and team."""
        with self.session() as s:
            rows = s.execute(select(ReportRow, DealRow).join(
                DealRow, (DealRow.account == ReportRow.account)
                & (DealRow.id == ReportRow.deal_id)).where(ReportRow.account == account))
            return [{"deal_id": sc.deal_id, "manager_id": d.manager_id, "team": d.team,
                     "manager_name": (d.body.get("manager") or {}).get("name"),
                     "status": d.status, "risk": sc.risk,
                     "scores": sc.report.get("scores", {}),
                     "findings": sc.report.get("findings", [])} for sc, d in rows]

    # -- samples ------------------------------------------------------------------

    def put_sample(self, account: str, role: str, day: str, seed: int, summary: dict,
                   lines: list[dict]) -> int:
        with self.session() as s, s.begin():
            row = SampleRow(account=account, role=role, day=day, seed=seed, summary=summary,
                            created_at=now())
            s.add(row)
            s.flush()
            s.add_all(SampleItemRow(sample_id=row.id, deal_id=x["deal_id"],
                                    inclusion_probability=x["inclusion_probability"],
                                    risk=x["risk"], reason=x["reason"]) for x in lines)
            return row.id

    def inclusion_probability(self, account: str, deal_id: str) -> float | None:
        """π of the deal in its newest sample, if it was drawn."""
        with self.session() as s:
            return s.scalar(select(SampleItemRow.inclusion_probability)
                            .join(SampleRow, SampleRow.id == SampleItemRow.sample_id)
                            .where(SampleRow.account == account,
                                   SampleItemRow.deal_id == deal_id)
                            .order_by(SampleRow.id.desc()).limit(1))

    # -- labels -------------------------------------------------------------------

    def put_labels(self, account: str, labels: list[dict]) -> tuple[list[int], int]:
        """Insert labels; one whose key was already taken is a duplicate, not a
        second label. Returns (new ids, duplicates). Committed before returning."""
        for _ in range(3):
            try:
                return self._insert_labels(account, labels)
            except IntegrityError:        # a concurrent twin won the race: try again
                continue
        return self._insert_labels(account, labels)

    def _insert_labels(self, account: str, labels: list[dict]) -> tuple[list[int], int]:
        keys = [x["key"] for x in labels]
        with self.session() as s, s.begin():
            taken = set(s.scalars(select(LabelRow.key).where(LabelRow.account == account,
                                                             LabelRow.key.in_(keys))))
            fresh = []
            for x in labels:
                if x["key"] not in taken:
                    taken.add(x["key"])
                    fresh.append(LabelRow(account=account, created_at=now(), **x))
            s.add_all(fresh)
            s.flush()
            return [r.id for r in fresh], len(labels) - len(fresh)

    def labels(self, account: str, deal_id: str | None = None) -> list[LabelRow]:
        with self.session() as s:
            q = select(LabelRow).where(LabelRow.account == account)
            if deal_id is not None:
                q = q.where(LabelRow.deal_id == deal_id)
            return list(s.scalars(q.order_by(LabelRow.id)))

    # -- webhook deliveries -----------------------------------------------------

    def first_delivery(self, account: str, key: str) -> bool:
        """True the first time (account, key) is seen; False for a replay."""
        try:
            with self.session() as s, s.begin():
                if s.get(EventRow, (account, key)) is not None:
                    return False
                s.add(EventRow(account=account, key=key, received_at=now()))
            return True
        except IntegrityError:
            return False

    # -- background jobs ----------------------------------------------------------

    def new_job(self, account: str, kind: str) -> int:
        with self.session() as s, s.begin():
            row = JobRow(account=account, kind=kind, status="queued", created_at=now())
            s.add(row)
            s.flush()
            return row.id

    def update_job(self, job_id: int, **fields) -> None:
        with self.session() as s, s.begin():
            row = s.get(JobRow, job_id)
            for k, v in fields.items():
                setattr(row, k, v)
            if fields.get("status") in ("done", "failed"):
                row.finished_at = now()

    def job(self, account: str, job_id: int) -> JobRow | None:
        with self.session() as s:
            row = s.get(JobRow, job_id)
            return row if row is not None and row.account == account else None
