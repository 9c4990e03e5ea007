"""Streaming JSON Lines in, JSON Lines out, in chunks over all cores.

A line that cannot be used (not JSON, not an object, fails validation) becomes
a `LineError` with its line number and a reason that quotes no input values
(they hold personal data); every other line is processed.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from pydantic import ValidationError

from analyzer.schema import explain

CHUNK = 256


class Rejected(ValueError):
    """A line we cannot use; its message names the problem, never the values."""


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    reason: str

    def render(self) -> str:
        return f"строка {self.line}: {self.reason}"


def numbered(stream: Iterable[str | bytes], start: int = 1) -> Iterator[tuple[int, str]]:
    """(line number, text) for every non-blank line. Bytes that are not UTF-8
    survive as surrogate escapes, so the line is reported, not silently garbled;
    a byte-order mark on the first line is dropped."""
    for n, raw in enumerate(stream, start):
        text = raw.decode("utf-8", errors="surrogateescape") if isinstance(raw, bytes) else raw
        if n == start:
            text = text.removeprefix("\ufeff")
        if text.strip():
            yield n, text


_BAD_BYTES = re.compile("[\udc80-\udcff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _mend_surrogates(value: Any) -> Any:
    """Lone UTF-16 halves ("\\ud83d" of a cut emoji) become U+FFFD."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list):
        return [_mend_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_mend_surrogates(k): _mend_surrogates(v) for k, v in value.items()}
    return value


def load_object(line: str) -> dict:
    """Parse one JSON line that must hold an object; Rejected otherwise."""
    if _BAD_BYTES.search(line):
        raise Rejected("строка не в кодировке UTF-8")
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise Rejected(f"не JSON ({exc.msg}, позиция {exc.pos})") from None
    except RecursionError:
        raise Rejected("не JSON (слишком глубокая вложенность)") from None
    if not isinstance(obj, dict):
        raise Rejected(f"ожидался JSON-объект, получен {type(obj).__name__}")
    return _mend_surrogates(obj) if _SURROGATE_ESCAPE.search(line) else obj


def validate(model, obj: dict):
    """`model.model_validate(obj)` with a one-line reason on failure."""
    try:
        return model.model_validate(obj)
    except ValidationError as exc:
        raise Rejected(explain(exc)) from None


def process_chunk(fn: Callable[[dict], Any], chunk: list[tuple[int, str]]) -> list:
    """Apply `fn` to each parsed line; a failing line yields a LineError."""
    out: list = []
    for n, line in chunk:
        try:
            out.append(fn(line if isinstance(line, dict) else load_object(line)))
        except Rejected as exc:
            out.append(LineError(n, str(exc)))
        except Exception as exc:  # a bug must not cost the rest of the batch (nor leak values)
            out.append(LineError(n, f"внутренняя ошибка {type(exc).__name__}"))
    return out


def chunks(lines: Iterable[tuple[int, str]], size: int = CHUNK) -> Iterator[list]:
    it = iter(lines)
    while chunk := list(islice(it, size)):
        yield chunk


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)


def run(fn: Callable[[dict], Any], lines: Iterable[tuple[int, str]], jobs: int = 1,
        chunk: int = CHUNK) -> Iterator[Any]:
    """Results (or LineErrors) in input order, over `jobs` processes (1: in-process).

    On Linux the workers are forked, so they start with the parent's loaded
    models and warm caches; elsewhere, or with CRMQA_BACKEND=loky|dask, joblib
    runs them (its Dask backend spreads a batch over a cluster)."""
    if jobs <= 1:
        for part in chunks(lines, chunk):
            yield from process_chunk(fn, part)
        return
    backend = os.environ.get("CRMQA_BACKEND", "fork")
    if backend == "fork" and "fork" in mp.get_all_start_methods():
        yield from _forked(fn, lines, jobs, chunk)
        return
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=jobs, backend=None if backend == "fork" else backend,
                        return_as="generator", pre_dispatch="2*n_jobs")
    for result in parallel(delayed(process_chunk)(fn, part) for part in chunks(lines, chunk)):
        yield from result


def _forked(fn, lines, jobs: int, chunk: int) -> Iterator[Any]:
    """Ordered results with at most 2×jobs chunks in flight (bounded memory)."""
    with mp.get_context("fork").Pool(jobs) as pool:
        window: deque = deque()
        for part in chunks(lines, chunk):
            window.append(pool.apply_async(process_chunk, (fn, part)))
            if len(window) >= 2 * jobs:
                yield from window.popleft().get()
        while window:
            yield from window.popleft().get()
