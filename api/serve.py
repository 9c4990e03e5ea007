"""`crmqa serve`: worker processes behind one listening socket, connections
dealt to them in turn.

    serve("127.0.0.1", 8000, workers=2)

The parent process only accepts: each new connection is passed (its file
descriptor, over a Unix socket) to the next ready worker in turn, as Node's
cluster module does. With a shared listening socket the kernel gives a burst
of new connections to whichever worker wakes first (32 held connections were
seen split 20/12 and 30/2), and a keep-alive connection stays where it landed,
so one worker queues more requests than the other for as long as the clients
stay connected. Dealt in turn, the split is even.

A worker says "ready" on its channel once its models are loaded and gets
connections only from then on; one that is busy (its channel full) is skipped
for that connection. At start, the parent accepts only once every worker is
ready (or STARTUP_WAIT seconds have passed with one ready): otherwise the
first clients' connections all go to the first worker up and stay there. A worker that dies is started again, after a pause that
grows while it keeps dying. SIGTERM or SIGINT to the parent stops accepting and
stops the workers, each finishing the requests it holds.

Workers run uvicorn with the standard asyncio loop by default: it answers the
requests of a round in the order they came (measured: p99 1.1x the median on
one worker under a closed loop, against 2x with uvloop).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import selectors
import signal
import socket
import subprocess
import sys
import time

import uvicorn

log = logging.getLogger("crmqa.serve")
APP = "api.app:app"
READY = b"r"
MAX_PAUSE = 30.0          # seconds between restarts of a worker that keeps dying
STARTUP_WAIT = 30.0       # at most this long for every worker before accepting with those ready


class Worker:
    """One worker process and the parent's end of its channel."""

    def __init__(self, loop: str, log_level: str, app: str = APP, failures: int = 0):
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        parent_end.setblocking(False)
        self.channel, self.ready, self.eof, self.failures = parent_end, False, False, failures
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "api.serve", str(child_end.fileno()), loop, log_level, app],
            pass_fds=[child_end.fileno()])
        child_end.close()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def heard(self) -> None:
        """The worker wrote on its channel: "ready" (or it closed it)."""
        try:
            data = self.channel.recv(16)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        self.eof = not data
        self.ready = data.endswith(READY) and self.alive()

    def hand(self, conn: socket.socket) -> bool:
        """Pass `conn` on; False if the worker cannot take it now (busy or gone)."""
        if not self.ready:
            return False
        try:
            socket.send_fds(self.channel, [b"c"], [conn.fileno()])
            return True
        except BlockingIOError:
            return False
        except OSError:
            self.ready = False
            return False

    def stop(self) -> None:
        self.ready = False
        self.channel.close()
        if self.alive():
            self.proc.terminate()


def opening(pool: list[Worker], started: float, now: float, wait: float = STARTUP_WAIT) -> bool:
    """Whether to start accepting: every worker is ready, or `wait` has passed
    since start and one is."""
    ready = [w.ready for w in pool]
    return all(ready) or (any(ready) and now - started >= wait)


def _pause(failures: int) -> float:
    return 0.0 if failures == 0 else min(MAX_PAUSE, 0.5 * 2 ** (failures - 1))


def serve(host: str, port: int, workers: int = 2, loop: str = "asyncio",
          log_level: str = "warning", app: str = APP, ready=None) -> None:
    """Accept on host:port and deal connections to `workers` processes until
    SIGTERM or SIGINT; `ready(port)` is called once listening (tests, port 0)."""
    if workers < 1:
        raise ValueError("workers must be at least 1")
    listener = socket.create_server((host, port), backlog=2048)
    listener.setblocking(False)
    pool = [Worker(loop, log_level, app) for _ in range(workers)]
    stopping: list[int] = []
    previous = {s: signal.signal(s, lambda sig, _: stopping.append(sig))
                for s in (signal.SIGTERM, signal.SIGINT)}
    if ready:
        ready(listener.getsockname()[1])
    try:
        _deal(listener, pool, stopping, lambda failures: Worker(loop, log_level, app, failures))
    finally:
        listener.close()
        _stop_all(pool)
        for s, h in previous.items():
            signal.signal(s, h)


