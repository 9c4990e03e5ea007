"""`crmqa labels import|export`: auditors' labels in and out of the store."""

from __future__ import annotations

import csv
import json

from pydantic import ValidationError

from analyzer.schema import explain
from crmqa.io import InputError

FIELDS = ("deal_id", "target", "code", "entity_id", "verdict", "value", "auditor", "key",
          "inclusion_probability")


def _rows(path: str):
    """(line number, dict) per label; CSV values of `value` are JSON."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        if path.lower().endswith(".csv"):
            for n, row in enumerate(csv.DictReader(fh), 2):
                row = {k: v for k, v in row.items() if k and v not in (None, "")}
                try:
                    if "value" in row:
                        row["value"] = json.loads(row["value"])
                    yield n, row
                except json.JSONDecodeError:
                    yield n, "value: не JSON"
            return
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    obj = json.loads(line)
                    yield n, obj if isinstance(obj, dict) else "ожидался JSON-объект"
                except json.JSONDecodeError as exc:
                    yield n, f"не JSON ({exc.msg})"


def import_labels(path: str, account: str, db: str | None) -> tuple[int, int, list]:
    from api.schemas import LabelIn
    from api.store import Store

    store = Store(db)
    known = {d["id"] for d in store.deals(account)}
    errors, rows = [], []
    try:
        source = list(_rows(path))
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None
    for n, obj in source:
        if isinstance(obj, str):
            errors.append((n, obj))
            continue
        pi = obj.pop("inclusion_probability", None)
        for extra in ("created_at", "id"):       # written by export, set by the store
            obj.pop(extra, None)
        try:
            label = LabelIn.model_validate(obj)
        except ValidationError as exc:
            errors.append((n, explain(exc)))
            continue
        if label.deal_id not in known:
            errors.append((n, "сделка не найдена в хранилище"))
            continue
        stored_pi = store.inclusion_probability(account, label.deal_id)
        rows.append(label.row(None, float(pi) if pi not in (None, "") else stored_pi))
    ids, duplicates = store.put_labels(account, rows) if rows else ([], 0)
    return len(ids), duplicates, errors


def export_labels(account: str, db: str | None, out, as_csv: bool) -> None:
    from api.store import Store

    rows = [{f: getattr(r, f) for f in FIELDS} | {"created_at": r.created_at.isoformat()}
            for r in Store(db).labels(account)]
    if as_csv:
        writer = csv.DictWriter(out, fieldnames=[*FIELDS, "created_at"])
        writer.writeheader()
        for r in rows:
            writer.writerow({**r, "value": json.dumps(r["value"], ensure_ascii=False)
                             if r["value"] is not None else ""})
        return
    for r in rows:
        out.write(json.dumps(r, ensure_ascii=False) + "\n")
