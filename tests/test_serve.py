"""`crmqa serve`: the parent deals new connections to the workers in turn, a
worker that dies is started again, and SIGTERM stops them all."""

from __future__ import annotations

import os
import signal
import time

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


def test_held_connections_are_dealt_evenly(tmp_path):
    with serving(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path, workers=2) as srv:
        clients = [httpx.Client(base_url=srv.url, trust_env=False) for _ in range(10)]
        try:
            for c in clients:                      # each a keep-alive connection of its own
                assert c.get("/healthz").status_code == 200
            assert len(workers_of(srv)) == 2
            held = held_per_worker(srv)            # ours and the readiness check's
            assert sum(held) == 11 and held == [5, 6]
        finally:
            for c in clients:
                c.close()


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
        for _ in range(6):                         # fresh connections reach both workers
            with httpx.Client(base_url=srv.url, trust_env=False, timeout=60) as c:
                assert c.get("/healthz").status_code == 200


def test_sigterm_stops_the_parent_and_every_worker(tmp_path):
    with serving(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path, workers=2) as srv:
        workers = workers_of(srv)
        assert len(workers) == 2
        srv.proc.send_signal(signal.SIGTERM)       # the parent only, as a service manager would
        assert srv.proc.wait(timeout=30) == 0
        gone, alive = psutil.wait_procs(workers, timeout=30)
        assert not alive
