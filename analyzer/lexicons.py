"""Lexicons as data: `analyzer/data/<name>.txt`, one entry a line, `#` comments.

A user extends a lexicon by adding `<name>.txt` to a directory named in
`CRMQA_LEXICONS` (paths separated by `:`); its lines are added to ours.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from analyzer.config import DATA_DIR

ENV_VAR = "CRMQA_LEXICONS"


def _read(path: Path) -> list[str]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            out.append(entry)
    return out


def _extra_dirs() -> list[Path]:
    raw = os.environ.get(ENV_VAR, "")
    return [Path(p) for p in raw.split(os.pathsep) if p]


@lru_cache(maxsize=64)
def entries(name: str) -> tuple[str, ...]:
    """All entries of lexicon `name`, packaged first, user's after, deduplicated."""
    paths = [DATA_DIR / f"{name}.txt"] + [d / f"{name}.txt" for d in _extra_dirs()]
    seen: dict[str, None] = {}
    for path in paths:
        if path.exists():
            for entry in _read(path):
                seen.setdefault(entry.replace("ё", "е").replace("Ё", "Е"), None)
    return tuple(seen)


@lru_cache(maxsize=64)
def word_set(name: str) -> frozenset[str]:
    """Single-word entries, lowercased."""
    return frozenset(e.lower() for e in entries(name) if " " not in e)


@lru_cache(maxsize=64)
def phrases(name: str) -> tuple[tuple[str, ...], ...]:
    """Multi-word entries as tuples of lowercased words."""
    return tuple(tuple(e.lower().split()) for e in entries(name) if " " in e)
