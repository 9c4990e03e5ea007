"""The store round-trips deals and scores in SQLite and, where one answers, PostgreSQL."""

from __future__ import annotations

import pytest

from analyzer.audit import audit_deal, make_ctx
from analyzer.schema import Deal
from api.store import Store, StoreUnavailable
from training.synth import generate

from .api_support import pg_answers, pg_schema
from .conftest import NOW


def roundtrip(store: Store) -> None:
    deals = [d for d, _ in generate(25, seed=2, now=NOW)]
    assert store.put_deals(deals) == (25, [])
    back = list(store.deals())
    assert sorted(d["id"] for d in back) == sorted(d["id"] for d in deals)
    ctx = make_ctx(NOW)
    reports = [audit_deal(Deal.model_validate(d), ctx) for d in back]
    store.put_reports(reports, NOW)
    rows = {r["deal_id"]: r for r in store.reports()}
    assert len(rows) == 25
    for rep in reports:
        assert [f["code"] for f in rows[rep.deal_id]["findings"]] == [f.code for f in rep.findings]
        assert rows[rep.deal_id]["team"].startswith("Группа")
    store.put_deals(deals[:3])                       # re-import updates, never duplicates
    assert len(list(store.deals())) == 25


def test_sqlite_roundtrip(tmp_path):
    roundtrip(Store(f"sqlite:///{tmp_path / 'crmqa.sqlite'}"))


def test_a_bad_deal_is_skipped_with_a_reason_and_the_rest_stored(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'crmqa.sqlite'}")
    good = [d for d, _ in generate(3, seed=2, now=NOW)]
    bad = [{"title": "без id"}, {**good[0], "id": "x", "status": None, "manager": "m7"}]
    stored, rejected = store.put_deals([good[0], *bad, *good[1:]])
    assert stored == 3 and [i for i, _ in rejected] == [2, 3]
    assert "id" in rejected[0][1] and "+7" not in rejected[1][1]


@pytest.mark.skipif(not pg_answers(), reason="no PostgreSQL on 127.0.0.1:5432")
def test_postgresql_roundtrip():
    with pg_schema() as url:
        roundtrip(Store(url))


def test_json_columns_round_trip_what_orjson_refuses(tmp_path):
    """orjson writes JSON columns; an integer over 64 bits or a lone surrogate
    falls back to the standard library, and reads back unchanged."""
    from api.store import Store, json_dumps, json_loads

    odd = {"big": 2**70, "cut": "\ud83d", "text": "Привет", "nested": [1.5, None, True]}
    assert json_loads(json_dumps(odd)) == odd
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    deal = {"id": "D-1", "manager_id": "m1", "stage": "new", "status": "open",
            "created_at": "2026-11-01T10:00:00+03:00", "x_extra": 2**70}
    assert store.put_deals([deal], "acme")[0] == 1
    assert store.deal("acme", "D-1")["x_extra"] == 2**70


def _read_across(path, started, written) -> None:
    """A read transaction open before a write starts and ending 10 ms after it."""
    import sqlite3
    import time

    conn = sqlite3.connect(path, isolation_level=None, timeout=10)
    conn.execute("BEGIN")
    conn.execute("SELECT count(*) FROM deals").fetchall()
    started.set()
    written.wait()
    time.sleep(0.01)
    conn.execute("COMMIT")
    conn.close()


def _wal_frames_under_readers(tmp_path, restart_frames: int) -> list[int]:
    """WAL frames after each of 12 rounds of a write and a checkpoint, each
    write starting while a short read transaction is open (under load some
    reader always is: report reads, the other worker's writes)."""
    import threading

    path = tmp_path / f"wal-{restart_frames}.sqlite"
    store = Store(f"sqlite:///{path}", background_checkpoints=True)
    batch = [d for d, _ in generate(30, seed=4, now=NOW)]
    frames = []
    for i in range(12):
        started, written = threading.Event(), threading.Event()
        reader = threading.Thread(target=_read_across, args=(path, started, written))
        reader.start()
        started.wait()
        store.put_deals([{**d, "id": f"{d['id']}-{i}"} for d in batch])
        written.set()                              # the reader ends 10 ms from now
        frames.append(store.checkpoint(restart_frames=restart_frames)[0])
        reader.join()
    return frames


def test_the_wal_starts_over_under_steady_reads_and_writes(tmp_path):
    grown = _wal_frames_under_readers(tmp_path, restart_frames=10**9)      # PASSIVE only
    assert grown == sorted(grown) and grown[-1] > 5 * grown[0]              # never started over
    bounded = _wal_frames_under_readers(tmp_path, restart_frames=100)
    per_write = grown[1] - grown[0]
    assert max(bounded) <= 100 + 2 * per_write < grown[-1]                  # started over


