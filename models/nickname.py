"""Is a remark in a name field derogatory? A classifier for what no lexicon lists.

The lexicon (analyzer/insults.py) catches known insults in any inflection;
this model judges the rest of a name field that the lexicon did not decide —
"вечно всем недовольна", "только время тратит" — against neutral extra
information (roles, referrers, relations, tags, preferences). Features: char
n-grams and word n-grams of the lemmatised text, and the mean navec vector,
which carries meaning to words the training data never showed.
"""

from __future__ import annotations

from functools import lru_cache

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from models import store
from models.features import LemmaText, NavecMean, lemma_text

NAME = "nickname"


def build_pipeline(C: float = 4.0) -> Pipeline:
    features = FeatureUnion([
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2,
                                  sublinear_tf=True)),
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"\S+",
                                  sublinear_tf=True)),
        ("navec", NavecMean()),
    ])
    return Pipeline([
        ("lemmas", LemmaText()),
        ("features", features),
        ("clf", LogisticRegression(C=C, max_iter=3000, class_weight="balanced")),
    ])


@lru_cache(maxsize=1)
def _model() -> Pipeline:
    return store.load(NAME)


@lru_cache(maxsize=65_536)
def _probability(lemmas: str) -> float:
    model = _model()
    feats = model.named_steps["features"].transform([lemmas])
    return float(model.named_steps["clf"].predict_proba(feats)[0, 1])


def probability(remark: str) -> float:
    """Probability that `remark` (the rest of a name field) is derogatory."""
    lemmas = lemma_text(remark)
    return _probability(lemmas) if lemmas else 0.0


def preload() -> None:
    """Load and verify the artifact now (raises store.ArtifactError), so a batch
    fails at its start with one clear reason rather than on every line, and
    forked workers inherit it loaded."""
    from analyzer.checks import _load_all
    from analyzer.names import faker_names, natasha_lists, person_names
    from analyzer.nlp import morph
    from analyzer.phones import parse
    from models.embeddings import navec

    _model()
    _load_all()
    for warm in (navec, natasha_lists, person_names, faker_names, morph):
        warm()
    parse("+7 916 123-45-67")
