"""The one Russian text pipeline: normalise, tokenise, lemmatise — once per text.

`view(text)` returns a `TextView`: the normalised text, its tokens with spans in
the ORIGINAL text (so a finding can quote exactly what the manager typed), and
per token the lemma and the pymorphy3 facts the checks need. Everything heavy
(the morph analyser, the per-word-form cache) is built on first use and reused.

Normalisation undoes what people do to text in a CRM, deliberately or not:
NFKC (full-width letters, ligatures), ё → е, stress marks and zero-width
characters, Latin look-alike letters inside Cyrillic words ("xам", "HЫTИK"),
digits and symbols standing for letters ("ист3ричка", "неадекв@тная"), and
s p a c e d letters ("н е а д е к в а т").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product
from typing import NamedTuple

# Latin letters that look like Cyrillic ones, by case.
LATIN_LOOKALIKE = str.maketrans(
    "AaBCcEeHKkMmOoPpTXxYyu",
    "АаВСсЕеНКкМмОоРрТХхУуи",
)
# Digits and symbols people type for letters, with alternatives tried in order.
DIGIT_LETTERS: dict[str, tuple[str, ...]] = {
    "0": ("о",), "1": ("и", "л"), "3": ("е", "з"), "4": ("ч", "а"),
    "6": ("б",), "8": ("в",), "@": ("а",), "$": ("с",),
}
MAX_VARIANTS = 64

_CYR = re.compile(r"[а-яА-ЯёЁ]")
_LAT = re.compile(r"[A-Za-z]")
# A word: letters/digits, with @ or $ between letters ("неадекв@тная") and
# apostrophes inside names ("Д'Артаньян", "О’Коннор").
_TOKEN = re.compile(r"[^\W_]+(?:[@$'’][^\W_]+)*|\S", re.UNICODE)
_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"}


@dataclass(frozen=True, slots=True)
class WordInfo:
    """What pymorphy3 knows about one lowercased word form."""

    lemma: str
    pos: str | None
    known: bool                       # in the dictionary, not guessed
    lemmas: frozenset[str]            # lemmas of all dictionary parses
    name_score: dict[str, float]      # {"Name"|"Surn"|"Patr": best parse score}
    grams: frozenset[str] = frozenset()   # grammemes of the best parse (past, futr, impr, INFN…)


class Token(NamedTuple):
    """One token (a tuple: a comment makes dozens, and tuples are built in C)."""

    text: str          # normalised surface (case kept)
    start: int         # span in the original text
    end: int
    space_before: bool
    is_word: bool
    deobfuscated: bool = False
    lower: str = ""    # the lowercase text (view() sets it)

    @property
    def info(self) -> WordInfo:
        return word_info(self.lower)

    @property
    def lemma(self) -> str:
        return self.info.lemma if self.is_word else self.text


@dataclass(slots=True)
class TextView:
    original: str
    text: str                          # normalised text (same length mapping via `index`)
    tokens: list[Token] = field(default_factory=list)
    truncated: bool = False

    @property
    def words(self) -> list[Token]:
        return [t for t in self.tokens if t.is_word]

    def quote(self, start: int, end: int) -> str:
        return self.original[start:end]


@lru_cache(maxsize=1)
def morph():
    """The pymorphy3 analyser (≈0.1 s to build, shared by everything)."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


_NAME_TAGS = ("Name", "Surn", "Patr")


@lru_cache(maxsize=262_144)
def word_info(word: str) -> WordInfo:
    """pymorphy3 facts for a lowercased word form, cached per form."""
    parses = morph().parse(word)
    known = morph().word_is_known(word)
    best = parses[0]
    name_score: dict[str, float] = {}
    lemmas = set()
    for p in parses:
        if known:
            lemmas.add(p.normal_form.replace("ё", "е"))
        for tag in _NAME_TAGS:
            if tag in p.tag and known:
                name_score[tag] = max(name_score.get(tag, 0.0), p.score)
    return WordInfo(
        lemma=best.normal_form.replace("ё", "е"),
        pos=best.tag.POS,
        known=known,
        lemmas=frozenset(lemmas),
        name_score=name_score,
        grams=frozenset(str(best.tag).replace(" ", ",").split(",")),
    )


def is_known(word: str) -> bool:
    return word_info(word.lower()).known


def _fold_char(ch: str) -> str:
    if ch in _INVISIBLE:
        return ""
    if ch == "\x00" or (unicodedata.category(ch) == "Cc" and ch not in "\t\n\r"):
        return " "
    out = unicodedata.normalize("NFKC", ch)
    return out.replace("ё", "е").replace("Ё", "Е")


_PLAIN = re.compile(r"[^\n\t\x20-\x7eа-яА-ЯёЁ«»—–№]")
_YO = str.maketrans("ёЁ", "еЕ")
# Characters the slow path must see: invisible, controls, combining marks.
_SPECIAL = re.compile("[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u0300-\u036f"
                      "\u200b-\u200d\u2060\ufeff]")


