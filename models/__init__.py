"""Learned components and their versioned artifacts (see `store`).

A long-running process (the API) calls `reload_if_changed()` before using the
models: after a promotion or rollback every cached model is dropped and the
newly active versions load on first use.
"""

from __future__ import annotations

import time

CHECK_EVERY = 0.5         # seconds between looks at the artifacts directory
_seen: int | None = None
_looked: tuple[float, int] = (float("-inf"), -1)     # when, and this process's writes then


def reload() -> None:
    """Forget every loaded model (the next use loads the active versions)."""
    from analyzer import comments as analyses
    from analyzer import conversation
    from models import comments, nickname, risk, steps, store

    store.load.cache_clear()
    analyses.analyze.cache_clear()          # cached analyses carry the old models' scores
    conversation._ANALYSED.clear()
    for fn in (comments.compiled, comments.stacked, comments._word_vector, nickname._model,
               nickname._probability, risk.model, steps.model):
        fn.cache_clear()


def reload_if_changed() -> bool:
    """True (and the models reloaded) when the artifacts changed since the last
    call. The directory is looked at once per CHECK_EVERY seconds (a stat per
    request was 2% of scoring one): a promotion by another process is served
    within that; one made in this process, at once."""
    global _seen, _looked
    from models import store

    clock = time.monotonic()
    if clock - _looked[0] < CHECK_EVERY and _looked[1] == store.local_writes:
        return False
    _looked = (clock, store.local_writes)
    now = store.generation()
    if _seen is None:
        _seen = now
        return False
    if now == _seen:
        return False
    _seen = now
    reload()
    return True
