"""The script sentence classifier: one artifact (`steps`), a one-vs-rest
logistic regression over `analyzer.conversation.sentence_features` whose
labels are the script's steps and its forbidden kinds. Its
labels are stored with it, so a script with other step ids needs retraining
(`python -m training.train_steps`); steps it does not know are found by the
script's patterns alone."""

from __future__ import annotations

from functools import lru_cache

from models import store
from models.linear import CompiledMultiLabel

NAME = "steps"


@lru_cache(maxsize=1)
def model() -> CompiledMultiLabel:
    return CompiledMultiLabel.from_tables(store.load_tables(NAME))


def preload() -> None:
    model()
