"""Reusable scikit-learn transformers over Russian text.

`LemmaText` turns raw text into space-joined lemmas through the one pipeline
in `analyzer.nlp` (normalisation and de-obfuscation included); `NavecMean`
averages navec word vectors (the embedding natasha's wheel ships, loaded
offline once per process, compactly: models/embeddings.py).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from analyzer.nlp import view
from models.embeddings import navec

NAVEC_DIM = 300


@lru_cache(maxsize=131_072)
def lemma_text(text: str, limit: int = 2000) -> str:
    """'орёт на всех' -> 'орать на весь'."""
    return " ".join(t.lemma for t in view(text, limit=limit).tokens if t.is_word).lower()


class LemmaText(BaseEstimator, TransformerMixin):
    """Raw strings -> space-joined lowercase lemmas (stateless)."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return [lemma_text(str(x)) for x in X]


@lru_cache(maxsize=131_072)
def _vector(word: str) -> np.ndarray | None:
    return navec().get(word)


class NavecMean(BaseEstimator, TransformerMixin):
    """Lemma strings -> mean navec vector plus the share of words it knows."""

    def fit(self, X, y=None):
        self.n_features_out_ = NAVEC_DIM + 1
        return self

    def transform(self, X):
        out = np.zeros((len(X), NAVEC_DIM + 1), dtype=np.float32)
        for row, text in enumerate(X):
            words = text.split()
            vectors = [v for v in map(_vector, words) if v is not None]
            if vectors:
                out[row, :NAVEC_DIM] = np.mean(vectors, axis=0)
            out[row, NAVEC_DIM] = len(vectors) / len(words) if words else 0.0
        return out
