"""Train the script-step sentence classifier on the conversations corpus and
measure the whole step detector (patterns + classifier) on held-out threads.

    python -m training.train_steps [--seed 0] [--n 900]
"""

from __future__ import annotations

import argparse
import time

from analyzer.config import load_config
from analyzer.conversation import (
    analyse_message,
    score_sentences,
    sentence_features,
    sentences,
)
from analyzer.schema import Message
from analyzer.script import load_script
from models import store
from models.linear import CompiledMultiLabel, build_multilabel
from models.steps import NAME
from training import conversations_corpus
from training.evaluate import PR


def _message(m: dict, channel: str) -> Message:
    return Message(id=m["id"], channel=channel, direction=m["direction"], text=m["text"])


def sentence_rows(convs: list[dict], script) -> tuple[list[dict], list[list[str]]]:
    """Features and labels per manager sentence; a sentence carries a step when
    the step's labelled span overlaps it."""
    X, Y = [], []
    for c in convs:
        outs = [m for m in c["messages"] if m["direction"] == "out"]
        for i, m in enumerate(outs):
            parts = sentences(m["text"])
            score_sentences(parts, script, i == 0)          # rule hits, as at run time
            for s in parts:
                lo, hi = s.start, s.start + len(s.text)
                labels = [k for k, (a, b) in m.get("spans", {}).items()
                          if (k in script.steps or k in script.forbidden) and a < hi and lo < b]
                X.append(dict.fromkeys(sentence_features(s, i == 0), 1.0))
                Y.append(labels)
    return X, Y


def detect(convs: list[dict], script, classify) -> dict:
    """Per-step conversation-level P/R and forbidden (message, kind) precision."""
    counts = {k: [0, 0, 0] for k in script.order}
    fb = [0, 0, 0]
    for c in convs:
        outs = [_message(m, c["channel"]) for m in c["messages"] if m["direction"] == "out"]
        analysed = [analyse_message(m, script, first=i == 0, model=classify)
                    for i, m in enumerate(outs)]
        found = {ev.kind for steps, _ in analysed for ev in steps}
        truth = set(c["steps"])
        for k, row in counts.items():
            row[0] += k in found and k in truth
            row[1] += k in found and k not in truth
            row[2] += k in truth and k not in found
        labels = {m["id"]: set(m.get("forbidden", [])) for m in c["messages"]}
        for m, (_, bad) in zip(outs, analysed, strict=True):
            for ev in bad:
                fb[0 if ev.kind in labels.get(m.id, set()) else 1] += 1
            fb[2] += len(labels.get(m.id, set()) - {ev.kind for ev in bad})
    steps = {k: PR(*row) for k, row in counts.items()}
    return {"steps": {k: pr.row() | {"f1": round(pr.f1, 4)} for k, pr in steps.items()},
            "macro_f1": round(sum(pr.f1 for pr in steps.values()) / len(steps), 4),
            "forbidden_precision": round(fb[0] / max(fb[0] + fb[1], 1), 4),
            "forbidden_recall": round(fb[0] / max(fb[0] + fb[2], 1), 4),
            "forbidden_hits": fb[0] + fb[1]}


def _labels(Y: list[list[str]], order) -> list[list[int]]:
    return [[int(k in y) for k in order] for y in Y]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n", type=int, default=900)
    args = ap.parse_args(argv)
    started = time.perf_counter()
    script = load_script(load_config())
    order = list(script.order) + [k for k in script.forbidden if k not in script.order]
    train, test = conversations_corpus.generate_split(seed=args.seed, n=args.n)
    X_train, Y_train = sentence_rows(train, script)
    X_test, Y_test = sentence_rows(test, script)
    measured = build_multilabel().fit(X_train, _labels(Y_train, order))
    metrics = {"heldout": detect(test, script, CompiledMultiLabel(measured, order)),
               "heldout_size": len(test)}
    final = build_multilabel().fit(X_train + X_test, _labels(Y_train + Y_test, order))
    data = {"source": "training/conversations_corpus.py (synthetic threads; no dev data)",
            "seed": args.seed, "train_conversations": len(train),
            "heldout_conversations": len(test), "train_sentences": len(X_train),
            "split": "by phrase-pool halves and template families",
            "final_fit": "train + held-out, after measuring on held-out"}
    manifest = store.save({"pipeline": final, "labels": order}, NAME, data=data, metrics=metrics)
    print(f"{manifest.path.name}: held-out macro F1 {metrics['heldout']['macro_f1']}, "
          f"forbidden precision {metrics['heldout']['forbidden_precision']} "
          f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
