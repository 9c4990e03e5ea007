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
def _phrase_lemmas() -> tuple[tuple[str, frozenset[str]], ...]:
    """Each phrase with, per word, the lemmas it may appear as."""
    out = []
    for words in lexicons.phrases(PHRASES):
        out.append((" ".join(words), tuple(_word_lemmas(w) for w in words)))
    return tuple(out)


def _word_hits(tokens: list[Token]) -> list[Hit]:
    vocab = lexicons.word_set(WORDS)
    hits = []
    for i, tok in enumerate(tokens):
        if tok.is_word and not _guarded(tok):
            found = token_lemmas(tok) & vocab
            if found:
                hits.append(Hit(i, i, sorted(found)[0]))
    return hits


def _phrase_hits(tokens: list[Token]) -> list[Hit]:
    lemmas = [token_lemmas(t) for t in tokens]
    present = frozenset().union(*lemmas) if lemmas else frozenset()
    hits = []
    for text, needed in _phrase_lemmas():
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
    phrase = _phrase_hits(tokens)
    covered = {i for h in phrase for i in range(h.first, h.last + 1)}
    return phrase + [h for h in _word_hits(tokens) if h.first not in covered]
