"""How long deals stay in each stage: configured norms, or learned ones.

A stage with no configured norm gets the configured percentile of the
durations observed in the batch's stage histories (finished stays only).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import numpy as np

from analyzer.config import get
from analyzer.schema import Deal, StageEntry

DAY = 86_400.0
MIN_NORM_DAYS = 0.5     # CRM robots move deals instantly; a norm is never below half a day


def stays(entries: Iterable[StageEntry]) -> Iterable[tuple[str, float]]:
    """(stage, days) for every finished stay in a stage history."""
    history = sorted(entries, key=lambda s: s.entered_at)
    for here, nxt in zip(history, history[1:], strict=False):
        days = (nxt.entered_at - here.entered_at).total_seconds() / DAY
        if days >= 0:
            yield here.stage, days


def collect(deals: Iterable[Deal]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = defaultdict(list)
    for deal in deals:
        for stage, days in stays(deal.stage_history):
            out[stage].append(days)
    return dict(out)


def learn(durations: dict[str, list[float]], percentile: float = 90,
          min_samples: int = 20) -> dict[str, float]:
    return {stage: round(max(MIN_NORM_DAYS, float(np.percentile(values, percentile))), 2)
            for stage, values in durations.items() if len(values) >= min_samples}


def effective(config: dict, durations: dict[str, list[float]] | None = None) -> dict[str, float]:
    """Configured norms, with learned ones for the stages the config lacks."""
    configured = {k: float(v) for k, v in (get(config, "funnel.stage_norms_days", {}) or {}).items()
                  if isinstance(v, (int, float))}
    learned = learn(durations or {}, get(config, "funnel.learned_norm_percentile", 90),
                    get(config, "funnel.learned_norm_min_samples", 20))
    return {**learned, **configured}


def needs_learning(config: dict, stages: Iterable[str]) -> bool:
    configured = get(config, "funnel.stage_norms_days", {}) or {}
    return any(s not in configured for s in stages)


def durations_from_lines(lines: Iterable[tuple[int, str]]) -> dict[str, list[float]]:
    """Stage durations from raw deal JSON lines; unusable lines are skipped here
    (the scoring pass reports them)."""
    import json

    from pydantic import ValidationError

    out: dict[str, list[float]] = defaultdict(list)
    for _, line in lines:
        try:
            raw = json.loads(line).get("stage_history") or []
            history = [StageEntry.model_validate(e) for e in raw]
        except (ValueError, AttributeError, TypeError, ValidationError, RecursionError):
            continue
        for stage, days in stays(history):
            out[stage].append(days)
    return dict(out)