def normalize_chars(text: str) -> tuple[str, list[int] | range]:
    """NFKC, ё→е, invisible characters dropped, controls → space. Returns the
    new text and, per output character, its index in the input. Plain
    Cyrillic/ASCII text (most comments) takes a fast path with an identity map."""
    if not _PLAIN.search(text) or (unicodedata.is_normalized("NFKC", text)
                                   and not _SPECIAL.search(text)):
        return text.translate(_YO), range(len(text))
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if unicodedata.combining(ch):
            if out:
                composed = unicodedata.normalize("NFC", out[-1] + ch)
                if len(composed) == 1:
                    out[-1] = _fold_char(composed) or out[-1]
            continue
        for piece in _fold_char(ch):
            out.append(piece)
            index.append(i)
    return "".join(out), index


@lru_cache(maxsize=65_536)
def other_script(word: str) -> bool:
    """Letters of a script other than Latin and Cyrillic (Arabic, Georgian, CJK…)."""
    return any(ch.isalpha() and not ("a" <= ch.lower() <= "z" or _CYR.match(ch)) for ch in word)


def _mixed_script(word: str) -> bool:
    return bool(_CYR.search(word)) and bool(_LAT.search(word))


def _digit_variants(word: str):
    slots = [DIGIT_LETTERS.get(ch, (ch,)) for ch in word.lower()]
    for n, combo in enumerate(product(*slots)):
        if n >= MAX_VARIANTS:
            return
        yield "".join(combo)


def _restore_case(template: str, word: str) -> str:
    return "".join(w.upper() if t.isupper() else w for t, w in zip(template, word, strict=True))


@lru_cache(maxsize=65_536)
def deobfuscate(word: str) -> str | None:
    """The Russian word behind an obfuscated token, or None if it is not one."""
    cyr = len(_CYR.findall(word))
    if cyr == 0:
        return None
    candidate = word
    if _mixed_script(word):
        candidate = word.translate(LATIN_LOOKALIKE)
    if any(ch in DIGIT_LETTERS for ch in candidate):
        if cyr < 2 or sum(ch.isdigit() for ch in candidate) * 3 > len(candidate):
            return None
        for variant in _digit_variants(candidate):
            if is_known(variant):
                return _restore_case(candidate, variant)
        return None
    return candidate if candidate != word else None


def _raw_tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m[0], *m.span()) for m in _TOKEN.finditer(text)]


_SPACED = re.compile(r"(?<!\S)[а-яА-ЯёЁ](?: [а-яА-ЯёЁ]){2,}(?!\S)")


def _merge_spaced(raw: list[tuple[str, int, int]], text: str) -> list[tuple[str, int, int]]:
    """Join runs of ≥3 single Cyrillic letters separated by one space."""
    out: list[tuple[str, int, int]] = []
    i = 0
    while i < len(raw):
        j = i
        while (j + 1 < len(raw) and len(raw[j][0]) == 1 and _CYR.match(raw[j][0])
               and len(raw[j + 1][0]) == 1 and _CYR.match(raw[j + 1][0])
               and raw[j + 1][1] - raw[j][2] == 1 and text[raw[j][2]] == " "):
            j += 1
        if j - i >= 2:
            out.append(("".join(r[0] for r in raw[i:j + 1]), raw[i][1], raw[j][2]))
            i = j + 1
        else:
            out.append(raw[i])
            i += 1
    return out


@lru_cache(maxsize=131_072)
def _surface(surface: str) -> tuple[bool, str, bool, str]:
    """(is a word, repaired text, was repaired, lowercase) of one raw token."""
    is_word = len(surface) > 1 or surface.isalnum()
    fixed = deobfuscate(surface) if is_word else None
    text = fixed or surface
    return is_word, text, fixed is not None, text.lower()


def view(text: str | None, limit: int | None = None) -> TextView:
    """Normalise and tokenise `text` (up to `limit` characters)."""
    original = text or ""
    truncated = limit is not None and len(original) > limit
    if truncated:
        original = original[:limit]
    norm, index = normalize_chars(original)
    tokens: list[Token] = []
    prev_end, n, size = 0, len(index), len(original)
    identity = isinstance(index, range)
    surface_of, new, make = _surface, tuple.__new__, Token
    spaced = _SPACED.search(norm)
    if identity and not spaced:           # most comments: plain text, spans found by str.find
        find = norm.find                  # (only whitespace lies between two tokens)
        for surface in _TOKEN.findall(norm):
            s = find(surface, prev_end)
            e = s + len(surface)
            is_word, text_, fixed, low = surface_of(surface)
            tokens.append(new(make, (text_, s, e, s > prev_end, is_word, fixed, low)))
            prev_end = e
        return TextView(original=original, text=norm, tokens=tokens, truncated=truncated)
    raw = (_merge_spaced(_raw_tokens(norm), norm) if spaced
           else ((m[0], *m.span()) for m in _TOKEN.finditer(norm)))
    for surface, s, e in raw:
        is_word, text_, fixed, low = surface_of(surface)
        if identity:
            start, end = s, e
        else:
            start = index[s] if s < n else size
            end = index[e - 1] + 1 if e - 1 < n else size
        tokens.append(make(text_, start, end, s > prev_end, is_word,
                           fixed or (e - s) != len(surface), low))
        prev_end = e
    return TextView(original=original, text=norm, tokens=tokens, truncated=truncated)
