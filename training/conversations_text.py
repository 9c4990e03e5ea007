"""Text of the conversation corpus: template filling (slots and gender
agreement), money, messenger typing habits, and assembling a message from
segments while recording the span of every labeled segment.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

ALT = re.compile(r"\[\[([^\]]*)\]\]|\(\(([^)]*)\)\)|\{\{([^}]*)\}\}")
SLOT = re.compile(r"\{(\w+)\}")
DOUBLE_DOT = re.compile(r"(?<!\.)\.\.(?!\.)")         # "т.р." + "." -> "т.р."
WORD = re.compile(r"(?<![\w{])[А-Яа-яЁё]{5,}(?![\w}])")
NEIGHBOURS = {
    "а": "вп", "о": "лр", "е": "кн", "и": "мт", "н": "ег", "т": "иь", "р": "по", "с": "чм",
    "л": "од", "в": "аы", "к": "уе", "п": "ар", "м": "си", "д": "лж", "у": "цк", "я": "ч",
}
EMOJI = ("🙂", "👍", "🙏", "😊", "👌", "✅", "😉")
GENDERS = "mfnp"


def cap_first(text: str) -> str:
    for i, char in enumerate(text):
        if char.isalpha():
            return text[:i] + char.upper() + text[i + 1:]
    return text


def low_first(text: str) -> str:
    for i, char in enumerate(text):
        if char.isalpha():
            return text[:i] + char.lower() + text[i + 1:]
    return text


def agree(text: str, manager: str, client: str, item: str) -> str:
    """Resolve [[m|f]] (manager), ((m|f)) (client) and {{m|f|n|p}} (item)."""
    def choose(m: re.Match) -> str:
        if m.group(1) is not None:
            return m.group(1).split("|")[manager == "f"]
        if m.group(2) is not None:
            return m.group(2).split("|")[client == "f"]
        return m.group(3).split("|")[GENDERS.index(item)]
    return ALT.sub(choose, text)


def fill(text: str, slot) -> str:
    """Replace {name} by slot(name); {name_cap} capitalises the value."""
    def value(m: re.Match) -> str:
        name = m.group(1)
        if name.endswith("_cap"):
            return cap_first(slot(name[:-4]))
        return slot(name)
    return DOUBLE_DOT.sub(".", SLOT.sub(value, text))


def round_price(value: float) -> int:
    """Two or three significant digits, as prices are quoted."""
    magnitude = 10 ** max(len(str(int(value))) - 3, 0)
    return int(round(value / magnitude) * magnitude)


def money(value: int, casual: bool, rng: random.Random) -> str:
    if casual:
        if value >= 1_000_000:
            millions = f"{value / 1_000_000:.2f}".rstrip("0").rstrip(".").replace(".", ",")
            return f"{millions} млн"
        if value >= 10_000:
            return f"{value // 1000}{rng.choice(('к', ' тыс', ' т.р.'))}"
    digits = f"{value:,}".replace(",", " ")
    return digits + rng.choice((" ₽", " ₽", " руб.", " рублей"))


def typo(text: str, rng: random.Random) -> str:
    """One typing slip in a word of five or more letters outside slots."""
    words = list(WORD.finditer(text))
    if not words:
        return text
    m = rng.choice(words)
    word = m.group()
    i = rng.randrange(1, len(word) - 1)
    roll = rng.random()
    if roll < 0.35:
        word = word[:i] + word[i + 1] + word[i] + word[i + 2:]
    elif roll < 0.65:
        word = word[:i] + word[i + 1:]
    elif word[i].lower() in NEIGHBOURS:
        word = word[:i] + rng.choice(NEIGHBOURS[word[i].lower()]) + word[i + 1:]
    else:
        word = word[:i] + word[i] + word[i:]
    return text[:m.start()] + word + text[m.end():]


@dataclass
class Segment:
    text: str
    label: str | None = None
    sep: str = " "                  # what goes before it (ignored for the first)
    casual: bool = False


def assemble(segments: list[Segment]) -> tuple[str, dict[str, list[int]]]:
    """Join segments; the span of the first segment of every label."""
    text, spans = "", {}
    for seg in segments:
        if not seg.text:
            continue
        if text:
            run_on = seg.sep == " " and (text[-1].isalnum() or text[-1] == "»") \
                and seg.text[0].isupper()
            text += ". " if run_on else seg.sep
        start = len(text)
        text += seg.text
        if seg.label and seg.label not in spans:
            spans[seg.label] = [start, len(text)]
    return text, spans
