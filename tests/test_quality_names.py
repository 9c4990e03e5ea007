"""Quality bars of the name checks, measured — never trained — on real inputs."""

from __future__ import annotations

import json

from training.eval_names import measure
from training.eval_surnames import false_alarms, pairs

from .conftest import dev_file


def test_dev_names_nickname_and_lowercase():
    path = dev_file("names.jsonl")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    table, errors = measure(rows)
    nick, low = table["nickname"], table["lowercase"]
    assert nick.precision >= 0.95, errors
    assert nick.recall >= 0.90, errors
    assert low.f1 == 1.0, errors


def test_real_surnames_with_first_names_are_not_nicknames():
    names = pairs(seed=1)
    assert len(names) > 15_000              # every Surn form of pymorphy3's dictionary
    flagged = false_alarms(names)
    assert len(flagged) / len(names) <= 0.005, flagged[:20]
