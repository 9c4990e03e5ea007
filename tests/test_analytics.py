"""Manager analytics: cherry-picking on synthetic truth, two-day dynamics."""

from __future__ import annotations

import pytest

from analyzer.analytics import managers, windows
from analyzer.audit import make_ctx
from analyzer.checks import run_manager
from analyzer.schema import Deal
from training.synth import cherry_pickers, generate

from .conftest import NOW


@pytest.mark.parametrize(("n", "seed"), [(1500, 7), (2500, 3)])
def test_cherry_pickers_are_found_exactly(n, seed):
    deals = [Deal.model_validate(d) for d, _ in generate(n, seed=seed, now=NOW)]
    ctx = make_ctx(NOW)
    flagged = {}
    for m in managers(deals):
        for f in run_manager(m, ctx):
            flagged[m.manager_id] = f
    assert set(flagged) == cherry_pickers(n, seed)
    f = next(iter(flagged.values()))
    assert f.code == "manager.cherry_picking" and f.entity == "manager"
    assert "без единого действия" in f.message


def test_two_day_windows_describe_a_manager():
    deals = [Deal.model_validate(d) for d, _ in generate(400, seed=2, now=NOW)]
    ctx = make_ctx(NOW)
    m = managers(deals)[0]
    ws = windows(m, {}, ctx, count=5)
    assert len(ws) == 5 and ws[-1].end == NOW.date().isoformat()
    assert all(w.start < w.end for w in ws)
    assert sum(w.new_leads for w in ws) > 0
    assert all(w.comment_quality is None or 0 <= w.comment_quality <= 1 for w in ws)
