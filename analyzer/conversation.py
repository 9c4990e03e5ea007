"""A deal's logged conversation checked against the sales script: which steps
the manager's messages contain (with the message and span that shows each),
forbidden phrases, and client messages left without a reply in time.

Steps are found per sentence of the manager's messages: the script's lemma
patterns, plus a trained classifier (models/steps.py) that recognises
paraphrases no pattern lists. A step that needs a date ("closing") counts only
in a sentence that names one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache

from analyzer import dates
from analyzer.comments import word
from analyzer.matchers import Hit, hits
from analyzer.nlp import TextView, view
from analyzer.schema import Message
from analyzer.script import Script

SENTENCE = re.compile(r"[^.!?…\n]+[.!?…]*")
MAX_CHARS = 3_000
_QUOTED = re.compile(r"«[^»]*»|\"[^\"]*\"|“[^”]*”")
_PERCENT = re.compile(r"(\d{1,3})\s*%")
_GIVING = re.compile(r"скидк|(?:сделаю|сделаем|дам|дадим|скину|скинем|уступлю|уступим|снижу|снизим)\b",
                     re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Evidence:
    kind: str                 # a step id or a forbidden kind
    message_id: str | None
    start: int                # span in the message text
    end: int
    text: str
    score: float              # 1.0 for a rule, the model's probability otherwise


@dataclass
class Sentence:
    text: str
    start: int                # offset in its message
    view: TextView
    keys: list = field(default_factory=list)
    records: list = field(default_factory=list)
    has_date: bool = False
    rule_steps: set[str] = field(default_factory=set)
    step_hits: list = field(default_factory=list)
    bad_hits: list = field(default_factory=list)
    scores: dict[str, float] | None = None


REFERENCE_DAY = date(2026, 1, 5)    # only to ask the date rules whether a mention resolves


def concrete_date(text: str) -> bool:
    """The text names a day or time one could put in a calendar ("в чт в 11",
    "до 15.03", "завтра") — not a vague "на днях" or "после праздников"."""
    return any(m.resolved is not None or m.kind not in ("relative", "deadline")
               for m in dates.find(text, REFERENCE_DAY))


def sentences(text: str) -> list[Sentence]:
    out = []
    for m in SENTENCE.finditer(text[:MAX_CHARS]):
        raw = m.group()
        if not raw.strip():
            continue
        v = view(raw)
        records = [word(t.lower) if t.is_word else None for t in v.tokens]
        keys = [(r.lemma if r else t.lower, t.lower, t.text) for t, r in zip(v.tokens, records,
                                                                           strict=True)]
        out.append(Sentence(raw, m.start(), v, keys, records, concrete_date(raw)))
    return out


def sentence_features(s: Sentence, first: bool) -> list[str]:
    """What the step classifier sees of one manager sentence."""
    words = [r for r in s.records if r is not None]
    f = [x for r in words for x in r.feats]
    f += [f"b={a.lemma}_{b.lemma}" for a, b in zip(words, words[1:], strict=False)]
    f += [f"rule={k}" for k in sorted(s.rule_steps)]
    f.append(f"len={min(len(words), 30) // 5}")
    if s.has_date:
        f.append("date")
    if "?" in s.text:
        f.append("question")
    if first:
        f.append("first_message")
    return f


def _span(s: Sentence, start_tok: int, end_tok: int, offset: int) -> tuple[int, int]:
    toks = s.view.tokens
    return offset + s.start + toks[start_tok].start, offset + s.start + toks[end_tok - 1].end


def score_sentences(parts: list[Sentence], script: Script, first: bool, model=None) -> None:
    """Rule hits (steps and forbidden kinds) and model scores, once per sentence."""
    for s in parts:
        if s.scores is not None:
            continue
        both = hits(s.view, script.sentence_rules, s.keys)
        s.step_hits = [Hit(h.label[5:], h.start, h.end) for h in both if h.label[:5] == "step:"]
        s.bad_hits = [Hit(h.label[4:], h.start, h.end) for h in both if h.label[:4] == "bad:"]
        s.rule_steps = {h.label for h in s.step_hits} | {h.label for h in s.bad_hits}
        s.scores = model(sentence_features(s, first)) if model else {}


def steps_in(message: Message, script: Script, first: bool, model=None,
             parts: list[Sentence] | None = None) -> list[Evidence]:
    """Script steps one manager message shows, best evidence per step."""
    parts = parts if parts is not None else sentences(message.text)
    score_sentences(parts, script, first, model)
    found: dict[str, Evidence] = {}
    for s in parts:
        for step in script.order:
            if script.steps[step].get("needs_date") and not s.has_date:
                continue
            rule = next((h for h in s.step_hits if h.label == step), None)
            p = 1.0 if rule else s.scores.get(step, 0.0)
            if p >= 0.5 and (step not in found or p > found[step].score):
                a, b = _span(s, rule.start, rule.end, 0) if rule else (s.start, s.start + len(s.text))
                found[step] = Evidence(step, message.id, a, b, message.text[a:b], round(p, 3))
    return list(found.values())


def forbidden_in(message: Message, script: Script, parts: list[Sentence] | None = None,
                 model=None, first: bool = False) -> list[Evidence]:
    """Forbidden phrases in one manager message (text in quotes excluded): the
    script's patterns, and the model's sentences above `forbidden_threshold`."""
    parts = parts if parts is not None else sentences(message.text)
    score_sentences(parts, script, first, model)
    quoted = [m.span() for m in _QUOTED.finditer(message.text)]
    lemmas = {r.lemma for s in parts for r in s.records if r is not None}
    threshold = float(script.required.get("forbidden_threshold", 0.7))
    found: dict[str, Evidence] = {}
    for s in parts:
        spans = [(h.label, *_span(s, h.start, h.end, 0), 1.0) for h in s.bad_hits]
        spans += [(k, s.start, s.start + len(s.text), p) for k, p in s.scores.items()
                  if k in script.forbidden and p >= threshold and k not in s.rule_steps]
        for kind, a, b, p in spans:
            a, b = _trimmed(message.text, a, b)
            spec = script.forbidden.get(kind) or {}
            if any(qa <= a < qb for qa, qb in quoted) or _allowed(spec, message, lemmas):
                continue
            if kind not in found or p > found[kind].score:
                found[kind] = Evidence(kind, message.id, a, b, message.text[a:b].strip(), round(p, 3))
    for ev in _discounts(message, script, quoted):
        found.setdefault(ev.kind, ev)
    return list(found.values())


def _trimmed(text: str, a: int, b: int) -> tuple[int, int]:
    """The span without the whitespace around it (a sentence starts after a space)."""
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


_ANALYSED: dict[tuple, tuple[list[Evidence], list[Evidence]]] = {}
ANALYSED_LIMIT = 8192     # messages whose analysis is kept (a re-scored deal repeats them)


def analyse_message(message: Message, script: Script, first: bool, model=None
                    ) -> tuple[list[Evidence], list[Evidence]]:
    """(steps, forbidden phrases) of one manager message, its sentences split
    once; the result is kept per text, channel, position, script and model, so
    a deal scored again (every webhook, every widget view) is not re-read."""
    key = (message.text, message.channel, first, id(script), id(model))
    found = _ANALYSED.get(key)
    if found is None:
        parts = sentences(message.text)
        found = (steps_in(message, script, first, model, parts),
                 forbidden_in(message, script, parts, model, first))
        if len(_ANALYSED) >= ANALYSED_LIMIT:
            _ANALYSED.clear()
        _ANALYSED[key] = found
    steps, bad = found
    if any(ev.message_id != message.id for ev in (*steps, *bad)):
        steps = [replace(ev, message_id=message.id) for ev in steps]
        bad = [replace(ev, message_id=message.id) for ev in bad]
    return list(steps), list(bad)


def _allowed(spec: dict, message: Message, lemmas: set[str]) -> bool:
    if spec.get("channels") and message.channel not in spec["channels"]:
        return True
    return bool(set(spec.get("unless") or []) & lemmas)


def _discounts(message: Message, script: Script, quoted: list) -> list[Evidence]:
    spec = script.forbidden.get("promise") or {}
    limit = spec.get("max_discount_percent")
    text = message.text[:MAX_CHARS]
    if limit is None or not _GIVING.search(text):
        return []
    return [Evidence("promise", message.id, m.start(), m.end(), m.group(), 1.0)
            for m in _PERCENT.finditer(text)
            if int(m.group(1)) > limit and not any(a <= m.start() < b for a, b in quoted)]


@dataclass(frozen=True)
class Unanswered:
    message: Message          # the first client message of the unanswered burst
    due: datetime
    replied_at: datetime | None


def needs_reply(message: Message, script: Script) -> bool:
    """A question, or anything beyond thanks and acknowledgement."""
    if "?" in message.text:
        return True
    return _beyond(message.text, frozenset(script.reply.get("acknowledgements") or ()))


@lru_cache(maxsize=16_384)
def _beyond(text: str, thanks: frozenset[str]) -> bool:
    """A word in `text` other than thanks (cached: clients repeat themselves)."""
    for t in view(text, limit=MAX_CHARS).tokens:
        if t.is_word and t.lower[:1].isalpha() and t.lower not in thanks \
                and word(t.lower).lemma not in thanks:
            return True
    return False


def unanswered(messages: list[Message], script: Script, now: datetime) -> list[Unanswered]:
    """Client bursts in watched channels with no logged reply within the norm
    (a burst of thanks alone needs none)."""
    watched = set(script.reply.get("channels") or [])
    norm = float(script.reply.get("norm_minutes", 30))
    timed = sorted((m for m in messages if m.created_at is not None), key=lambda m: m.created_at)
    out: list[Unanswered] = []
    burst: Message | None = None
    for m in timed:
        if m.direction == "in" and m.channel in watched and needs_reply(m, script):
            burst = burst or m
        elif m.direction == "out" and burst is not None:
            due = script.hours.add(burst.created_at, norm)
            if m.created_at > due:
                out.append(Unanswered(burst, due, m.created_at))
            burst = None
    if burst is not None:
        due = script.hours.add(burst.created_at, norm)
        if now > due:
            out.append(Unanswered(burst, due, None))
    return out


def manager_messages(messages: list[Message]) -> list[Message]:
    """The manager's non-empty messages, oldest first (untimed ones last)."""
    def key(m: Message) -> tuple[bool, float]:
        return (m.created_at is None, m.created_at.timestamp() if m.created_at else 0.0)

    return [m for m in sorted(messages, key=key) if m.direction == "out" and m.text.strip()]
