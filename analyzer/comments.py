"""What one manager comment says: slots, channels, dates, off-channel and
disrespect evidence — computed once per text and shared by every check.

    a = analyze("нд 2р, скинул КП в вотсап, перезв. завтра 11:00")
    a.elements  -> {"action": True, "result": False, "next_step": True, "date": True}
    a.channels  -> ["phone", "whatsapp"]

Rules live in data (patterns/*.yaml, comment_slots.yaml, slang.yaml); the
learned parts (completeness, off-channel and disrespect classifiers) read the
`features()` of an analysis, so training and inference see the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import yaml

from analyzer import dates, insults
from analyzer.config import DATA_DIR
from analyzer.matchers import Hit, hits_many
from analyzer.nlp import TextView, view, word_info
from analyzer.slang import lemma as canonical

MAX_CHARS = 5_000          # a longer comment is analysed up to here, and says so
SLOTS = ("action", "result", "next_step", "date")
RULE_FILES = ("channels", "off_channel", "disrespect")
PLANNED = {"INFN", "futr", "impr"}


@dataclass(slots=True)
class Evidence:
    start: int            # character span in the comment
    end: int
    text: str
    rule: str


@dataclass(slots=True)
class CommentAnalysis:
    view: TextView
    keys: list[tuple[str, str, str]]
    records: list            # Word per token (None for punctuation)
    elements: dict[str, bool]
    channels: list[str]
    channel_hits: list[Hit]
    dates: list[dates.DateMention]
    off_channel: list[Evidence] = field(default_factory=list)
    official: list[Evidence] = field(default_factory=list)     # company channels named
    disrespect: list[Evidence] = field(default_factory=list)
    _features: dict[str, float] | None = None
    _scores: dict | None = None              # the learned models' outputs (models/comments.py)
    _derived: dict = field(default_factory=dict)     # see `derived`

    @property
    def features(self) -> dict[str, float]:
        if self._features is None:
            self._features = features(self)
        return self._features

    @property
    def truncated(self) -> bool:
        return self.view.truncated

    def derived(self, key: str, compute: Callable[[CommentAnalysis], Any]) -> Any:
        """`compute(self)`, once per analysis: analyses are cached and shared by
        every deal that has the text (the cache is emptied when models change)."""
        try:
            return self._derived[key]
        except KeyError:
            value = self._derived[key] = compute(self)
            return value

    def span(self, hit: Hit) -> Evidence:
        start, end = self.view.tokens[hit.start].start, self.view.tokens[hit.end - 1].end
        return Evidence(start, end, self.view.quote(start, end), hit.label)


@lru_cache(maxsize=1)
def slot_words() -> dict[str, frozenset[str]]:
    table = yaml.safe_load((DATA_DIR / "comment_slots.yaml").read_text(encoding="utf-8"))
    return {k: frozenset(v) for k, v in table.items()}


@dataclass(frozen=True, slots=True)
class Word:
    """Everything comment analysis needs of one lowercase word form, computed
    once per form: its canonical lemma, what slot it fills, its model features."""

    lemma: str
    action: bool
    result: bool
    next_step: bool
    feats: tuple[str, ...]
    insult: bool              # may take part in an insult-lexicon hit


@lru_cache(maxsize=131_072)
def word(low: str) -> Word:
    words = slot_words()
    lemma = canonical(low)
    grams = word_info(low).grams
    next_step = low in words["next_forms"] or lemma in words["next_marker"]
    action = False
    if low not in words["next_forms"]:
        if lemma in words["activity_verbs"]:
            next_step, action = next_step or bool(grams & PLANNED), not grams & PLANNED
        elif lemma in words["activity_nouns"] or lemma == "недозвон":
            action = True
    return Word(lemma, action, lemma in words["result"], next_step,
                ("w=" + lemma, "p=" + low[:4], "s=" + low[-3:]), insults.may_hit(low))


def _slots(records: list, found_dates: list) -> dict[str, bool]:
    present = [r for r in records if r is not None]
    return {"action": any(r.action for r in present), "result": any(r.result for r in present),
            "next_step": any(r.next_step for r in present), "date": bool(found_dates)}


def _insult_evidence(a: CommentAnalysis) -> list[Evidence]:
    """Lexicon insults about the client (not quotes of the client about us)."""
    out = []
    if not any(r is not None and r.insult for r in a.records):
        return out
    for hit in insults.find(a.view.tokens):
        if hit.entry.endswith(("ть", "ться", "ти")):
            continue       # "клиент грубил", "врёт": a report of behaviour, not a label
        ev = a.span(Hit("insult", hit.first, hit.last + 1))
        if not _quoting_about_us(a, hit.first):
            out.append(Evidence(ev.start, ev.end, ev.text, hit.entry))
    return out


_SPEECH = frozenset({"сказать", "говорить", "назвать", "обозвать", "кричать", "орать",
                     "заявить", "написать", "ругаться"})
_US = frozenset({"мы", "нас", "нам", "нами", "вы", "вас", "вам", "менеджер", "компания", "я",
                 "меня", "мне"})


def _quoting_about_us(a: CommentAnalysis, i: int) -> bool:
    """"сказал что мы все идиоты": the insult is the client's, about us."""
    window = a.keys[max(0, i - 6):i + 1]
    lemmas = {k[0] for k in window} | {k[1] for k in window}
    return bool(lemmas & _SPEECH) and bool(lemmas & _US)


