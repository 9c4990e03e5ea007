"""Group commit: the writes of the requests one worker handles in the same
event-loop round go to the database in one transaction.

    commits = GroupCommit(store.put_scored_many)
    await commits.put((account, scored, scored_at, models))   # returns once committed

A request is answered only after its write is committed, as before; what the
group saves is the per-transaction cost (a commit, the WAL pages every
transaction rewrites, the lock the workers take turns on), which under load
was a third of the cost of scoring a deal. Should the group's transaction
fail on a bad write, each write is retried alone, so that write fails only its
own request; a failure `retry_alone` declines (the database locked or gone)
fails the group at once instead of stalling the worker once per write.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


class GroupCommit:
    def __init__(self, write_many: Callable[[list], Any],
                 retry_alone: Callable[[Exception], bool] = lambda exc: True):
        self._write_many, self._retry_alone = write_many, retry_alone
        self._pending: list[tuple[Any, asyncio.Future]] = []

    async def put(self, item: Any) -> None:
        """Queue `item`; return when it is committed (raise what its write raised)."""
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        if not self._pending:              # the first of a round: flush after the round
            loop.call_soon(self._flush)
        self._pending.append((item, done))
        await done

    def _flush(self) -> None:
        group, self._pending = self._pending, []
        try:
            self._write_many([item for item, _ in group])
        except Exception as exc:
            if len(group) == 1 or not self._retry_alone(exc):
                for _, done in group:
                    _settle(done, exc)
                return
            for item, done in group:       # alone, so one bad write fails only its own request
                try:
                    self._write_many([item])
                except Exception as alone:
                    _settle(done, alone)
                else:
                    _settle(done, None)
            return
        for _, done in group:
            _settle(done, None)


def _settle(done: asyncio.Future, exc: BaseException | None) -> None:
    if done.done():                        # the request was cancelled (client gone)
        return
    if exc is None:
        done.set_result(None)
    else:
        done.set_exception(exc)
