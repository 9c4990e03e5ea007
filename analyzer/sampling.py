"""Risk-weighted audit samples with honest population estimates.

Inclusion probability π_i = min(1, max(floor, c·w_i)) with w_i the deal's risk
mixed with an exploration share, and c solved so that Σπ meets the role's
quota: every deal of the period keeps a chance of at least `floor`. The draw
is systematic PPS over the deals ordered by manager (implicit stratification:
each manager's share of the sample follows their Σπ; a supervisor's quota
gives every manager Σπ ≥ 1, hence at least one deal) — a fixed-size design
whose inclusion probabilities are exactly π. Population defect rates are
Horvitz–Thompson estimates with a successive-difference variance, which
suits systematic samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from analyzer.ru import plural

ROLES = {
    "qa": {"directions": ["scripts", "skills", "attentiveness"], "rate": 0.10, "period": "month"},
    "supervisor": {"directions": ["attentiveness", "skills", "analytics"], "rate": 0.10,
                   "period": "day", "each_manager": True},
    "head": {"directions": ["analytics", "skills"], "rate": 0.10, "period": "two_days"},
}


def role_config(config: dict, role: str) -> dict:
    from analyzer.config import get

    table = dict(ROLES.get(role, {}))
    table.update(get(config, f"sampling.roles.{role}") or {})
    if not table:
        raise ValueError(f"unknown role {role!r}: one of {', '.join(sorted(ROLES))}")
    return table


def period(kind: str, day: date) -> tuple[date, date]:
    """The reporting window a role samples from on `day`."""
    if kind == "day":
        return day, day
    if kind == "two_days":
        return day - timedelta(days=1), day
    if kind == "week":
        return day - timedelta(days=day.weekday()), day - timedelta(days=day.weekday()) + timedelta(6)
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first, nxt - timedelta(days=1)


@dataclass
class Population:
    """The period's deals, as columns (a million deals fit in ≈100 MB)."""

    ids: list[str] = field(default_factory=list)
    managers: list[str] = field(default_factory=list)
    risk: list[float] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)     # bit k: the deal has label k
    severe: list[int] = field(default_factory=list)     # critical and major findings
    names: dict[str, int] = field(default_factory=dict)

    def bit(self, name: str) -> int:
        k = self.names.get(name)
        if k is None:
            k = self.names[name] = len(self.names)
        return 1 << k

    @classmethod
    def with_labels(cls, names: list[str]) -> Population:
        """An empty population whose label bits are fixed in advance, so parts
        built in parallel can be joined."""
        return cls(names={n: k for k, n in enumerate(names)})

    def extend(self, other: Population) -> None:
        if other.names != self.names:
            raise ValueError("populations with different label bits")
        for attr in ("ids", "managers", "risk", "labels", "severe"):
            getattr(self, attr).extend(getattr(other, attr))

    def add(self, deal_id: str, manager: str | None, risk: float, labels: set[str],
            severe: int = 0) -> None:
        self.add_mask(deal_id, manager, risk, sum(self.bit(x) for x in labels), severe)

    def add_mask(self, deal_id: str, manager: str | None, risk: float, mask: int,
                 severe: int = 0) -> None:
        self.ids.append(deal_id)
        self.managers.append(manager or "—")
        self.risk.append(risk)
        self.labels.append(mask)
        self.severe.append(severe)

    def __len__(self) -> int:
        return len(self.ids)


def probabilities(risk: np.ndarray, n: float, floor: float, explore: float,
                  uncertain: float = 0.0) -> np.ndarray:
    """π = min(1, max(floor, c·w)) with Σπ = n, where w mixes the risk, a
    uniform share (`explore`) and a share for the deals the risk model is
    least sure of (`uncertain`: weight 1 − |2·risk − 1|, most at risk 0.5) —
    active learning inside the same design, so their π is recorded like any."""
    size = len(risk)
    if size == 0 or n <= 0:
        return np.zeros(size)
    if n >= size:
        return np.ones(size)
    mean = float(risk.mean()) or 1.0
    doubt = 1.0 - np.abs(2.0 * risk - 1.0)
    doubt_mean = float(doubt.mean()) or 1.0
    w = (1 - explore - uncertain) * risk / mean + explore + uncertain * doubt / doubt_mean
    lo, hi = 0.0, 1.0
    while np.minimum(1.0, np.maximum(floor, hi * w)).sum() < n:
        hi *= 2
    for _ in range(60):
        mid = (lo + hi) / 2
        if np.minimum(1.0, np.maximum(floor, mid * w)).sum() < n:
            lo = mid
        else:
            hi = mid
    return np.minimum(1.0, np.maximum(floor, hi * w))


