"""Group commit: the score writes of one event-loop round share a transaction,
each request returns only after its write is committed, and a failing write
fails only its own request."""

from __future__ import annotations

import asyncio

import pytest

from api.groupcommit import GroupCommit
from api.scoring import Scorer
from api.store import Store

from .api_support import pg_answers, pg_schema, synthetic_deals
from .conftest import NOW


class Recorder:
    """A write_many that records its groups (and refuses the items in `bad`)."""

    def __init__(self, bad=()):
        self.groups: list[list] = []
        self.bad = set(bad)

    def __call__(self, items: list) -> None:
        self.groups.append(list(items))
        if self.bad & set(items):
            raise RuntimeError("refused")


def test_writes_of_one_round_share_one_group_and_wait_for_it():
    rec = Recorder()
    commits = GroupCommit(rec)
    seen_before_return = []

    async def request(i):
        await commits.put(i)
        seen_before_return.append(any(i in g for g in rec.groups))

    async def main():
        await asyncio.gather(*(request(i) for i in range(8)))
        await request(99)                          # a later round: a group of its own

    asyncio.run(main())
    assert rec.groups == [list(range(8)), [99]]
    assert all(seen_before_return)                 # none returned before its commit


def test_a_bad_write_fails_its_own_request_only():
    rec = Recorder(bad={3})
    commits = GroupCommit(rec)

    async def main():
        return await asyncio.gather(*(commits.put(i) for i in range(5)), return_exceptions=True)

    results = asyncio.run(main())
    assert [type(r).__name__ for r in results] == ["NoneType"] * 3 + ["RuntimeError", "NoneType"]
    assert rec.groups[0] == [0, 1, 2, 3, 4]        # tried together, then one by one
    assert rec.groups[1:] == [[0], [1], [2], [3], [4]]


def test_a_failure_not_worth_retrying_fails_the_group_at_once():
    rec = Recorder(bad={1})
    commits = GroupCommit(rec, retry_alone=lambda exc: False)   # e.g. the database locked

    async def main():
        return await asyncio.gather(*(commits.put(i) for i in range(4)), return_exceptions=True)

    results = asyncio.run(main())
    assert all(isinstance(r, RuntimeError) for r in results)
    assert rec.groups == [[0, 1, 2, 3]]            # no write retried alone


def test_a_cancelled_request_does_not_break_the_group():
    rec = Recorder()
    commits = GroupCommit(rec)

    async def main():
        tasks = [asyncio.ensure_future(commits.put(i)) for i in range(3)]
        await asyncio.sleep(0)                     # all three queued
        tasks[1].cancel()
        return await asyncio.gather(*tasks, return_exceptions=True)

    results = asyncio.run(main())
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], asyncio.CancelledError)
    assert rec.groups == [[0, 1, 2]]               # its write was still kept


def scored_batches(n: int, seed: int = 4):
    scorer = Scorer(fixed_now=NOW.isoformat())
    done, errors = scorer.deals(synthetic_deals(n, seed))
    assert not errors
    return scorer, done


def check_group_of_store_writes(store: Store) -> None:
    scorer, done = scored_batches(6)
    first, second = done[:4], done[2:]             # deals 2 and 3 in both: the later one wins
    later = [x._replace(report=x.report.model_copy(update={"risk": 0.5})) for x in second]
    commits = GroupCommit(store.put_scored_many)

    async def main():
        await asyncio.gather(commits.put(("acme", first, scorer.now(), {"risk": 1})),
                             commits.put(("acme", later, scorer.now(), {"risk": 1})),
                             commits.put(("other", first[:1], scorer.now(), {"risk": 1})))

    asyncio.run(main())
    rows = {r["deal_id"]: r for r in store.reports("acme")}
    assert sorted(rows) == sorted(x.deal.id for x in done)
    assert all(rows[x.deal.id]["risk"] == 0.5 for x in later)
    assert rows[first[0].deal.id]["risk"] == first[0].report.risk
    assert [r["deal_id"] for r in store.reports("other")] == [first[0].deal.id]
    assert store.features("acme", [first[0].deal.id])[first[0].deal.id] == first[0].features


def test_store_group_on_sqlite(tmp_path):
    check_group_of_store_writes(Store(f"sqlite:///{tmp_path / 'db.sqlite'}"))


@pytest.mark.skipif(not pg_answers(), reason="no PostgreSQL on 127.0.0.1:5432")
def test_store_group_on_postgresql():
    with pg_schema() as url:
        check_group_of_store_writes(Store(url))


def test_the_app_sets_the_young_gc_threshold_from_settings(tmp_path):
    import gc

    from .api_support import running

    before = gc.get_threshold()
    try:
        with running(f"sqlite:///{tmp_path / 'db.sqlite'}", gc_young=12_345) as api:
            assert gc.get_threshold() == (12_345, *before[1:])
            deals = synthetic_deals(3)
            r = api.call("POST", "/v1/deals/score", json=deals)
            assert r.status_code == 200
            for d in deals:                        # committed before the answer came
                assert api.call("GET", f"/v1/deals/{d['id']}/report").status_code == 200
    finally:
        gc.set_threshold(*before)
