"""Linear models over feature dicts: trained with scikit-learn, scored fast.

`build(C)` is the scikit-learn Pipeline (DictVectorizer → LogisticRegression)
that training fits and the artifact stores. `Compiled` turns a fitted one into
a feature → weights table, so scoring one comment is a few dict lookups and a
NumPy sum (≈10 µs) instead of a Pipeline call (≈0.5 ms); its probabilities
equal the Pipeline's (a test checks this on the held-out split).

`tables(fitted)` is that table as plain arrays, which `models.store` saves
beside the artifact (`<name>-vN.tables.npz`, hashed in the manifest): scoring
loads them with NumPy alone, without importing scikit-learn or unpickling
(≈2 s of a command's start-up).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

Tables = dict[str, np.ndarray]     # features, coef (features × k), intercept (k), classes


def build(C: float = 1.0, balanced: bool = True):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline([
        ("vec", DictVectorizer()),
        ("clf", LogisticRegression(C=C, max_iter=5000,
                                   class_weight="balanced" if balanced else None)),
    ])


_SEP = "\x00"        # between feature names in `features` (text never holds it)


def _vocabulary(vec) -> np.ndarray:
    """A DictVectorizer's feature names in column order, as UTF-8 bytes joined
    by NUL (a fixed-width string array would be ten times larger)."""
    names = [""] * len(vec.vocabulary_)
    for name, i in vec.vocabulary_.items():
        names[i] = name
    return np.frombuffer(_SEP.join(names).encode("utf-8"), dtype=np.uint8)


def feature_names(t: Tables) -> list[str]:
    return t["features"].tobytes().decode("utf-8").split(_SEP)


def _plain(values) -> np.ndarray:
    out = np.asarray(values)
    return out.astype(str) if out.dtype == object else out


def tables(fitted: Any) -> Tables | None:
    """The inference tables of a fitted linear artifact, or None for any other
    kind. Shapes: DictVectorizer → LogisticRegression (the comment models);
    DictVectorizer → StandardScaler → LogisticRegression (risk: the scale folded
    into the weights); {"pipeline": DictVectorizer → one-vs-rest, "labels"} (steps)."""
    if isinstance(fitted, dict) and set(fitted) == {"pipeline", "labels"}:
        vec, clf = fitted["pipeline"].named_steps["vec"], fitted["pipeline"].named_steps["clf"]
        return {"features": _vocabulary(vec),
                "coef": np.column_stack([e.coef_[0] for e in clf.estimators_]),
                "intercept": np.array([e.intercept_[0] for e in clf.estimators_]),
                "classes": np.array(fitted["labels"], dtype=str)}
    steps = getattr(fitted, "named_steps", None)
    if steps is None or set(steps) - {"vec", "scale", "clf"} or not hasattr(steps.get("clf"),
                                                                             "coef_"):
        return None
    coef = steps["clf"].coef_
    if "scale" in steps:
        coef = coef / steps["scale"].scale_
    return {"features": _vocabulary(steps["vec"]), "coef": np.ascontiguousarray(coef.T),
            "intercept": np.asarray(steps["clf"].intercept_, dtype=float),
            "classes": _plain(steps["clf"].classes_)}


class _FromTables:
    """A model read from its inference tables (`_set`), fitted or saved."""

    @classmethod
    def from_tables(cls, t: Tables):
        self = cls.__new__(cls)
        self._set(t)
        return self

    def _set(self, t: Tables) -> None:
        raise NotImplementedError


class Compiled(_FromTables):
    def __init__(self, pipeline):
        self._set(tables(pipeline))

    def _set(self, t: Tables) -> None:
        self.index: dict[str, int] = {f: i for i, f in enumerate(feature_names(t))}
        self.coef = np.ascontiguousarray(t["coef"])            # features × (1 or classes)
        self.intercept = np.array(t["intercept"], dtype=float)
        self.classes = t["classes"].tolist()

    def proba(self, features: dict[str, float]) -> np.ndarray:
        """Class probabilities, in `self.classes` order."""
        ids = [self.index[f] for f in features if f in self.index]
        vals = np.array([features[f] for f in features if f in self.index], dtype=float)
        z = self.intercept + (vals @ self.coef[ids] if ids else 0.0)
        if len(self.classes) == 2:
            p = 1.0 / (1.0 + np.exp(-z[0]))
            return np.array([1.0 - p, p])
        e = np.exp(z - z.max())
        return e / e.sum()


class Stacked:
    """Several compiled models over one feature space, scored in one pass:
    one dict lookup per feature and one NumPy sum for all of them. Features
    must be binary (value 1.0), as `analyzer.comments.features` makes them."""

    def __init__(self, models: dict[str, Compiled]):
        vocab = sorted({f for m in models.values() for f in m.index})
        self.index = {f: i for i, f in enumerate(vocab)}
        blocks, self.slices, col = [], {}, 0
        for name, m in models.items():
            block = np.zeros((len(vocab), m.coef.shape[1]))
            rows = [self.index[f] for f in m.index]
            block[rows] = m.coef[[m.index[f] for f in m.index]]
            blocks.append(block)
            self.slices[name] = slice(col, col + m.coef.shape[1])
            col += m.coef.shape[1]
        self.weights = np.hstack(blocks)
        self.intercepts = np.concatenate([m.intercept for m in models.values()])
        self.models = models
        self.plan = [(name, self.slices[name], len(m.classes) == 2) for name, m in models.items()]
        self._intercepts = tuple(self.intercepts.tolist())
        self._zero = (0.0,) * len(self._intercepts)
        self._rows: dict[str, tuple[float, ...]] | None = None

    def vector(self, names: list[str], values: list[float] | None = None) -> np.ndarray:
        """Σ value × weights over the named features the models know."""
        rows = [self.index[n] for n in names if n in self.index]
        if not rows:
            return np.zeros(self.weights.shape[1])
        if values is None:
            return self.weights[rows].sum(axis=0)
        vals = np.array([v for n, v in zip(names, values, strict=True) if n in self.index])
        return vals @ self.weights[rows]

    def proba(self, features: dict[str, float]) -> dict[str, list[float]]:
        names = list(features)
        return self._squash(self.intercepts + self.vector(names, [features[n] for n in names]))

    def row(self, name: str) -> tuple[float, ...] | None:
        """One binary feature's weights as a plain tuple (None: unknown)."""
        if self._rows is None:
            self._rows = {f: tuple(self.weights[i].tolist()) for f, i in self.index.items()}
        return self._rows.get(name)

    def word_row(self, names: tuple[str, ...]) -> tuple[float, ...]:
        """Σ weights of several binary features, a plain tuple."""
        rows = [r for r in map(self.row, names) if r is not None]
        return tuple(map(sum, zip(*rows, strict=True))) if rows else self._zero

    def proba_parts(self, rows: list[tuple[float, ...]], binary: list[str]) -> dict[str, list[float]]:
        """`proba` from precomputed per-word rows (`word_row`) plus binary feature
        names, in plain Python: a comment's ~30 short tuples add up faster
        than NumPy can be called on them."""
        self.row("")                              # builds the table once
        known = [r for r in map(self._rows.get, binary) if r is not None]
        z = [sum(col) for col in zip(self._intercepts, *rows, *known, strict=True)]
        return self._squash(z)

    def _squash(self, z_vec) -> dict[str, list[float]]:
        z = z_vec.tolist() if isinstance(z_vec, np.ndarray) else z_vec
        out = {}
        for name, sl, binary in self.plan:
            if binary:
                p = 1.0 / (1.0 + math.exp(-z[sl.start]))
                out[name] = [1.0 - p, p]
            else:
                part = z[sl]
                top = max(part)
                e = [math.exp(v - top) for v in part]
                total = sum(e)
                out[name] = [v / total for v in e]
        return out


def build_multilabel(C: float = 1.0):
    """DictVectorizer → one balanced logistic regression per label."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import Pipeline

    return Pipeline([
        ("vec", DictVectorizer()),
        ("clf", OneVsRestClassifier(LogisticRegression(C=C, max_iter=5000,
                                                       class_weight="balanced"))),
    ])


class CompiledMultiLabel(_FromTables):
    """A fitted `build_multilabel` pipeline as a feature → weights table."""

    def __init__(self, pipeline, labels: list[str]):
        self._set(tables({"pipeline": pipeline, "labels": labels}))

    def _set(self, t: Tables) -> None:
        self.index: dict[str, int] = {f: i for i, f in enumerate(feature_names(t))}
        self.weights = np.asarray(t["coef"], dtype=float)
        self.intercepts = np.asarray(t["intercept"], dtype=float)
        self.labels = t["classes"].tolist()

    def __call__(self, features: list[str]) -> dict[str, float]:
        rows = list({self.index[f] for f in features if f in self.index})
        z = (self.intercepts + self.weights[rows].sum(axis=0)) if rows else self.intercepts
        return {label: 1.0 / (1.0 + math.exp(-v)) for label, v in zip(self.labels, z.tolist(),
                                                                       strict=True)}
