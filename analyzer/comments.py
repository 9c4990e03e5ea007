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

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import yaml

from analyzer import dates, insults
from analyzer.config import DATA_DIR
from analyzer.matchers import Hit, hits_many, token_keys
from analyzer.nlp import TextView, view

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
    elements: dict[str, bool]
    channels: list[str]
    channel_hits: list[Hit]
    dates: list[dates.DateMention]
    off_channel: list[Evidence] = field(default_factory=list)
    official: list[Evidence] = field(default_factory=list)     # company channels named
    disrespect: list[Evidence] = field(default_factory=list)
    _features: dict[str, float] | None = None
    _scores: dict | None = None              # the learned models' outputs (models/comments.py)

    @property
    def features(self) -> dict[str, float]:
        if self._features is None:
            self._features = features(self)
        return self._features

    @property
    def truncated(self) -> bool:
        return self.view.truncated

    def span(self, hit: Hit) -> Evidence:
        start, end = self.view.tokens[hit.start].start, self.view.tokens[hit.end - 1].end
        return Evidence(start, end, self.view.quote(start, end), hit.label)


@lru_cache(maxsize=1)
def slot_words() -> dict[str, frozenset[str]]:
    table = yaml.safe_load((DATA_DIR / "comment_slots.yaml").read_text(encoding="utf-8"))
    return {k: frozenset(v) for k, v in table.items()}


def _slots(v: TextView, keys: list, found_dates: list) -> dict[str, bool]:
    words = slot_words()
    action = next_step = result = False
    for tok, (lemma, low, _text) in zip(v.tokens, keys, strict=True):
        if not tok.is_word:
            continue
        grams = tok.info.grams
        if low in words["next_forms"]:
            next_step = True
        elif lemma in words["activity_verbs"]:
            if grams & PLANNED:
                next_step = True
            else:
                action = True
        elif lemma in words["activity_nouns"] or lemma == "недозвон":
            action = True
        if lemma in words["next_marker"]:
            next_step = True
        if lemma in words["result"]:
            result = True
    return {"action": action, "result": result, "next_step": next_step,
            "date": bool(found_dates)}


def _insult_evidence(a: CommentAnalysis) -> list[Evidence]:
    """Lexicon insults about the client (not quotes of the client about us)."""
    out = []
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


@lru_cache(maxsize=4_096)
def analyze(text: str | None, today: date | None = None) -> CommentAnalysis:
    v = view(text, limit=MAX_CHARS)
    keys = token_keys(v)
    found_dates = dates.find(v.text, today)
    found = hits_many(v, RULE_FILES, keys)
    channel_hits = found["channels"]
    a = CommentAnalysis(view=v, keys=keys, elements=_slots(v, keys, found_dates),
                        channels=sorted({h.label for h in channel_hits}),
                        channel_hits=channel_hits, dates=found_dates)
    a.off_channel = [a.span(h) for h in found["off_channel"]]
    a.official = [e for e in a.off_channel if e.rule.startswith("company_")]
    a.off_channel = [e for e in a.off_channel if not e.rule.startswith("company_")]
    a.disrespect = _insult_evidence(a) + [a.span(h) for h in found["disrespect"]]
    return a


def features(a: CommentAnalysis) -> dict[str, float]:
    """What the learned models see: slots, rule hits, lemma uni/bigrams and each
    word's first four and last three letters (stems, jargon, typos, endings), all
    binary."""
    f: dict[str, float] = {f"slot={k}": 1.0 for k, on in a.elements.items() if on}
    f[f"slots={sum(a.elements.values())}"] = 1.0
    f.update({f"chan={c}": 1.0 for c in a.channels})
    f.update({f"date={d.kind}": 1.0 for d in a.dates})
    f.update({f"off={e.rule}": 1.0 for e in a.off_channel + a.official})
    f.update({"rude": 1.0} if a.disrespect else {})
    pairs = [(k[0], k[1]) for k, t in zip(a.keys, a.view.tokens, strict=True) if t.is_word]
    f[f"len={min(len(pairs), 40) // 5}"] = 1.0
    prev = None
    for lemma, low in pairs:
        f["w=" + lemma] = 1.0
        f["p=" + low[:4]] = 1.0           # stems and jargon ("перез", "дог"), typos keep them
        f["s=" + low[-3:]] = 1.0          # endings: tense, person, case
        if prev is not None:
            f[f"b={prev}_{lemma}"] = 1.0
        prev = lemma
    return f
