"""Auditors' labels → training sets.

Labels are grouped per target (deal, comment or finding); conflicting verdicts
on one target are resolved by majority, a tie by the latest, and counted in a
report. Each example carries the weight 1/π of the sample it came from, so a
risk-leaning sample does not teach the model its own bias (DESIGN.md,
Sampling); bootstrap examples join with a lower weight. Labels about deals we
do not have are reported, never silently dropped.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Label:
    deal_id: str
    target: str                      # deal | comment | finding
    verdict: str                     # confirmed | rejected | value
    value: Any = None                # deal: {"fail": bool}; comment: {"completeness": 0..2}
    code: str | None = None
    entity_id: str | None = None
    auditor: str | None = None
    inclusion_probability: float | None = None
    at: str = ""                     # ISO time: the latest wins a tie

    @property
    def key(self) -> tuple:
        return (self.deal_id, self.target, self.code, self.entity_id)

    @property
    def answer(self) -> Any:
        v = self.value if self.verdict == "value" else self.verdict
        return tuple(sorted(v.items())) if isinstance(v, dict) else v


@dataclass
class Report:
    labels: int = 0
    targets: int = 0
    conflicts: int = 0                 # targets with disagreeing labels
    by_majority: int = 0
    by_latest: int = 0
    duplicates: int = 0                # identical labels of one target beyond the first
    unknown_deals: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {**self.__dict__, "unknown_deals": len(self.unknown_deals)}


def resolve(labels: Iterable[Label]) -> tuple[dict[tuple, Label], Report]:
    """One label per target: the majority answer, a tie broken by the latest."""
    groups: dict[tuple, list[Label]] = defaultdict(list)
    report = Report()
    for x in labels:
        groups[x.key].append(x)
        report.labels += 1
    out = {}
    for key, group in groups.items():
        votes = Counter(x.answer for x in group)
        report.duplicates += sum(n - 1 for n in votes.values())
        ranked = votes.most_common()
        if len(ranked) == 1:
            out[key] = max(group, key=lambda x: x.at)
            continue
        report.conflicts += 1
        top = [a for a, n in ranked if n == ranked[0][1]]
        if len(top) == 1:
            report.by_majority += 1
        else:
            report.by_latest += 1
        out[key] = max((x for x in group if x.answer in top), key=lambda x: x.at)
    report.targets = len(out)
    return out, report


def weight(label: Label) -> float:
    """1/π of the sample the deal was drawn in (1 when it was not sampled)."""
    pi = label.inclusion_probability
    return 1.0 / pi if pi and 0 < pi <= 1 else 1.0


def deal_examples(resolved: dict[tuple, Label], known: set[str], report: Report
                  ) -> list[tuple[str, int, float]]:
    """(deal id, fail 0/1, weight) per deal verdict; unknown deals are reported."""
    out = []
    for x in resolved.values():
        if x.target != "deal":
            continue
        if x.deal_id not in known:
            report.unknown_deals.append(x.deal_id)
            continue
        fail = x.value.get("fail") if isinstance(x.value, dict) else x.verdict == "confirmed"
        out.append((x.deal_id, int(bool(fail)), weight(x)))
    return out


def comment_examples(resolved: dict[tuple, Label], texts: dict[tuple[str, str], str],
                     report: Report, key: str = "completeness") -> list[tuple[str, int, float]]:
    """(comment text, grade, weight) per comment verdict on `key`: completeness
    0/1/2, or off_channel / disrespect as 0/1."""
    allowed = (0, 1, 2) if key == "completeness" else (False, True)
    out = []
    for x in resolved.values():
        if x.target != "comment" or not isinstance(x.value, dict) \
                or x.value.get(key) not in allowed or isinstance(x.value.get(key), float):
            continue
        text = texts.get((x.deal_id, str(x.entity_id)))
        if text is None:
            report.unknown_deals.append(x.deal_id)
            continue
        out.append((text, int(x.value[key]), weight(x)))
    return out


def from_rows(rows: Iterable) -> list[Label]:
    """Store rows (api.db.LabelRow or dicts) as Labels."""
    out = []
    for r in rows:
        get = r.get if isinstance(r, dict) else lambda k, r=r: getattr(r, k, None)
        at = get("created_at")
        out.append(Label(deal_id=str(get("deal_id")), target=get("target"),
                         verdict=get("verdict"), value=get("value"), code=get("code"),
                         entity_id=get("entity_id"), auditor=get("auditor"),
                         inclusion_probability=get("inclusion_probability"),
                         at=at.isoformat() if hasattr(at, "isoformat") else str(at or "")))
    return out
