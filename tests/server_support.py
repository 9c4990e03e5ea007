"""A real crmqa server for end-to-end tests: `crmqa serve` (uvicorn) in its own
process group on 127.0.0.1, a free port, the caller's database.

    with serving(db_url, tmp_path, workers=1) as srv:
        srv.client.get("/healthz")
        srv.kill()                   # SIGKILL to every uvicorn process
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil

from .conftest import NOW

SECRET = "e2e-test-secret"
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, proc: subprocess.Popen, port: int, log: Path):
        self.proc, self.port, self.log = proc, port, log
        self.url = f"http://127.0.0.1:{port}"
        # trust_env=False: no proxy from the environment, only 127.0.0.1
        self.client = httpx.Client(base_url=self.url, timeout=30, trust_env=False)

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"the server exited with {self.proc.returncode}:\n"
                                   f"{self.output()}")
            try:
                if self.client.get("/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"no /healthz within {timeout:.0f} s:\n{self.output()}")

    def _signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)        # the group is the server's own session

    def group(self) -> list[psutil.Process]:
        """The live (not zombie) processes of the server's process group."""
        out = []
        for p in psutil.process_iter(["status"]):
            try:
                if os.getpgid(p.pid) == self.proc.pid and p.info["status"] != psutil.STATUS_ZOMBIE:
                    out.append(p)
            except (ProcessLookupError, psutil.Error):
                continue
        return out

    def kill(self) -> None:
        """SIGKILL to the whole process group: the supervisor and every worker;
        returns once none of them runs (a worker may outlive the supervisor's
        reaping by a few milliseconds, holding the listening socket)."""
        self._signal_group(signal.SIGKILL)
        self.proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while self.group() and time.monotonic() < deadline:
            time.sleep(0.02)

    def stop(self) -> None:
        if self.alive():
            self._signal_group(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self._signal_group(signal.SIGKILL)    # stragglers (workers) of a stopped supervisor
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        self.client.close()


def start(db_url: str, workdir: Path, workers: int = 1, env: dict | None = None,
          name: str = "server") -> Server:
    """Start `crmqa serve` and wait for /healthz."""
    port = free_port()
    log = workdir / f"{name}-{port}.log"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CRMQA_")}
    environ |= {"CRMQA_DB_URL": db_url, "CRMQA_SECRET": SECRET, "CRMQA_NOW": NOW.isoformat(),
                "PYTHONUNBUFFERED": "1", **(env or {})}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from crmqa.cli import main; main()", "serve",
             "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            cwd=workdir, env=environ, stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True)
    srv = Server(proc, port, log)
    try:
        srv.wait_ready()
    except BaseException:
        srv.stop()
        raise
    return srv


@contextlib.contextmanager
def serving(db_url: str, workdir: Path, workers: int = 1, env: dict | None = None,
            name: str = "server") -> Iterator[Server]:
    srv = start(db_url, workdir, workers, env, name)
    try:
        yield srv
    finally:
        srv.stop()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
