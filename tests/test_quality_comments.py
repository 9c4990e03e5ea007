"""Quality bars of comment analysis, measured — never trained — on the dev set."""

from __future__ import annotations

import json

from training.eval_comments import measure

from .conftest import dev_file


def test_dev_comments_meet_the_bars():
    path = dev_file("comments.jsonl")
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    m = measure(rows)
    assert m["spearman"] >= 0.75
    assert m["spearman_adversarial"] >= 0.60
    assert m["off_channel"].f1 >= 0.90, m["off_channel"].row()
    assert m["disrespect"].f1 >= 0.80, m["disrespect"].row()
    assert m["channels"].f1 >= 0.90, m["channels"].row()
