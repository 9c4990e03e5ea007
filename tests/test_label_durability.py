"""Killing the server with SIGKILL while labels are being written loses no
acknowledged label: a 200 from POST /v1/labels means the label is in the
database, whatever happens to the process a moment later."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter

import httpx
import pytest

from api.store import Store

from .api_support import synthetic_deals
from .server_support import bearer, start

ACCOUNT = "acme"
WRITERS = 8
WRITE_FOR = 1.5          # seconds of writing before the kill


def _refuses(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return False
    except OSError:
        return True


@pytest.mark.parametrize("workers", [1, 2])
def test_sigkill_while_writing_labels_loses_no_acknowledged_label(tmp_path, workers):
    db_url = f"sqlite:///{tmp_path / 'crmqa.sqlite'}"
    store = Store(db_url)
    admin = store.create_token(ACCOUNT, "admin", "e2e")
    store.engine.dispose()

    acked: list[tuple[str, float]] = []          # (key, when its 200 arrived)
    refused: Counter = Counter()                 # other answers by status
    broken: Counter = Counter()                  # requests cut off (no answer)
    lock, stop = threading.Lock(), threading.Event()

    srv = start(db_url, tmp_path, workers=workers, name="first")
    try:
        r = srv.client.post("/v1/deals/score", json=synthetic_deals(6), headers=bearer(admin))
        assert r.status_code == 200, r.text
        deal_ids = [x["deal_id"] for x in r.json()["reports"]]
        assert deal_ids

        def writer(n: int) -> None:
            with httpx.Client(base_url=srv.url, timeout=10, trust_env=False,
                              headers=bearer(admin)) as client:
                i = 0
                while not stop.is_set():
                    key = f"kill-{workers}-{n}-{i}"
                    label = {"deal_id": deal_ids[i % len(deal_ids)], "target": "finding",
                             "code": "e2e.kill", "entity_id": key, "verdict": "confirmed",
                             "auditor": f"writer-{n}", "key": key}
                    i += 1
                    try:
                        r = client.post("/v1/labels", json=label)
                    except httpx.TransportError:      # the server is gone: stop writing
                        with lock:
                            broken[n] += 1
                        return
                    with lock:
                        if r.status_code == 200 and r.json()["stored"] == 1:
                            acked.append((key, time.monotonic()))
                        elif r.status_code == 200:        # a fresh key called a duplicate
                            refused["200 not stored"] += 1
                        else:
                            refused[r.status_code] += 1

        threads = [threading.Thread(target=writer, args=(n,), daemon=True)
                   for n in range(WRITERS)]
        for t in threads:
            t.start()
        time.sleep(WRITE_FOR)
        killed_at = time.monotonic()
        srv.kill()                               # SIGKILL to the supervisor and workers
        stop.set()
        for t in threads:
            t.join(timeout=15)
        assert not any(t.is_alive() for t in threads)
        assert srv.group() == [], "a server process survived SIGKILL"
        assert _refuses(srv.port), "the port still accepts connections after SIGKILL"
    finally:
        srv.stop()

    keys = [k for k, _ in acked]
    print(f"\n[{workers} worker(s)] labels acknowledged before SIGKILL: {len(keys)}; "
          f"in flight, cut off: {sum(broken.values())}; refused: {dict(refused)}")
    assert refused == Counter(), f"non-200 answers while writing: {dict(refused)}"
    assert len(keys) >= 20, "too few labels written to prove anything"
    assert killed_at - max(t for _, t in acked) < 0.5, "writing had stopped before the kill"

    # the database as the killed server left it
    store = Store(db_url)
    try:
        stored = Counter(x.key for x in store.labels(ACCOUNT))
        per_deal = Counter(x.deal_id for x in store.labels(ACCOUNT))
    finally:
        store.engine.dispose()
    twice = [k for k, c in stored.items() if c > 1]
    lost = sorted(set(keys) - set(stored))
    print(f"[{workers} worker(s)] stored: {sum(stored.values())} "
          f"(committed but never acknowledged: {len(set(stored) - set(keys))}); lost: {len(lost)}")
    assert not lost, f"{len(lost)} acknowledged labels lost, e.g. {lost[:5]}"
    assert not twice, f"labels stored twice: {twice[:5]}"

    # the same database serves again
    srv = start(db_url, tmp_path, workers=1, name="restart")
    try:
        deal_id = deal_ids[0]
        r = srv.client.get(f"/v1/deals/{deal_id}/report", headers=bearer(admin))
        assert r.status_code == 200, r.text
        assert len(r.json()["labels"]) == per_deal[deal_id] > 0
        label = {"deal_id": deal_id, "code": "e2e.after", "verdict": "rejected",
                 "key": f"after-restart-{workers}"}
        r = srv.client.post("/v1/labels", json=label, headers=bearer(admin))
        assert r.status_code == 200 and r.json()["stored"] == 1, r.text
        r = srv.client.post("/v1/labels", json=label, headers=bearer(admin))
        assert r.json() == {"stored": 0, "duplicates": 1, "ids": []}
        r = srv.client.get(f"/v1/deals/{deal_id}/report", headers=bearer(admin))
        got = r.json()["labels"]
        assert len(got) == per_deal[deal_id] + 1
        assert (got[-1]["code"], got[-1]["verdict"]) == ("e2e.after", "rejected")
    finally:
        srv.stop()