def analyze_once(text: str | None, today: date | None = None) -> CommentAnalysis:
    """`analyze` without the cache, for a text seen once (`crmqa comments`):
    4,096 cached analyses are ~10⁶ live objects the garbage collector walks."""
    v = view(text, limit=MAX_CHARS)
    records = [word(t.lower) if t.is_word else None for t in v.tokens]
    keys = [(r.lemma if r else t.lower, t.lower, t.text) for t, r in zip(v.tokens, records,
                                                                       strict=True)]
    found_dates = dates.find(v.text, today)
    found = hits_many(v, RULE_FILES, keys)
    channel_hits = found["channels"]
    a = CommentAnalysis(view=v, keys=keys, records=records,
                        elements=_slots(records, found_dates),
                        channels=sorted({h.label for h in channel_hits}),
                        channel_hits=channel_hits, dates=found_dates)
    a.off_channel = [a.span(h) for h in found["off_channel"]]
    a.official = [e for e in a.off_channel if e.rule.startswith("company_")]
    a.off_channel = [e for e in a.off_channel if not e.rule.startswith("company_")]
    a.disrespect = _insult_evidence(a) + [a.span(h) for h in found["disrespect"]]
    return a


@lru_cache(maxsize=4_096)
def analyze(text: str | None, today: date | None = None) -> CommentAnalysis:
    """The analysis of a comment, cached: a deal's checks and its analytics
    read the same comments."""
    return analyze_once(text, today)


def comment_level_features(a: CommentAnalysis) -> list[str]:
    """The features that depend on the whole comment, not on one word."""
    out = [f"slot={k}" for k, on in a.elements.items() if on]
    out.append(f"slots={sum(a.elements.values())}")
    out += [f"chan={c}" for c in a.channels]
    out += [f"date={d.kind}" for d in a.dates]
    out += [f"off={e.rule}" for e in a.off_channel + a.official]
    if a.disrespect:
        out.append("rude")
    words = [r for r in a.records if r is not None]
    out.append(f"len={min(len(words), 40) // 5}")
    out += [f"b={p.lemma}_{r.lemma}" for p, r in zip(words, words[1:], strict=False)]
    return out


def features(a: CommentAnalysis) -> dict[str, float]:
    """What the learned models see: slots, rule hits, dates, length and lemma
    bigrams (binary), and per word its lemma, first four letters (stems,
    jargon, typos) and last three (tense, person, case), counted."""
    f = dict.fromkeys(comment_level_features(a), 1.0)
    for r in a.records:
        if r is not None:
            for name in r.feats:
                f[name] = f.get(name, 0.0) + 1.0
    return f