def at_least_one_each(pi: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Raise each group's Σπ to at least 1 (so it is drawn at least once)."""
    pi = pi.copy()
    totals = np.bincount(groups, weights=pi)
    for g in np.flatnonzero(totals < 1.0):
        idx = groups == g
        k = idx.sum()
        pi[idx] = np.minimum(1.0, pi[idx] + (1.0 - totals[g]) / k)
        while pi[idx].sum() < 1.0 - 1e-9:
            short = 1.0 - pi[idx].sum()
            room = pi[idx] < 1.0
            pi[np.flatnonzero(idx)[room]] += short / room.sum()
            pi = np.minimum(pi, 1.0)
    return pi


def systematic(pi: np.ndarray, order: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indexes drawn by systematic PPS over `order` (π_i exactly, fixed size)."""
    cum = np.cumsum(pi[order])
    u = rng.random()
    hits = np.floor(cum - u) - np.floor(np.concatenate(([0.0], cum[:-1])) - u)
    return order[hits >= 1]


@dataclass
class Draw:
    chosen: np.ndarray          # indexes in selection order
    pi: np.ndarray              # every unit's inclusion probability
    population: Population


def draw(pop: Population, quota: float, seed: int, floor: float = 0.02, explore: float = 0.2,
         each_manager: bool = False, uncertain: float = 0.0) -> Draw:
    if not 0 <= explore + uncertain <= 1:
        raise ValueError("exploration + uncertain share must be within 0..1")
    rng = np.random.default_rng(seed)
    risk = np.asarray(pop.risk, dtype=float)
    managers, groups = np.unique(np.asarray(pop.managers), return_inverse=True)
    pi = probabilities(risk, quota, floor, explore, uncertain)
    if each_manager:
        pi = at_least_one_each(pi, groups)
    order = np.lexsort((rng.permutation(len(pop)), groups))
    return Draw(systematic(pi, order, rng), pi, pop)


def chosen_labels(d: Draw) -> np.ndarray:
    """The drawn deals' label masks, in selection order."""
    labels = d.population.labels
    return np.fromiter((labels[i] for i in d.chosen), dtype=np.int64, count=len(d.chosen))


def estimate(d: Draw, bit: int, labels: np.ndarray | None = None
             ) -> tuple[float, tuple[float, float]]:
    """HT estimate of the population share with label `bit`, and a 95% interval."""
    n, size = len(d.chosen), len(d.population)
    if n == 0 or size == 0:
        return 0.0, (0.0, 1.0)
    labels = chosen_labels(d) if labels is None else labels
    z = ((labels & bit) > 0) / d.pi[d.chosen]
    total = float(z.sum())
    if total == 0.0:                  # none drawn: the "rule of three" upper bound
        return 0.0, (0.0, min(1.0, 3.0 / n))
    if n > 1:
        var = n / (2 * (n - 1)) * float(np.sum(np.diff(z) ** 2))
    else:
        var = total ** 2
    half = 1.96 * math.sqrt(var) / size
    value = total / size
    return value, (max(0.0, value - half), min(1.0, value + half))


def reason(pop: Population, i: int, pi: float, floor: float, forced: bool) -> str:
    """Why a deal is in the sample, in Russian, for the auditor."""
    critical, major = divmod(pop.severe[i], 256)
    if pi <= floor * 1.5 and not critical:
        return "случайная проверка"
    parts = []
    if critical:
        parts.append(f"{critical} {plural(critical, 'критичное', 'критичных', 'критичных')}")
    if major:
        parts.append(f"{major} {plural(major, 'значимое', 'значимых', 'значимых')}")
    if parts:
        total = critical + major
        noun = plural(total, "замечание", "замечания", "замечаний")
        return f"высокий риск ({pop.risk[i]:.2f}): " + " и ".join(parts) + f" {noun}"
    if forced:
        return "контроль каждого менеджера за день"
    return f"риск {pop.risk[i]:.2f}"
