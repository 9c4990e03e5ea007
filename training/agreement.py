"""How far auditors' verdicts can be trusted, and how far the checks can:

- `kappa_by_direction`: Cohen's kappa between two auditors on the deals both
  judged, per direction (pass / fail);
- `leniency`: per auditor, the share of findings confirmed against everyone
  else's share; far above or below marks a lenient or strict auditor;
- `check_quality`: per check, coverage (share of deals it fires on) and
  precision against auditors' verdicts — a rule auditors keep rejecting shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from statistics import median

from sklearn.metrics import cohen_kappa_score

from analyzer.schema import DIRECTIONS
from training.datasets import Label

LENIENCY_GAP = 0.15          # points of confirmation rate that mark an outlier
MIN_LABELS = 20


def kappa_by_direction(labels: Iterable[Label], a: str, b: str) -> dict[str, dict]:
    """Per direction: {"deals": n, "kappa": κ or None} for auditors a and b."""
    verdicts: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for x in labels:
        if x.target == "deal" and x.auditor in (a, b) and isinstance(x.value, dict):
            for d in DIRECTIONS:
                if x.value.get(d) in ("pass", "fail"):
                    verdicts[(d, x.deal_id)][x.auditor] = x.value[d]
    out = {}
    for d in DIRECTIONS:
        pairs = [(v[a], v[b]) for (dd, _), v in verdicts.items() if dd == d and len(v) == 2]
        kappa = None
        if pairs and len({p for pair in pairs for p in pair}) > 1:
            kappa = round(float(cohen_kappa_score([p for p, _ in pairs], [q for _, q in pairs])), 3)
        elif pairs:
            kappa = 1.0 if all(p == q for p, q in pairs) else 0.0
        out[d] = {"deals": len(pairs), "kappa": kappa}
    return out


def leniency(labels: Iterable[Label]) -> list[dict]:
    """Per auditor with enough finding verdicts: their confirmation rate, the
    median of all auditors' rates (one very lenient colleague does not make
    everyone else look strict), and "мягкий" / "строгий" past the gap."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for x in labels:
        if x.target == "finding" and x.auditor and x.verdict in ("confirmed", "rejected"):
            counts[x.auditor][0] += x.verdict == "confirmed"
            counts[x.auditor][1] += 1
    rates = {who: c / n for who, (c, n) in counts.items() if n >= MIN_LABELS}
    judge = len(rates) >= 3          # with two, neither one is the norm: no flag
    rows = []
    typical = float(median(rates.values())) if rates else 0.0
    for who, own in sorted(rates.items()):
        flag = "" if not judge else ("мягкий" if own - typical > LENIENCY_GAP else
                                     "строгий" if typical - own > LENIENCY_GAP else "")
        rows.append({"auditor": who, "labels": counts[who][1], "confirmed": round(own, 3),
                     "median_confirmed": round(typical, 3), "flag": flag})
    return rows


def check_quality(reports: Iterable[dict], labels: Iterable[Label]) -> list[dict]:
    """Per finding code: coverage over the reports, verdicts, precision."""
    fired: dict[str, int] = defaultdict(int)
    n_reports = 0
    for r in reports:
        n_reports += 1
        for code in {f["code"] for f in r.get("findings") or ()}:
            fired[code] += 1
    verdicts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for x in labels:
        if x.target == "finding" and x.code and x.verdict in ("confirmed", "rejected"):
            verdicts[x.code][0] += x.verdict == "confirmed"
            verdicts[x.code][1] += 1
    rows = []
    for code in sorted(set(fired) | set(verdicts)):
        c, n = verdicts[code]
        rows.append({"code": code, "coverage": round(fired[code] / n_reports, 4) if n_reports else 0,
                     "verdicts": n, "precision": round(c / n, 3) if n else None})
    return sorted(rows, key=lambda r: (r["precision"] is None, r["precision"] or 0))


def summary(reports: Iterable[dict], labels: list[Label]) -> dict:
    """All three tables: checks, auditors' leniency, and kappa for every pair
    of auditors who judged the same deals."""
    from itertools import combinations

    judged: dict[str, set[str]] = defaultdict(set)
    for x in labels:
        if x.target == "deal" and x.auditor:
            judged[x.auditor].add(x.deal_id)
    pairs = [{"auditors": [a, b], "directions": kappa_by_direction(labels, a, b)}
             for a, b in combinations(sorted(judged), 2) if judged[a] & judged[b]]
    return {"checks": check_quality(reports, labels), "auditors": leniency(labels),
            "agreement": pairs}
