"""The API's Scorer: what it loads before a worker takes its first request."""

from __future__ import annotations

from .conftest import NOW


def test_preload_leaves_nothing_to_load_on_the_first_request():
    import models
    from analyzer import dates, script
    from analyzer.comments import analyze
    from api.scoring import WARM_UP_DEAL, Scorer
    from models import steps

    models.reload()
    for lazy in (dates.grammar, script._compile):
        lazy.cache_clear()
    Scorer(fixed_now=NOW.isoformat()).preload()
    loaded = {f.__qualname__: f.cache_info().currsize
              for f in (dates.grammar, script._compile, steps.model)}
    assert loaded == {"grammar": 1, "_compile": 1, "model": 1}
    assert analyze(WARM_UP_DEAL["comments"][0]["text"]).dates        # a date was read


def test_the_warm_up_deal_exercises_contact_deal_and_script_checks():
    from api.scoring import WARM_UP_DEAL, Scorer

    done, errors = Scorer(fixed_now=NOW.isoformat()).deals([WARM_UP_DEAL])
    assert errors == []
    codes = {f.code.split(".")[0] for f in done[0].report.findings}
    assert {"contact", "deal"} <= codes
