"""`crmqa sample`: read scored deals, draw a role's sample, write it and a summary."""

from __future__ import annotations

import json
import math
from datetime import date

from analyzer import sampling
from analyzer.batch import load_object
from crmqa.io import lines_of


def in_period(row: dict, start: date, end: date) -> bool:
    days = row.get("active_on") or ([str(row["created_at"])[:10]] if row.get("created_at") else [])
    return any(start.isoformat() <= d <= end.isoformat() for d in days)


def labels_of(row: dict) -> tuple[set[str], int]:
    findings = row.get("findings") or []
    labels = {f["code"] for f in findings} | {f["direction"] for f in findings}
    critical = sum(f.get("severity") == "critical" for f in findings)
    major = sum(f.get("severity") == "major" for f in findings)
    return labels, min(critical, 255) * 256 + min(major, 255)


def population(stream, start: date, end: date, errors: list) -> sampling.Population:
    pop = sampling.Population()
    for n, line in lines_of(stream):
        try:
            row = load_object(line)
            if in_period(row, start, end):
                labels, severe = labels_of(row)
                pop.add(str(row["deal_id"]), row.get("manager_id"), float(row.get("risk", 0.0)),
                        labels, severe)
        except (ValueError, KeyError, TypeError) as exc:
            errors.append((n, str(exc) if isinstance(exc, ValueError) else "нет поля deal_id/risk"))
    return pop


def summary(d: sampling.Draw, role: str, day: date, window: tuple[date, date]) -> dict:
    pop = d.population
    names = sorted(pop.names, key=lambda x: (x.count("."), x))
    estimates = {}
    for name in names:
        value, (lo, hi) = sampling.estimate(d, 1 << pop.names[name])
        estimates[name] = {"value": round(value, 4), "ci95": [round(lo, 4), round(hi, 4)]}
    return {"role": role, "date": day.isoformat(),
            "period": [window[0].isoformat(), window[1].isoformat()],
            "population": len(pop), "sample_size": int(len(d.chosen)),
            "min_inclusion_probability": round(float(d.pi.min()), 4) if len(pop) else None,
            "estimates": estimates}


def sample_lines(d: sampling.Draw, role: str, table: dict, floor: float) -> list[dict]:
    pop = d.population
    return [{"deal_id": pop.ids[i], "role": role, "directions": table["directions"],
             "inclusion_probability": round(float(d.pi[i]), 4), "risk": pop.risk[i],
             "manager_id": pop.managers[i],
             "reason": sampling.reason(pop, i, float(d.pi[i]), floor,
                                       bool(table.get("each_manager")))}
            for i in d.chosen]


def quota(table: dict, rate: float | None, size: int) -> float:
    r = rate if rate is not None else float(table.get("rate", 0.1))
    return float(min(size, max(1, math.ceil(r * size)))) if size else 0.0


def run(stream, role: str, day: date, config: dict, rate: float | None, seed: int
        ) -> tuple[list[dict], dict, list]:
    from analyzer.config import get

    table = sampling.role_config(config, role)
    window = sampling.period(table.get("period", "month"), day)
    errors: list = []
    pop = population(stream, window[0], window[1], errors)
    floor = float(get(config, "sampling.floor", 0.02))
    d = sampling.draw(pop, quota(table, rate, len(pop)), seed, floor,
                      float(get(config, "sampling.exploration", 0.2)),
                      bool(table.get("each_manager")))
    return sample_lines(d, role, table, floor), summary(d, role, day, window), errors


def write(lines: list[dict], out) -> None:
    for row in lines:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
