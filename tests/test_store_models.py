"""Model artifacts load only when their hash and library versions match."""

from __future__ import annotations

import json

import pytest

from models import store
from models.nickname import NAME


def test_shipped_nickname_artifact_verifies():
    manifest = store.active(NAME)
    store.verify(manifest)
    assert manifest.metrics["heldout_unseen_words"]["recall"] >= 0.85
    assert manifest.public()["path"].startswith("models/artifacts/")


def test_save_versions_and_retires(tmp_path):
    a = store.save({"w": 1}, "toy", data={"n": 1}, metrics={"f1": 0.5}, root=tmp_path)
    b = store.save({"w": 2}, "toy", data={"n": 2}, metrics={"f1": 0.6}, root=tmp_path)
    assert (a.version, b.version) == (1, 2)
    statuses = {m.version: m.status for m in store.manifests(tmp_path)}
    assert statuses == {1: "retired", 2: "active"}
    assert store.load_verified(store.active("toy", tmp_path)) == {"w": 2}


def test_tampered_artifact_is_refused(tmp_path):
    m = store.save({"w": 1}, "toy", data={}, metrics={}, root=tmp_path)
    m.path.write_bytes(m.path.read_bytes() + b"x")
    with pytest.raises(store.ArtifactError, match="sha256"):
        store.load_verified(m)


def test_other_library_versions_are_refused(tmp_path):
    m = store.save({"w": 1}, "toy", data={}, metrics={}, root=tmp_path)
    path = m.path.with_suffix(".json")
    raw = json.loads(path.read_text())
    raw["libraries"]["scikit-learn"] = "0.1.0"
    path.write_text(json.dumps(raw))
    with pytest.raises(store.ArtifactError, match="scikit-learn"):
        store.load_verified(store.active("toy", tmp_path))
