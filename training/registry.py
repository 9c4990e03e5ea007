"""The model registry: every version of every model under `models/artifacts/`
with its manifest; a new version goes live only through the promotion gate.

    m = registry.register(pipeline, "risk", data=..., metrics={"heldout": {...}})
    registry.promote("risk")            # refused if its held-out metric dropped
    registry.rollback("risk")           # the previous version, byte for byte

The gate compares each family's key metric on its fixed held-out split: the
candidate may be worse than the active version by at most `tolerance`.
A running API picks up a promotion without a restart (`models.reload_if_changed`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models import store

# family → (path of the key metric in the manifest, +1 higher is better / -1 lower)
GATES: dict[str, tuple[tuple[str, ...], int]] = {
    "risk": (("heldout", "roc_auc"), +1),
    "completeness": (("heldout", "spearman"), +1),
    "off_channel": (("heldout", "f1"), +1),
    "disrespect": (("heldout", "f1"), +1),
    "nickname": (("heldout_unseen_words", "f1"), +1),
}
DEFAULT_TOLERANCE = 0.01


class PromotionRefused(RuntimeError):
    """The candidate's held-out metric is worse than the active one's by more
    than the tolerance (or it has none to compare)."""


@dataclass(frozen=True)
class Decision:
    name: str
    version: int
    metric: str
    candidate: float | None
    active: float | None
    tolerance: float
    passed: bool

    def explain(self) -> str:
        verdict = "принята" if self.passed else "отклонена"
        return (f"{self.name} v{self.version}: {self.metric} кандидата {self.candidate}, "
                f"действующей {self.active}, допуск {self.tolerance} — версия {verdict}")


def metric_of(manifest: store.Manifest) -> float | None:
    path, _ = GATES.get(manifest.name, ((), +1))
    value: Any = manifest.metrics
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return float(value) if isinstance(value, (int, float)) else None


def register(obj: Any, name: str, *, data: dict, metrics: dict,
             root: Path | None = None) -> store.Manifest:
    """Save a new version as a candidate (not used until promoted)."""
    return store.save(obj, name, data=data, metrics=metrics, status="candidate", root=root)


def versions(name: str, root: Path | None = None) -> list[store.Manifest]:
    return [m for m in store.manifests(root) if m.name == name]


def _current(name: str, root: Path) -> store.Manifest | None:
    found = [m for m in versions(name, root) if m.status == "active"]
    return found[-1] if found else None


def judge(candidate: store.Manifest, current: store.Manifest | None,
          tolerance: float = DEFAULT_TOLERANCE) -> Decision:
    """Candidate against the active version: on the candidate's own held-out
    split when it recorded the active version's score there (`baseline`, the
    fair comparison), else against the active manifest's metric."""
    path, sign = GATES.get(candidate.name, ((), +1))
    new = metric_of(candidate)
    baseline = candidate.metrics.get("baseline") or {}
    old = baseline.get(path[-1]) if path and current is not None else None
    if old is None:
        old = metric_of(current) if current else None
    if old is None:
        passed = new is not None or current is None
    else:
        passed = new is not None and sign * (new - old) >= -tolerance
    return Decision(candidate.name, candidate.version, ".".join(path) or "—", new, old,
                    tolerance, passed)


def promote(name: str, version: int | None = None, *, tolerance: float = DEFAULT_TOLERANCE,
            force: bool = False, root: Path | None = None) -> Decision:
    """Make a candidate (the newest, or `version`) the active version if it
    passes the gate; the active one is retired (kept for rollback)."""
    pool = [m for m in versions(name, root) if m.status == "candidate"
            and (version is None or m.version == version)]
    if not pool:
        raise LookupError(f"нет кандидата {name}" + (f" v{version}" if version else ""))
    candidate = pool[-1]
    store.verify(candidate)
    current = _current(name, root)
    decision = judge(candidate, current, tolerance)
    if not decision.passed and not force:
        store.set_status(candidate, "refused")
        raise PromotionRefused(decision.explain())
    if current is not None:
        store.set_status(current, "retired")
    store.set_status(candidate, "active")
    return decision


def rollback(name: str, root: Path | None = None) -> store.Manifest:
    """Retire the active version and reactivate the newest retired one before
    it; its artifact is the file it always was (its sha256 is verified)."""
    current = _current(name, root)
    if current is None:
        raise LookupError(f"нет действующей версии {name}")
    earlier = [m for m in versions(name, root)
               if m.status == "retired" and m.version < current.version]
    if not earlier:
        raise LookupError(f"у {name} v{current.version} нет предыдущей версии")
    previous = earlier[-1]
    store.verify(previous)
    store.set_status(current, "rolled_back")
    store.set_status(previous, "active")
    return previous