def test_the_restart_comes_after_passive_passes_have_caught_up(tmp_path):
    """Writers wait while a RESTART copies what is left: passive passes first
    copy what was written meanwhile, until little is (here: a big write lands
    during each of the first two passes)."""
    import sqlite3

    from sqlalchemy import event

    path = tmp_path / "catch-up.sqlite"
    store = Store(f"sqlite:///{path}", background_checkpoints=True)
    batch = [d for d, _ in generate(30, seed=4, now=NOW)]
    store.put_deals(batch)
    pragmas, writes = [], iter(range(2))

    def after(conn, cursor, statement, *_):
        if "wal_checkpoint" in statement:
            pragmas.append(statement.split("(")[1].rstrip(")"))
            i = next(writes, None) if pragmas[-1] == "PASSIVE" else None
            if i is not None:          # another writer, while the checkpoint runs
                other = sqlite3.connect(path, timeout=10)
                other.execute("CREATE TABLE IF NOT EXISTS filler (x BLOB)")
                other.executemany("INSERT INTO filler VALUES (?)", [(b"x" * 4000,)] * 400)
                other.commit()
                other.close()
    event.listen(store.engine, "after_cursor_execute", after)
    log, done = store.checkpoint(restart_frames=1)
    assert pragmas == ["PASSIVE", "PASSIVE", "PASSIVE", "RESTART"] and log == done
    store.put_deals(batch[:1])
    assert store.checkpoint(restart_frames=10**9)[0] < log / 4       # the WAL started over


# -- a database that cannot be used is said in one line -----------------------

def test_an_unreachable_postgres_is_one_line_without_its_password(capsys, monkeypatch):
    from crmqa import cli

    url = "postgresql+psycopg2://postgres:s3cret@127.0.0.1:9/test"   # port 9: refused
    with pytest.raises(StoreUnavailable, match="недоступно"):
        Store(url)
    monkeypatch.setattr("sys.argv", ["crmqa", "token", "create", "--account", "a",
                                     "--role", "qa", "--db", url])
    with pytest.raises(SystemExit) as stop:
        cli.main()
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("crmqa: хранилище") and err.count("\n") == 1
    assert "s3cret" not in err and "***" in err


def test_a_sqlite_file_that_cannot_be_made_is_said(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(StoreUnavailable, match="недоступно"):
        Store(f"sqlite:///{tmp_path / 'file' / 'sub' / 'x.sqlite'}")


@pytest.mark.skipif(not pg_answers(), reason="no PostgreSQL on 127.0.0.1:5432")
def test_a_postgres_search_path_naming_no_schema_is_said():
    from .api_support import PG_URL

    with pytest.raises(StoreUnavailable, match="CREATE SCHEMA"):
        Store(f"{PG_URL}?options=-csearch_path%3Dno_such_schema_here")


@pytest.mark.skipif(not pg_answers(), reason="no PostgreSQL on 127.0.0.1:5432")
def test_a_postgres_connection_dropped_by_the_server_costs_no_read():
    from sqlalchemy import create_engine, text

    from .api_support import PG_URL

    with pg_schema() as url:
        store = Store(url)
        deal = next(iter(generate(1, seed=4, now=NOW)))[0]
        store.put_deals([deal], account="acme")
        store.put_reports([audit_deal(Deal.model_validate(deal), make_ctx(NOW))], NOW, "acme")
        token = store.create_token("acme", "qa")
        with store.reads.connect() as conn:                # the pooled read connection
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        admin = create_engine(PG_URL)
        with admin.begin() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
        admin.dispose()
        row, labels = store.report_with_labels("acme", deal["id"])
        assert row.deal_id == deal["id"] and labels == []
        assert store.token(token).role == "qa"
        with store.reads.connect() as conn:
            assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid
        store.close()


def test_times_read_back_from_sqlite_are_the_same_moments_with_their_offset(tmp_path):
    from datetime import UTC, datetime, timedelta, timezone

    store = Store(f"sqlite:///{tmp_path / 'crmqa.sqlite'}")
    msk = datetime(2026, 11, 28, 12, 0, tzinfo=timezone(timedelta(hours=3)))
    deal = next(iter(generate(1, seed=5, now=NOW)))[0]
    store.put_deals([deal])
    store.put_reports([audit_deal(Deal.model_validate(deal), make_ctx(NOW))], msk)
    row, _ = store.report_with_labels("default", deal["id"])
    assert row.scored_at == msk and row.scored_at.utcoffset() == timedelta(0)
    created = store.token(store.create_token("default", "qa")).created_at
    assert created.tzinfo is not None and abs(datetime.now(UTC) - created) < timedelta(minutes=1)
