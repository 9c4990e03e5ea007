"""Measure the name checks on a labelled name set (the shared dev set by default).

    python -m training.eval_names [../shared/data/dev/names.jsonl] [--errors]

Measurement only: nothing here feeds training or lexicons.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

from analyzer.audit import audit_contact, make_ctx
from analyzer.schema import Contact
from training.evaluate import PR

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "dev" / "names.jsonl"
LABELS = {"nickname": "contact.name.nickname", "lowercase": "contact.name.lowercase"}


def predictions(rows: list[dict]) -> list[set[str]]:
    ctx = make_ctx(datetime.now().astimezone())
    return [{f.code for f in audit_contact(Contact(id=r["id"], name=r["name"]), ctx).findings}
            for r in rows]


def measure(rows: list[dict]) -> tuple[dict[str, PR], list[tuple[str, str, str]]]:
    found = predictions(rows)
    table, errors = {}, []
    for label, code in LABELS.items():
        tp = fp = fn = 0
        for row, codes in zip(rows, found, strict=True):
            truth, hit = bool(row[label]), code in codes
            tp += truth and hit
            fp += hit and not truth
            fn += truth and not hit
            if truth != hit:
                errors.append(("FN" if truth else "FP", label, row["name"]))
        table[label] = PR(tp, fp, fn)
    extra = sum("contact.name.not_a_name" in c for c in found)
    table["not_a_name_alarms"] = PR(0, extra, 0)
    return table, errors


def main(argv: list[str]) -> None:
    path = Path(next((a for a in argv if not a.startswith("--")), DEFAULT))
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    table, errors = measure(rows)
    for label, pr in table.items():
        print(f"{label:20s} P={pr.precision:.3f} R={pr.recall:.3f} F1={pr.f1:.3f} "
              f"tp={pr.tp} fp={pr.fp} fn={pr.fn}")
    if "--errors" in argv:
        for kind, label, name in errors:
            print(kind, label, name)


if __name__ == "__main__":
    main(sys.argv[1:])
