"""Measure comment analysis on a labelled comment set (the shared dev set by default).

    python -m training.eval_comments [path/to/comments.jsonl] [--errors]

Measurement only: nothing here feeds training, rules or lexicons.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

from scipy.stats import spearmanr

from analyzer.comments import analyze
from models import comments as learned
from training.evaluate import PR

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "dev" / "comments.jsonl"
TODAY = date(2026, 11, 27)


def predict(rows: list[dict]) -> list[dict]:
    out = []
    for r in rows:
        a = analyze(r["text"], TODAY)
        out.append({"completeness": learned.completeness(a), "channels": set(a.channels),
                    "off_channel": learned.flag("off_channel", a) >= 0.5,
                    "disrespect": learned.flag("disrespect", a) >= 0.5})
    return out


def _pr(rows, preds, key) -> PR:
    tp = sum(r[key] and p[key] for r, p in zip(rows, preds, strict=True))
    fp = sum(p[key] and not r[key] for r, p in zip(rows, preds, strict=True))
    fn = sum(r[key] and not p[key] for r, p in zip(rows, preds, strict=True))
    return PR(tp, fp, fn)


def _channels(rows, preds) -> PR:
    tp = fp = fn = 0
    for r, p in zip(rows, preds, strict=True):
        truth = set(r["channels"])
        tp += len(truth & p["channels"])
        fp += len(p["channels"] - truth)
        fn += len(truth - p["channels"])
    return PR(tp, fp, fn)


def measure(rows: list[dict]) -> dict:
    preds = predict(rows)
    adv = [i for i, r in enumerate(rows) if r.get("adversarial")]
    score = [p["completeness"] for p in preds]
    label = [r["completeness"] for r in rows]
    return {
        "spearman": float(spearmanr(score, label).statistic),
        "spearman_adversarial": float(spearmanr([score[i] for i in adv],
                                                [label[i] for i in adv]).statistic) if adv else None,
        "off_channel": _pr(rows, preds, "off_channel"),
        "disrespect": _pr(rows, preds, "disrespect"),
        "channels": _channels(rows, preds),
        "preds": preds,
    }


def main(argv: list[str]) -> None:
    path = Path(next((a for a in argv if not a.startswith("--")), DEFAULT))
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    m = measure(rows)
    print(f"completeness Spearman {m['spearman']:.3f}; adversarial {m['spearman_adversarial']}")
    for key in ("off_channel", "disrespect", "channels"):
        pr = m[key]
        print(f"{key:12s} P={pr.precision:.3f} R={pr.recall:.3f} F1={pr.f1:.3f} "
              f"tp={pr.tp} fp={pr.fp} fn={pr.fn}")
    if "--errors" in argv:
        for r, p in zip(rows, m["preds"], strict=True):
            for key in ("off_channel", "disrespect"):
                if r[key] != p[key]:
                    print(("FN" if r[key] else "FP"), key, r["text"])
            if set(r["channels"]) != p["channels"]:
                print("CH", sorted(r["channels"]), sorted(p["channels"]), r["text"])


if __name__ == "__main__":
    main(sys.argv[1:])
