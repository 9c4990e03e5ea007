"""Canonical lemmas for CRM jargon and messenger spellings (data/slang.yaml):
"вацап", "вотсапе", "WA" → вотсап; "нд", "НД2" → недозвон; "перезв" → перезвонить."""

from __future__ import annotations

import re
from functools import lru_cache

import yaml

from analyzer.config import DATA_DIR
from analyzer.nlp import word_info


@lru_cache(maxsize=1)
def _rules() -> list[tuple[re.Pattern, str]]:
    table = yaml.safe_load((DATA_DIR / "slang.yaml").read_text(encoding="utf-8")) or {}
    return [(re.compile(rx), canon) for canon, rxs in table.items() for rx in rxs]


@lru_cache(maxsize=131_072)
def lemma(word: str) -> str:
    """The canonical lemma of a lowercase word form."""
    for rx, canon in _rules():
        if rx.fullmatch(word):
            return canon
    return word_info(word).lemma
