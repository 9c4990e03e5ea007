"""Versioned model artifacts: `models/artifacts/<name>-vN.joblib` + manifest.

The manifest (`<name>-vN.json`) records the version, status
(active | candidate | retired), when and with which library versions it was
trained, a summary of its training data, its metrics and the sha256 of the
joblib file. `load()` refuses an artifact whose hash or library versions do not
match: a model is either exactly what was measured, or it is not used.

A linear artifact also gets its inference tables (`<name>-vN.tables.npz`, see
`models.linear.tables`; their sha256 is the manifest's `tables_sha256`).
`load_tables()` reads them with NumPy alone, verified the same way, so scoring
starts without importing scikit-learn or unpickling anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

ARTIFACTS = Path(__file__).parent / "artifacts"


def artifacts_root() -> Path:
    """Where the artifacts live: $CRMQA_ARTIFACTS, or the shipped directory."""
    return Path(os.environ.get("CRMQA_ARTIFACTS") or ARTIFACTS)
PROJECT_ROOT = Path(__file__).resolve().parent.parent
_VERSIONED = re.compile(r"^(?P<name>[a-z_]+)-v(?P<version>\d+)\.json$")
PINNED_LIBRARIES = ("scikit-learn", "numpy", "scipy", "joblib")


class ArtifactError(RuntimeError):
    """An artifact is missing, altered, or built with other library versions."""


@dataclass(frozen=True)
class Manifest:
    name: str
    version: int
    status: str
    path: Path
    sha256: str
    metrics: dict[str, Any]
    data: dict[str, Any]
    libraries: dict[str, str]
    trained_at: str
    tables_sha256: str | None = None

    @property
    def tables_path(self) -> Path:
        return self.path.with_suffix(".tables.npz")

    def public(self) -> dict[str, Any]:
        """The `crmqa models list` row (CONTRACT §3)."""
        try:
            rel = str(self.path.resolve().relative_to(PROJECT_ROOT))
        except ValueError:
            rel = str(self.path)
        return {"name": self.name, "version": self.version, "status": self.status,
                "path": rel, "sha256": self.sha256, "metrics": self.metrics}


def library_versions() -> dict[str, str]:
    from importlib.metadata import version

    return {lib: version(lib) for lib in PINNED_LIBRARIES}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_manifest(path: Path) -> Manifest:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return Manifest(name=raw["name"], version=int(raw["version"]), status=raw["status"],
                    path=path.with_suffix(".joblib"), sha256=raw["sha256"],
                    metrics=raw.get("metrics", {}), data=raw.get("data", {}),
                    libraries=raw.get("libraries", {}), trained_at=raw.get("trained_at", ""),
                    tables_sha256=raw.get("tables_sha256"))


def manifests(root: Path | None = None) -> list[Manifest]:
    root = root or artifacts_root()
    out = [_read_manifest(p) for p in sorted(root.glob("*.json")) if _VERSIONED.match(p.name)]
    return sorted(out, key=lambda m: (m.name, m.version))


def save(obj: Any, name: str, *, data: dict, metrics: dict, status: str = "active",
         root: Path | None = None) -> Manifest:
    """Write the next version of `name`; an active one retires the previous active."""
    root = root or artifacts_root()
    root.mkdir(parents=True, exist_ok=True)
    version = 1 + max((m.version for m in manifests(root) if m.name == name), default=0)
    path = root / f"{name}-v{version}.joblib"
    import joblib

    joblib.dump(obj, path, compress=3)
    tables_sha = _save_tables(obj, path.with_suffix(".tables.npz"))
    if status == "active":
        for old in manifests(root):
            if old.name == name and old.status == "active":
                set_status(old, "retired")
    manifest = {"name": name, "version": version, "status": status,
                "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "sha256": sha256(path), "libraries": library_versions(),
                "data": data, "metrics": metrics}
    if tables_sha:
        manifest["tables_sha256"] = tables_sha
    path.with_suffix(".json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                                         encoding="utf-8")
    _wrote()
    return _read_manifest(path.with_suffix(".json"))


def _save_tables(obj: Any, path: Path) -> str | None:
    """Write the inference tables of a linear artifact; their sha256, or None."""
    from models.linear import tables

    found = tables(obj)
    if found is None:
        return None
    with path.open("wb") as fh:
        np.savez_compressed(fh, **found)
    return sha256(path)


STATUSES = ("active", "candidate", "retired", "refused", "rolled_back")


def set_status(manifest: Manifest, status: str) -> None:
    """Rewrite the manifest's status atomically (a new file renamed over the
    old one, which also marks the directory changed for `generation`)."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    path = manifest.path.with_suffix(".json")
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["status"] = status
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(raw, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)
    _wrote()


local_writes = 0          # artifacts written by this process (`models.reload_if_changed`)


def _wrote() -> None:
    global local_writes
    local_writes += 1




def generation(root: Path | None = None) -> int:
    """Changes whenever an artifact is added or a status rewritten."""
    root = root or artifacts_root()
    return root.stat().st_mtime_ns


def active(name: str, root: Path | None = None) -> Manifest:
    root = root or artifacts_root()
    found = [m for m in manifests(root) if m.name == name and m.status == "active"]
    if not found:
        raise ArtifactError(f"no active artifact named {name!r} under {root}")
    return found[-1]


def verify(manifest: Manifest) -> None:
    if not manifest.path.exists():
        raise ArtifactError(f"{manifest.path.name}: file missing")
    actual = sha256(manifest.path)
    if actual != manifest.sha256:
        raise ArtifactError(f"{manifest.path.name}: sha256 {actual[:12]}… does not match "
                            f"the manifest's {manifest.sha256[:12]}…")
    current = library_versions()
    for lib, built in manifest.libraries.items():
        if lib in current and _minor(current[lib]) != _minor(built):
            raise ArtifactError(f"{manifest.path.name}: built with {lib} {built}, "
                                f"running {current[lib]}; retrain it (make models)")


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def load_verified(manifest: Manifest) -> Any:
    import joblib

    verify(manifest)
    return joblib.load(manifest.path)


@lru_cache(maxsize=16)
def load(name: str, root: Path | None = None) -> Any:
    """The active artifact `name`, verified; cached per process."""
    return load_verified(active(name, root))


def load_tables(name: str, root: Path | None = None) -> dict[str, np.ndarray] | None:
    """The active artifact's inference tables, verified like the artifact
    itself. An artifact saved before tables existed has them derived from it
    (unpickled, as before); None: the artifact is not a linear model."""
    manifest = active(name, root)
    if manifest.tables_sha256 is None:
        from models.linear import tables

        return tables(load(name, root))
    verify(manifest)
    path = manifest.tables_path
    if not path.exists():
        raise ArtifactError(f"{path.name}: file missing")
    actual = sha256(path)
    if actual != manifest.tables_sha256:
        raise ArtifactError(f"{path.name}: sha256 {actual[:12]}… does not match "
                            f"the manifest's {manifest.tables_sha256[:12]}…")
    with np.load(path, allow_pickle=False) as found:
        return {key: found[key] for key in found.files}
