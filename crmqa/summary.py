"""Summaries of scored deals: findings per code, per manager, per direction."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from analyzer.schema import DIRECTIONS

SCRIPT_CODES = ("script.step_missing", "script.forbidden", "comms.no_reply")


@dataclass
class ManagerRow:
    manager_id: str
    name: str
    team: str
    deals: int = 0
    with_findings: int = 0
    by_direction: Counter = field(default_factory=Counter)
    by_code: Counter = field(default_factory=Counter)
    scores: dict[str, float] = field(default_factory=lambda: dict.fromkeys(DIRECTIONS, 0.0))

    @property
    def script_issues(self) -> dict[str, int]:
        """Deals with each script finding: missing steps, forbidden phrases, no reply."""
        return {c: self.by_code.get(c, 0) for c in SCRIPT_CODES}

    def mean_scores(self) -> dict[str, float]:
        return {d: round(v / self.deals, 3) if self.deals else 1.0 for d, v in self.scores.items()}


@dataclass
class Summary:
    deals: int
    with_findings: int
    by_code: Counter            # code -> deals with at least one finding of it
    findings_by_code: Counter   # code -> findings
    managers: list[ManagerRow]
    examples: list[dict]


def summarize(reports: list[dict], n_examples: int = 40) -> Summary:
    by_code, findings_by_code = Counter(), Counter()
    managers: dict[str, ManagerRow] = {}
    with_findings = 0
    examples = []
    for r in reports:
        key = r.get("manager_id") or "—"
        row = managers.setdefault(key, ManagerRow(key, r.get("manager_name") or key,
                                                  r.get("team") or "—"))
        row.deals += 1
        codes = {f["code"] for f in r["findings"]}
        by_code.update(codes)
        row.by_code.update(codes)
        for d, v in r["scores"].items():
            row.scores[d] = row.scores.get(d, 0.0) + v
        for f in r["findings"]:
            findings_by_code[f["code"]] += 1
            row.by_direction[f["direction"]] += 1
        if codes:
            with_findings += 1
            row.with_findings += 1
        if r["findings"] and len(examples) < n_examples and r["risk"] >= 0.9:
            examples.append(r)
    ordered = sorted(managers.values(), key=lambda m: (m.team, m.manager_id))
    return Summary(len(reports), with_findings, by_code, findings_by_code, ordered, examples)