def _deal(listener: socket.socket, pool: list[Worker], stopping: list, restart,
          backlog: int = 1024) -> None:
    """Accept and deal until stopped. Connections no worker can take yet wait
    here (up to `backlog`; beyond that they wait in the kernel's queue)."""
    turn, waiting, started, opened = 0, [], time.monotonic(), False
    with selectors.DefaultSelector() as sel:
        for w in pool:
            sel.register(w.channel, selectors.EVENT_READ, w)
        while not stopping:
            for i, w in enumerate(pool):            # a dead worker is started again
                if not w.alive() and time.monotonic() - w.started >= _pause(w.failures):
                    log.warning("worker exited with code %s; starting another", w.proc.returncode)
                    _forget(sel, w.channel)
                    w.stop()
                    quick = time.monotonic() - w.started < 60
                    pool[i] = restart(w.failures + 1 if quick else 0)
                    sel.register(pool[i].channel, selectors.EVENT_READ, pool[i])
            opened = opened or opening(pool, started, time.monotonic())
            _listen(sel, listener, opened and len(waiting) < backlog)
            for key, _ in sel.select(timeout=0.05 if waiting else 0.5):
                if key.data is not None:
                    key.data.heard()
                    if key.data.eof:                # it closed its channel: stop watching it
                        _forget(sel, key.fileobj)
                else:
                    try:
                        waiting.append(listener.accept()[0])
                    except OSError:                 # aborted before we took it, fd limits
                        pass
            while waiting:
                for _ in range(len(pool)):
                    turn = (turn + 1) % len(pool)
                    if pool[turn].hand(waiting[0]):
                        waiting.pop(0).close()
                        break
                else:
                    break                           # nobody free: wait for a worker
    for conn in waiting:
        conn.close()


def _listen(sel: selectors.BaseSelector, listener: socket.socket, on: bool) -> None:
    registered = listener in (k.fileobj for k in sel.get_map().values())
    if on and not registered:
        sel.register(listener, selectors.EVENT_READ)
    elif not on and registered:
        sel.unregister(listener)


def _forget(sel: selectors.BaseSelector, channel: socket.socket) -> None:
    try:
        sel.unregister(channel)
    except (KeyError, ValueError):
        pass


def _stop_all(pool: list[Worker]) -> None:
    for w in pool:
        w.stop()
    deadline = time.monotonic() + 30
    for w in pool:
        try:
            w.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            w.proc.kill()
            w.proc.wait()


class DealtServer(uvicorn.Server):
    """A uvicorn server that listens on nothing: its connections come over
    `channel` from the parent."""

    def __init__(self, config: uvicorn.Config, channel: socket.socket):
        super().__init__(config)
        self.channel = channel

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets=[])
        if self.should_exit:
            return
        loop = asyncio.get_running_loop()
        protocol = functools.partial(self.config.http_protocol_class, config=self.config,
                                     server_state=self.server_state,
                                     app_state=self.lifespan.state)
        self.channel.setblocking(False)
        loop.add_reader(self.channel.fileno(), self._take, loop, protocol)
        self.channel.send(READY)

    async def shutdown(self, sockets=None) -> None:
        """No new connections from the parent, then uvicorn's graceful shutdown."""
        self._close_channel()
        await super().shutdown(sockets=sockets)

    def _close_channel(self) -> None:
        if self.channel.fileno() >= 0:
            asyncio.get_running_loop().remove_reader(self.channel.fileno())
            self.channel.close()

    def _take(self, loop: asyncio.AbstractEventLoop, protocol) -> None:
        try:
            data, fds, _, _ = socket.recv_fds(self.channel, 1, 1)
        except BlockingIOError:
            return
        except OSError:
            data, fds = b"", []
        if not data:                                # the parent is gone: finish and exit
            self._close_channel()
            self.should_exit = True
            return
        for fd in fds:
            sock = socket.socket(fileno=fd)
            sock.setblocking(False)
            task = loop.create_task(loop.connect_accepted_socket(protocol, sock))
            self.server_state.tasks.add(task)
            task.add_done_callback(self.server_state.tasks.discard)


def worker_main(fd: int, loop: str, log_level: str, app: str) -> None:
    config = uvicorn.Config(app, loop=loop, http="httptools", lifespan="on",
                            log_level=log_level, access_log=False)
    DealtServer(config, socket.socket(fileno=fd)).run()


if __name__ == "__main__":
    worker_main(int(sys.argv[1]), *sys.argv[2:5])
