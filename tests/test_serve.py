"""`crmqa serve`: the parent deals new connections to the workers in turn, a
worker that dies is started again, and SIGTERM stops them all."""

from __future__ import annotations

import os
import signal
import time
from types import SimpleNamespace

import httpx
import psutil

from .server_support import serving


def workers_of(srv) -> list[psutil.Process]:
    return [p for p in srv.group() if p.pid != srv.proc.pid and "api.serve" in " ".join(p.cmdline())]


def held_per_worker(srv) -> list[int]:
    """ESTABLISHED connections on the server's port, per worker process."""
    counts = []
    for p in workers_of(srv):
        counts.append(sum(1 for c in p.net_connections("tcp")
                          if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == srv.port))
    return sorted(counts)


def hold(srv, n: int) -> list[httpx.Client]:
    """`n` keep-alive connections, each used once (the readiness check's closed)."""
    srv.client.close()
    clients = [httpx.Client(base_url=srv.url, trust_env=False, timeout=60) for _ in range(n)]
    for c in clients:
        assert c.get("/healthz").status_code == 200
    return clients


def held_once_both_ready(srv, deadline: float) -> list[int]:
    """Hold 10 connections until both workers are ready (a restarted one may
    still be loading its models) and return how they were dealt."""
    held = []
    while time.monotonic() < deadline and held != [5, 5]:
        clients = hold(srv, 10)                # answered all along: by the ready one
        held = held_per_worker(srv)            # until the other is ready, then by both
        for c in clients:
            c.close()
        time.sleep(0.3)
    return held


def test_held_connections_are_dealt_evenly_from_the_first(tmp_path):
    """The server accepts only once both workers are ready, so the first
    connections it answers are already split evenly."""
    with serving(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path, workers=2) as srv:
        clients = hold(srv, 10)
        try:
            assert len(workers_of(srv)) == 2
            assert held_per_worker(srv) == [5, 5]
        finally:
            for c in clients:
                c.close()


def test_accepting_waits_for_every_worker_or_a_while_for_one():
    from api.serve import opening

    def pool(*ready):
        return [SimpleNamespace(ready=r) for r in ready]

    assert opening(pool(True, True), started=0, now=0.1)
    assert not opening(pool(True, False), started=0, now=5, wait=30)       # one still loading
    assert opening(pool(True, False), started=0, now=31, wait=30)          # it takes too long
    assert not opening(pool(False, False), started=0, now=99, wait=30)     # nobody to serve


def test_a_killed_worker_is_replaced_and_the_service_goes_on(tmp_path):
    with serving(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path, workers=2) as srv:
        victim = workers_of(srv)[0]
        os.kill(victim.pid, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            alive = [p for p in workers_of(srv) if p.pid != victim.pid]
            if len(alive) == 2:
                break
            time.sleep(0.2)
        assert len([p for p in workers_of(srv) if p.pid != victim.pid]) == 2
        assert held_once_both_ready(srv, deadline) == [5, 5]


def test_the_parent_never_waits_on_a_busy_or_unready_worker():
    import socket

    from api.serve import READY, Worker

    w = Worker.__new__(Worker)
    w.channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    w.channel.setblocking(False)
    w.ready, w.eof, w.proc = False, False, type("P", (), {"poll": lambda self: None})()
    conn = socket.socket()
    try:
        assert not w.hand(conn)                    # not ready yet: skipped
        theirs.send(READY)
        w.heard()
        assert w.ready and w.hand(conn)
        handed = 1
        while w.hand(conn):                        # nobody reads: the channel fills up
            handed += 1
        assert handed > 10 and w.ready             # refused without blocking, still ready
        theirs.close()
        w.heard()
        while w.channel.recv(4096):                # drain what was sent; then the EOF
            pass
        w.heard()
        assert w.eof and not w.ready
    finally:
        conn.close()
        w.channel.close()


def test_sigterm_stops_the_parent_and_every_worker(tmp_path):
    with serving(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path, workers=2) as srv:
        workers = workers_of(srv)
        assert len(workers) == 2
        srv.proc.send_signal(signal.SIGTERM)       # the parent only, as a service manager would
        assert srv.proc.wait(timeout=30) == 0
        gone, alive = psutil.wait_procs(workers, timeout=30)
        assert not alive


def test_db_option_chooses_the_store(tmp_path):
    """`crmqa serve --db URL` (CONTRACT §3) stores where it is told, whatever
    CRMQA_DB_URL says."""
    import subprocess
    import sys

    from api.store import Store

    from .server_support import SECRET, Server, free_port

    url = f"sqlite:///{tmp_path / 'chosen.sqlite'}"
    token = Store(url).create_token("acme", "qa")
    port, log = free_port(), tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRMQA_")}
    env |= {"CRMQA_DB_URL": f"sqlite:///{tmp_path / 'other.sqlite'}", "CRMQA_SECRET": SECRET}
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "crmqa.cli", "serve", "--port", str(port),
                                 "--workers", "1", "--db", url], cwd=tmp_path, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    srv = Server(proc, port, log)
    try:
        srv.wait_ready()
        deal = {"id": "D-db", "manager_id": "m1", "stage": "new", "status": "open",
                "created_at": "2026-11-20T10:00:00+03:00"}
        r = srv.client.post("/v1/deals/score", json=deal,
                            headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        assert Store(url).report("acme", "D-db") is not None
    finally:
        srv.stop()
