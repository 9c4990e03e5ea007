"""Canonical lemmas for CRM jargon and messenger spellings (data/slang.yaml):
"вацап", "вотсапе", "WA" → вотсап; "нд", "НД2" → недозвон; "перезв" → перезвонить."""

from __future__ import annotations

import re
from functools import lru_cache

import yaml

from analyzer.config import DATA_DIR
from analyzer.nlp import word_info


@lru_cache(maxsize=1)
def _rules() -> tuple[re.Pattern, list[str]]:
    """All spellings in one alternation; group k names canonical lemma k."""
    table = yaml.safe_load((DATA_DIR / "slang.yaml").read_text(encoding="utf-8")) or {}
    canons = list(table)
    alternatives = [f"(?P<g{k}>{'|'.join(f'(?:{rx})' for rx in table[c])})"
                    for k, c in enumerate(canons)]
    return re.compile("|".join(alternatives)), canons


@lru_cache(maxsize=131_072)
def lemma(word: str) -> str:
    """The canonical lemma of a lowercase word form."""
    rx, canons = _rules()
    m = rx.fullmatch(word)
    if m:
        return canons[int(m.lastgroup[1:])]
    return word_info(word).lemma
