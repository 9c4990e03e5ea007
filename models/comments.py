"""The learned parts of comment analysis, each its own versioned artifact:

- `completeness`: 0/1/2 (nothing useful / partial / complete) from slots, rule
  hits and lemma/char n-grams; the score is the expected level / 2, in 0..1;
- `off_channel`, `disrespect`: binary, the rules' hits among their features.
"""

from __future__ import annotations

from functools import lru_cache

from analyzer.comments import CommentAnalysis, comment_level_features
from models import store
from models.linear import Compiled, Stacked

MODELS = ("completeness", "off_channel", "disrespect")


@lru_cache(maxsize=4)
def compiled(name: str) -> Compiled:
    return Compiled.from_tables(store.load_tables(name))


@lru_cache(maxsize=1)
def stacked() -> Stacked:
    return Stacked({name: compiled(name) for name in MODELS})


def preload() -> None:
    stacked()


@lru_cache(maxsize=131_072)
def _word_vector(feats: tuple[str, ...]):
    """The summed weights of one word's features (cached per word form)."""
    return stacked().word_row(feats)


def _proba(a: CommentAnalysis) -> dict:
    """All three models' probabilities, computed once per analysis: the word
    vectors (cached per form) plus the comment-level features' rows."""
    if a._scores is None:
        words = [_word_vector(r.feats) for r in a.records if r is not None]
        a._scores = stacked().proba_parts(words, comment_level_features(a))
    return a._scores


def _empty(a: CommentAnalysis) -> bool:
    return not any(t.is_word for t in a.view.tokens)


def completeness(a: CommentAnalysis) -> float:
    return a.derived("completeness", _completeness)


def _completeness(a: CommentAnalysis) -> float:
    if _empty(a):
        return 0.0
    p, classes = _proba(a)["completeness"], compiled("completeness").classes
    return float(sum(p[i] * int(c) for i, c in enumerate(classes)) / 2.0)


RULE_CONFIDENCE = 0.9


def flag(name: str, a: CommentAnalysis) -> float:
    """Probability that the comment is `name` (off_channel or disrespect): the
    classifier's, raised to RULE_CONFIDENCE when a rule fires — rules catch the
    phrasings no training text had; the classifier catches the rest. A named
    official channel ("через CRM") keeps an off-channel rule from deciding."""
    return a.derived(name, lambda a: 0.0 if _empty(a) else _with_rules(
        name, a, float(_proba(a)[name][compiled(name).classes.index(1)])))


def flag_with(m: Compiled, name: str, a: CommentAnalysis) -> float:
    """`flag` with a given model (training measures candidates with it)."""
    return _with_rules(name, a, float(m.proba(a.features)[m.classes.index(1)]))


def _with_rules(name: str, a: CommentAnalysis, p: float) -> float:
    rules = a.off_channel if name == "off_channel" else a.disrespect
    if rules and not (name == "off_channel" and a.official):
        p = max(p, RULE_CONFIDENCE)
    return p
