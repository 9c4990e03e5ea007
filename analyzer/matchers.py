"""Rule patterns as data: `analyzer/data/patterns/<name>.yaml`, token patterns
per label in spaCy's Matcher notation, matched on our lemmas.

    # patterns/channels.yaml
    telegram:
      - [{LEMMA: телеграм}]
    not_telegram:                        # vetoes an overlapping telegram hit
      - [{LEMMA: телеграм}, {LOWER: "-", OP: "?"}, {LEMMA: {IN: [канал, реклама]}}]

Supported: LEMMA, LOWER and TEXT, each equal to a value or `{IN: [...]}`;
`{}` for any token; `OP: "?"` for an optional token. That subset covers our
rules, and a matcher this small runs in ≈15 µs per comment where spaCy's
Matcher took ≈170 µs here (and spaCy itself ≈1 s and ≈60 MB to load).

Lemmas are pymorphy3's with CRM jargon canonicalised (analyzer/slang.py):
"вацап" → вотсап, "нд" → недозвон.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

import yaml

from analyzer.config import DATA_DIR
from analyzer.nlp import TextView
from analyzer.slang import lemma as canonical

PATTERNS_DIR = DATA_DIR / "patterns"
ATTRS = ("LEMMA", "LOWER", "TEXT")


@dataclass(frozen=True, slots=True)
class Hit:
    label: str
    start: int        # token indexes [start, end)
    end: int


@dataclass(frozen=True, slots=True)
class Step:
    attr: str | None              # None: any token
    values: frozenset[str]
    optional: bool

    def ok(self, tok: tuple[str, str, str]) -> bool:
        return self.attr is None or tok[ATTRS.index(self.attr)] in self.values


def _step(spec: dict) -> Step:
    optional = spec.get("OP") == "?"
    for attr in ATTRS:
        if attr in spec:
            value = spec[attr]
            values = value["IN"] if isinstance(value, dict) else [value]
            return Step(attr, frozenset(str(v) for v in values), optional)
    return Step(None, frozenset(), optional)


@dataclass(frozen=True, eq=False)
class Rules:
    by_first: dict[tuple[str, str], list[tuple[str, tuple[Step, ...]]]]
    anywhere: list[tuple[str, tuple[Step, ...]]]     # patterns starting with an optional/any step
    vetoes: frozenset[str] = frozenset()              # labels that veto others: not_<label>


@lru_cache(maxsize=16)
def rules(name: str) -> Rules:
    table = yaml.safe_load((PATTERNS_DIR / f"{name}.yaml").read_text(encoding="utf-8")) or {}
    return compile_table(table)


def _expansions(steps: tuple[Step, ...]) -> list[tuple[Step, ...]]:
    """Every fixed-length pattern an optional-step pattern stands for (each
    optional step kept or left out): matching then needs no backtracking."""
    out: list[tuple[Step, ...]] = [()]
    for step in steps:
        fixed = Step(step.attr, step.values, False)
        out = [p + (fixed,) for p in out] + (out if step.optional else [])
    return [p for p in out if p]


def compile_table(table: dict[str, list]) -> Rules:
    """Rules from {label: [pattern, …]} (the script's steps, a patterns file)."""
    by_first: dict[tuple[str, str], list] = defaultdict(list)
    anywhere = []
    for label, patterns in table.items():
        for pattern in patterns:
            for steps in _expansions(tuple(_step(s) for s in pattern)):
                first = steps[0]
                if first.attr is None:
                    anywhere.append((label, steps))
                else:
                    for value in first.values:
                        by_first[(first.attr, value)].append((label, steps))
    labels = set(table)
    vetoes = frozenset(x for x in labels
                       if x.startswith("not_") and (x[4:] in labels or x == "not_any"))
    return Rules(dict(by_first), anywhere, vetoes)


def token_keys(view: TextView) -> list[tuple[str, str, str]]:
    """(LEMMA, LOWER, TEXT) per token."""
    out = []
    for t in view.tokens:
        low = t.lower
        out.append((canonical(low) if t.is_word else low, low, t.text))
    return out


def _extend(steps: tuple[Step, ...], toks: list, i: int) -> int | None:
    """End index if the steps match from token i (optional steps may be skipped)."""
    if not any(step.optional for step in steps):
        end = i + len(steps)
        if end > len(toks):
            return None
        for k, step in enumerate(steps):
            if not step.ok(toks[i + k]):
                return None
        return end
    if not steps:
        return i
    step, rest = steps[0], steps[1:]
    if i < len(toks) and step.ok(toks[i]):
        end = _extend(rest, toks, i + 1)
        if end is not None:
            return end
    return _extend(rest, toks, i) if step.optional else None


@lru_cache(maxsize=16)
def _split(r: Rules) -> tuple[dict, dict, dict]:
    """The first-step index split per attribute, keyed by plain strings, each
    entry with its fixed-pattern plan (hashing the steps on every token cost
    more than matching them)."""
    parts: tuple[dict, dict, dict] = ({}, {}, {})
    for (attr, value), entries in r.by_first.items():
        parts[ATTRS.index(attr)][value] = [(label, steps, _plan(steps))
                                           for label, steps in entries]
    return parts


@lru_cache(maxsize=8192)
def _plan(steps: tuple[Step, ...]) -> tuple[tuple[int, frozenset[str]], ...] | None:
    """A fixed pattern as (attribute index or -1 for any token, values) pairs
    after its first step (which the index already matched); None: `_extend`."""
    if any(s.optional for s in steps) or steps[0].attr is None:
        return None
    return tuple((ATTRS.index(s.attr) if s.attr else -1, s.values) for s in steps[1:])


def _raw(toks: list, r: Rules) -> list[Hit]:
    out = []
    size = len(toks)
    by_lemma, by_lower, by_text = _split(r)
    for i, (lemma, low, text) in enumerate(toks):
        candidates = by_lemma.get(lemma, ())
        if low in by_lower:
            candidates = [*candidates, *by_lower[low]]
        if text in by_text:
            candidates = [*candidates, *by_text[text]]
        if r.anywhere:
            candidates = [*candidates, *((label, steps, _plan(steps)) for label, steps in r.anywhere)]
        for label, steps, plan in candidates:
            if plan is None:
                end = _extend(steps, toks, i)
                if end is not None and end > i:
                    out.append(Hit(label, i, end))
                continue
            end = i + 1 + len(plan)
            if end <= size and all(a < 0 or toks[i + 1 + k][a] in vals
                                   for k, (a, vals) in enumerate(plan)):
                out.append(Hit(label, i, end))
    return out


@lru_cache(maxsize=8)
def _union(names: tuple[str, ...]) -> Rules:
    """Several rule files as one index, labels prefixed "file:label"."""
    by_first: dict[tuple[str, str], list] = defaultdict(list)
    anywhere = []
    for name in names:
        r = rules(name)
        for key, entries in r.by_first.items():
            by_first[key] += [(f"{name}:{label}", steps) for label, steps in entries]
        anywhere += [(f"{name}:{label}", steps) for label, steps in r.anywhere]
    vetoes = frozenset(f"{name}:{v}" for name in names for v in rules(name).vetoes)
    return Rules(dict(by_first), anywhere, vetoes)


def hits_many(view: TextView, names: tuple[str, ...], toks: list | None = None
              ) -> dict[str, list[Hit]]:
    """`hits` for several rule files in one pass over the tokens."""
    raw = _raw(toks if toks is not None else token_keys(view), _union(names))
    grouped: dict[str, list[Hit]] = {name: [] for name in names}
    for h in raw:
        name, label = h.label.split(":", 1)
        grouped[name].append(Hit(label, h.start, h.end))
    return {name: _resolve(found, rules(name).vetoes) for name, found in grouped.items()}


def hits(view: TextView, name: str | Rules, toks: list | None = None) -> list[Hit]:
    """Longest non-overlapping hits per label, minus those a `not_` label vetoes."""
    compiled = rules(name) if isinstance(name, str) else name
    return _resolve(_raw(toks if toks is not None else token_keys(view), compiled),
                    compiled.vetoes)


def _resolve(raw: list[Hit], veto_labels: frozenset[str]) -> list[Hit]:
    vetoes = [h for h in raw if h.label in veto_labels]
    kept: list[Hit] = []
    for h in sorted((h for h in raw if h.label not in veto_labels),
                    key=lambda h: (h.start, -(h.end - h.start))):
        vetoed = any(v.label in (f"not_{h.label}", "not_any")
                     for v in vetoes if v.start < h.end and h.start < v.end)
        overlaps = any(k.label == h.label and k.start < h.end and h.start < k.end for k in kept)
        if not vetoed and not overlaps:
            kept.append(h)
    return kept
