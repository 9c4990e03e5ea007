"""The store round-trips deals and scores in SQLite and, where one answers, PostgreSQL."""

from __future__ import annotations

import pytest

from analyzer.audit import audit_deal, make_ctx
from analyzer.schema import Deal
from api.store import Store
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


def _wal_frames_under_readers(tmp_path, restart_frames: int) -> list[int]:
    """WAL frames after each of 20 rounds of writes and a checkpoint, while
    three threads keep a read transaction open nearly all the time (as the
    API's report reads and the other worker's writes do)."""
    import sqlite3
    import threading
    import time

    path = tmp_path / f"wal-{restart_frames}.sqlite"
    store = Store(f"sqlite:///{path}", background_checkpoints=True)
    batch = [d for d, _ in generate(30, seed=4, now=NOW)]
    stop = threading.Event()

    def reader():
        conn = sqlite3.connect(path, isolation_level=None, timeout=10)
        while not stop.is_set():
            conn.execute("BEGIN")
            conn.execute("SELECT count(*) FROM deals").fetchall()
            time.sleep(0.005)
            conn.execute("COMMIT")
        conn.close()

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    frames = []
    try:
        for i in range(20):
            store.put_deals([{**d, "id": f"{d['id']}-{i}"} for d in batch])
            log, _ = store.checkpoint(restart_frames=restart_frames)
            frames.append(log)
    finally:
        stop.set()
        for t in threads:
            t.join()
    return frames


def test_the_wal_starts_over_under_steady_reads_and_writes(tmp_path):
    grown = _wal_frames_under_readers(tmp_path, restart_frames=10**9)      # PASSIVE only
    assert grown == sorted(grown) and grown[-1] > 600     # never started over
    bounded = _wal_frames_under_readers(tmp_path, restart_frames=100)
    assert max(bounded) < 250                      # started over whenever past 100 frames
