"""Benchmark the script checks: deals with a 20-message thread per second, one core.

    python bench/score_conversations.py [--deals 2000]

Each deal carries one 20-message conversation from the conversations corpus
(unseen seed) and nothing else to check but the thread: the score covers
`script.step_missing`, `script.forbidden` and `comms.no_reply`. Target
(issue 4): ≥ 300 deals/s on one core.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MSK = ZoneInfo("Europe/Moscow")


def threads(n: int) -> list[dict]:
    from training import conversations_corpus

    out, seed = [], 101
    while len(out) < n:
        for c in conversations_corpus.generate(seed=seed, n=400):
            if len(c["messages"]) >= 20:
                c["messages"] = c["messages"][:20]
                out.append(c)
        seed += 1
    return out[:n]


def deals(convs: list[dict]) -> list[dict]:
    start = datetime(2026, 11, 2, 10, 0, tzinfo=MSK)
    out = []
    for i, c in enumerate(convs):
        msgs = [{"id": m["id"], "channel": c["channel"], "direction": m["direction"],
                 "created_at": (start + timedelta(minutes=7 * k)).isoformat(),
                 "text": m["text"]} for k, m in enumerate(c["messages"])]
        out.append({"id": f"B-{i}", "stage": c["stage"], "status": "open", "messages": msgs})
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deals", type=int, default=2000)
    opts = ap.parse_args()
    from analyzer.audit import audit_deal, make_ctx
    from analyzer.checks import CHECKS, _load_all
    from analyzer.config import load_config, merge
    from analyzer.schema import Deal
    from models.comments import preload as comment_models
    from models.steps import preload as step_models

    _load_all()
    keep = {"script.step_missing", "script.forbidden", "comms.no_reply"}
    config = merge(load_config(), {"checks": {"disabled": sorted(set(CHECKS) - keep)}})
    step_models(), comment_models()
    batch = [Deal.model_validate(d) for d in deals(threads(opts.deals))]
    ctx = make_ctx(datetime(2026, 11, 28, 12, tzinfo=MSK), config)
    rates = []
    for _ in range(3):             # run 1 starts with cold word caches; this VM is noisy
        started = time.perf_counter()
        findings = sum(len(audit_deal(d, ctx).findings) for d in batch)
        rates.append(len(batch) / (time.perf_counter() - started))
    print(f"{len(batch)} deals × 20 messages, {findings} findings; deals/s on one core: "
          f"first run {rates[0]:.0f}, runs {', '.join(f'{r:.0f}' for r in rates)}, "
          f"best {max(rates):.0f}")


if __name__ == "__main__":
    main()
