"""Derogatory words and remarks about a person, matched on lemmas.

Single words come from `data/nickname_words.txt` and match a token's form or
its most likely lemma, so "истеричку", "истерички" and "ист3ричка" all hit
"истеричка" (but "урок" does not hit "урка"). Phrases come from `data/nickname_phrases.txt` and match when all
their lemmas occur within a short window in any order ("мозг выносит" and
"выносит мозг"). A capitalised token that can be a surname is never an
insult ("от Козлова"), unless it is literally the insult ("БАРАН").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from analyzer import lexicons
from analyzer.names import has_surname_parse
from analyzer.nlp import Token, word_info

WORDS = "nickname_words"
PHRASES = "nickname_phrases"
WINDOW_SLACK = 2


@dataclass(frozen=True, slots=True)
class Hit:
    first: int          # token indexes, inclusive
    last: int
    entry: str


@lru_cache(maxsize=131_072)
def _word_lemmas(word: str) -> frozenset[str]:
    """The form itself and its most likely lemma ("урок" is not "урка")."""
    return frozenset({word, word_info(word).lemma})


def token_lemmas(tok: Token) -> frozenset[str]:
    return _word_lemmas(tok.lower) if tok.is_word else frozenset()


def _guarded(tok: Token) -> bool:
    """A capitalised possible surname is a name, not an insult."""
    if tok.lower in lexicons.word_set(WORDS):
        return False
    return tok.text[:1].isupper() and not tok.text.isupper() and has_surname_parse(tok.text)


@lru_cache(maxsize=1)
def _phrase_lemmas() -> tuple[tuple[str, tuple[frozenset[str], ...]], ...]:
    """Each phrase with, per word, the lemmas it may appear as."""
    out = []
    for words in lexicons.phrases(PHRASES):
        out.append((" ".join(words), tuple(_word_lemmas(w) for w in words)))
    return tuple(out)


@lru_cache(maxsize=1)
def _phrase_index() -> dict[str, list[int]]:
    """Lemma → phrases that need it; a phrase is tried only when its rarest
    word is present (≈µs per text instead of trying all 165 phrases)."""
    index: dict[str, list[int]] = {}
    for i, (_, needed) in enumerate(_phrase_lemmas()):
        for lemma in needed[-1]:
            index.setdefault(lemma, []).append(i)
    return index


@lru_cache(maxsize=1)
def triggers() -> frozenset[str]:
    """Forms and lemmas without which no hit is possible: every lexicon word
    and, per phrase, the options of one word every match needs (its longest:
    content words are rarer than "не", "что"). A text with none of them has no
    hit, so `find` need not run on it (a cheap gate)."""
    out = set(lexicons.word_set(WORDS))
    for _, needed in _phrase_lemmas():
        out |= max(needed, key=lambda options: min(map(len, options)))
    return frozenset(out)


def may_hit(word: str) -> bool:
    return bool(_word_lemmas(word) & triggers())


def _word_hits(tokens: list[Token], lemmas: list[frozenset[str]]) -> list[Hit]:
    vocab = lexicons.word_set(WORDS)
    hits = []
    for i, (tok, lem) in enumerate(zip(tokens, lemmas, strict=True)):
        found = lem & vocab
        if found and not _guarded(tok):
            hits.append(Hit(i, i, sorted(found)[0]))
    return hits


def _phrase_hits(tokens: list[Token], lemmas: list[frozenset[str]]) -> list[Hit]:
    index, table = _phrase_index(), _phrase_lemmas()
    candidates = sorted({i for lem in lemmas for lemma in lem for i in index.get(lemma, ())})
    if not candidates:
        return []
    present = frozenset().union(*lemmas)
    hits = []
    for text, needed in (table[i] for i in candidates):
        if not all(options & present for options in needed):
            continue
        width = len(needed) + WINDOW_SLACK
        for start in range(len(tokens)):
            window = lemmas[start:start + width]
            places = [next((k for k, lem in enumerate(window) if lem & options), None)
                      for options in needed]
            if None not in places and min(places) == 0:
                hits.append(Hit(start, start + max(places), text))
                break
    return hits


def find(tokens: list[Token]) -> list[Hit]:
    """Lexicon hits in a run of tokens, phrases first, then words not inside them."""
    lemmas = [token_lemmas(t) for t in tokens]
    phrase = _phrase_hits(tokens, lemmas)
    covered = {i for h in phrase for i in range(h.first, h.last + 1)}
    return phrase + [h for h in _word_hits(tokens, lemmas) if h.first not in covered]
