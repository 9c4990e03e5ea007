"""Typing habits for the comment corpus: case, dropped punctuation, typos,
trailing emoji. Protected spans (channel words, dates, evidence) are never
changed by typos or punctuation noise, so labels and evidence stay exact.
The same noise goes on every label, so it tells a classifier nothing.
"""

from __future__ import annotations

import random
import re

from training.comments_render import EV_CLOSE, EV_OPEN, OFFER, PROT_CLOSE, PROT_OPEN

PROTECTED = re.compile(f"{EV_OPEN}[^{EV_CLOSE}]*{EV_CLOSE}|{PROT_OPEN}[^{PROT_CLOSE}]*{PROT_CLOSE}")
MARKS = re.compile(f"[{PROT_OPEN}{PROT_CLOSE}{EV_OPEN}{EV_CLOSE}{OFFER}]")
WORD = re.compile(r"[А-Яа-яЁё]{5,}")
NEIGHBOURS = {
    "а": "вп", "о": "лр", "е": "кн", "и": "мт", "н": "ег", "т": "иь", "р": "по", "с": "чм",
    "л": "од", "в": "аы", "к": "уе", "п": "ар", "м": "си", "д": "лж", "у": "цк", "я": "ч",
    "ы": "вф", "ь": "тб", "г": "нш", "з": "щх", "б": "ью", "ч": "яс", "й": "ц", "ж": "дэ",
}
TRAILERS = (" 👍", " 🙏", " ✅", " ❗", " 🔥", " 🙂", " 📌", " 😊", "!!!", "!", " (!)", " 🤞")
P_CAPS, P_LOWER, P_CAPFIRST = 0.02, 0.33, 0.4
P_NO_PUNCT, P_TYPO, P_YO, P_TRAILER, P_PERIOD = 0.15, 0.09, 0.5, 0.08, 0.2


def cap_first(text: str) -> str:
    """Upper-case the first letter (skipping marks and punctuation)."""
    for i, char in enumerate(text):
        if char.isalpha():
            return text[:i] + char.upper() + text[i + 1:]
    return text


def map_free(text: str, fn) -> str:
    """Apply `fn` to the unprotected parts of `text`."""
    out, pos = [], 0
    for m in PROTECTED.finditer(text):
        out += [fn(text[pos:m.start()]), m.group()]
        pos = m.end()
    out.append(fn(text[pos:]))
    return "".join(out)


def drop_punct(chunk: str) -> str:
    return re.sub(r"[,.;](?=\s|$)", "", chunk)


def _misspell(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    roll = rng.random()
    if roll < 0.3:                                   # swapped neighbours
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if roll < 0.55:                                  # dropped letter
        return word[:i] + word[i + 1:]
    if roll < 0.75 and word[i].lower() in NEIGHBOURS:  # a keyboard neighbour
        return word[:i] + rng.choice(NEIGHBOURS[word[i].lower()]) + word[i + 1:]
    if "тся" in word:
        return word.replace("тся", "ться", 1)
    return word[:i] + word[i] + word[i:]             # doubled letter


def typo(text: str, rng: random.Random) -> str:
    """One realistic typo in a free word of five letters or more."""
    spans = [m.span() for m in PROTECTED.finditer(text)]
    words = [m for m in WORD.finditer(text)
             if not any(a <= m.start() < b for a, b in spans)]
    if not words:
        return text
    m = rng.choice(words)
    return text[:m.start()] + _misspell(m.group(), rng) + text[m.end():]


def _case(text: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < P_CAPS:
        return text.upper()
    if roll < P_CAPS + P_LOWER:
        return text.lower()
    if roll < P_CAPS + P_LOWER + P_CAPFIRST:
        return cap_first(text)
    return text


def noisy(text: str, rng: random.Random) -> str:
    text = _case(text, rng)
    if rng.random() < P_NO_PUNCT:
        text = map_free(text, drop_punct)
    if rng.random() < P_TYPO:
        text = typo(text, rng)
    if rng.random() < P_YO:
        text = text.replace("ё", "е").replace("Ё", "Е")
    if rng.random() < P_TRAILER:
        text += rng.choice(TRAILERS)
    elif rng.random() < P_PERIOD and text[-1:].isalnum():
        text += "."
    return text


def finish(text: str) -> tuple[str, str | None]:
    """(clean text, evidence span or None) from a marked text."""
    text = re.sub(r"\s+([,.;:])(?=\s|$)", r"\1", text)
    text = re.sub(r"[ \t]{2,}", " ", text).strip()
    m = re.search(f"{EV_OPEN}([^{EV_CLOSE}]*){EV_CLOSE}", text)
    evidence = MARKS.sub("", m.group(1)).strip() if m else None
    clean = re.sub(r" {2,}", " ", MARKS.sub("", text)).strip()
    return clean, evidence
