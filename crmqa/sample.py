"""`crmqa sample`: read scored deals, draw a role's sample, write it and a summary."""

from __future__ import annotations

import json
import math
import os
from datetime import date

from analyzer import sampling

try:                                   # ≈1.5× faster on score lines; json is the fallback
    from orjson import loads
except ImportError:                    # pragma: no cover
    from json import loads


def in_period(row: dict, start: str, end: str) -> bool:
    """Any activity in [start, end] (ISO dates compare as strings)."""
    days = row.get("active_on") or ([str(row["created_at"])[:10]] if row.get("created_at") else [])
    return any(start <= d <= end for d in days)


def labels_of(row: dict, pop: sampling.Population) -> tuple[int, int]:
    """(bit mask of the deal's codes and directions, critical·256 + major)."""
    mask = critical = major = 0
    for f in row.get("findings") or ():
        mask |= pop.bit(f["code"]) | pop.bit(f["direction"])
        sev = f.get("severity")
        critical += sev == "critical"
        major += sev == "major"
    return mask, min(critical, 255) * 256 + min(major, 255)


def known_labels() -> list[str]:
    """Every finding code and direction, in a fixed order (bits of the labels)."""
    from analyzer.checks import CHECKS, _load_all
    from analyzer.schema import DIRECTIONS

    _load_all()
    return sorted(CHECKS) + list(DIRECTIONS)


def population(stream, start: date, end: date, errors: list, first_line: int = 1
               ) -> sampling.Population:
    """The period's scored deals; a bad line is reported and skipped."""
    pop = sampling.Population.with_labels(known_labels())
    lo, hi = start.isoformat(), end.isoformat()
    for n, raw in enumerate(stream, first_line):
        if not raw.strip():
            continue
        try:
            row = loads(raw)
            if in_period(row, lo, hi):
                mask, severe = labels_of(row, pop)
                pop.add_mask(str(row["deal_id"]), row.get("manager_id"), float(row["risk"]),
                             mask, severe)
        except (ValueError, UnicodeDecodeError):
            errors.append((n, "не JSON-объект с полями deal_id и risk"))
        except (KeyError, TypeError, AttributeError):
            errors.append((n, "нет поля deal_id или risk"))
    return pop


def _part(path: str, begin: int, stop: int, first_line: int, start: date, end: date):
    """One worker's share of a file: the lines starting in [begin, stop)."""
    errors: list = []
    with open(path, "rb") as fh:
        fh.seek(begin)
        lines = iter(lambda: fh.readline() if fh.tell() < stop else b"", b"")
        return population(lines, start, end, errors, first_line), errors


def _ranges(path: str, parts: int) -> list[tuple[int, int, int]]:
    """(begin, stop, first line number) of `parts` newline-aligned byte ranges."""
    size = os.path.getsize(path)
    cuts = [0]
    with open(path, "rb") as fh:
        for k in range(1, parts):
            fh.seek(size * k // parts)
            fh.readline()
            cuts.append(max(cuts[-1], fh.tell()))
        cuts.append(size)
        firsts, line = [], 1
        for a, b in zip(cuts, cuts[1:], strict=False):
            firsts.append(line)
            fh.seek(a)
            line += fh.read(b - a).count(b"\n")
    return [(a, b, f) for (a, b), f in zip(zip(cuts, cuts[1:], strict=False), firsts, strict=True)]


def population_of_file(path: str, start: date, end: date, errors: list, jobs: int
                       ) -> sampling.Population:
    """The period's deals of a large file, parsed on `jobs` forked workers."""
    import multiprocessing as mp

    pop = sampling.Population.with_labels(known_labels())
    with mp.get_context("fork").Pool(jobs) as pool:
        parts = pool.starmap(_part, [(path, a, b, f, start, end) for a, b, f in _ranges(path, jobs)])
    for part, errs in parts:
        pop.extend(part)
        errors.extend(errs)
    return pop


def summary(d: sampling.Draw, role: str, day: date, window: tuple[date, date]) -> dict:
    pop = d.population
    names = sorted(pop.names, key=lambda x: (x.count("."), x))
    estimates = {}
    labels = sampling.chosen_labels(d)
    for name in names:
        value, (lo, hi) = sampling.estimate(d, 1 << pop.names[name], labels)
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


PARALLEL_BYTES = 50_000_000       # files larger than this are parsed on all cores


def run(source, role: str, day: date, config: dict, rate: float | None, seed: int
        ) -> tuple[list[dict], dict, list]:
    """`source`: a binary stream or a file path."""
    from analyzer.batch import default_jobs
    from analyzer.config import get

    table = sampling.role_config(config, role)
    window = sampling.period(table.get("period", "month"), day)
    errors: list = []
    if isinstance(source, str) and os.path.getsize(source) > PARALLEL_BYTES and default_jobs() > 1:
        pop = population_of_file(source, window[0], window[1], errors, default_jobs())
    elif isinstance(source, str):
        with open(source, "rb") as fh:
            pop = population(fh, window[0], window[1], errors)
    else:
        pop = population(source, window[0], window[1], errors)
    floor = float(get(config, "sampling.floor", 0.02))
    d = sampling.draw(pop, quota(table, rate, len(pop)), seed, floor,
                      float(get(config, "sampling.exploration", 0.2)),
                      bool(table.get("each_manager")),
                      float(get(config, "sampling.uncertain", 0.0)))
    return sample_lines(d, role, table, floor), summary(d, role, day, window), errors


def write(lines: list[dict], out) -> None:
    for row in lines:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
