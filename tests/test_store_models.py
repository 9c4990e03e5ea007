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


# -- inference tables: linear artifacts score without scikit-learn -----------------

def _fitted_linear(classes=(0, 1)):
    from models.linear import build

    rows = [{"w=звонить": 1.0, "slot=action": 1.0}, {"w=кп": 1.0}, {"w=завтра": 1.0},
            {"w=нд": 1.0, "slot=date": 1.0}] * 5
    y = [classes[i % len(classes)] for i in range(len(rows))]
    return build().fit(rows, y), rows


@pytest.mark.parametrize("classes", [(0, 1), (0, 1, 2)])
def test_tables_score_like_the_pipeline(tmp_path, classes):
    from models.linear import Compiled

    pipe, rows = _fitted_linear(classes)
    m = store.save(pipe, "toy", data={}, metrics={}, root=tmp_path)
    assert m.tables_sha256 and m.tables_path.exists()
    fast = Compiled.from_tables(store.load_tables("toy", tmp_path))
    assert fast.classes == list(classes)
    for row in rows[:4] + [{"unknown": 1.0}]:
        assert fast.proba(row) == pytest.approx(pipe.predict_proba([row])[0], abs=1e-9)


def test_tampered_tables_are_refused(tmp_path):
    pipe, _ = _fitted_linear()
    m = store.save(pipe, "toy", data={}, metrics={}, root=tmp_path)
    m.tables_path.write_bytes(m.tables_path.read_bytes() + b"x")
    with pytest.raises(store.ArtifactError, match="tables.npz: sha256"):
        store.load_tables("toy", tmp_path)


def test_artifacts_without_tables_load_the_old_way(tmp_path):
    store.save({"w": 1}, "toy", data={}, metrics={}, root=tmp_path)
    assert store.active("toy", tmp_path).tables_sha256 is None
    assert store.load_tables("toy", tmp_path) is None


def test_a_linear_artifact_saved_before_tables_has_them_derived(tmp_path):
    from models.linear import Compiled, feature_names

    pipe, rows = _fitted_linear()
    m = store.save(pipe, "toy", data={}, metrics={}, root=tmp_path)
    path = m.path.with_suffix(".json")
    raw = json.loads(path.read_text())
    del raw["tables_sha256"]                     # as an artifact from before the tables
    path.write_text(json.dumps(raw))
    m.tables_path.unlink()
    derived = store.load_tables("toy", tmp_path)
    assert feature_names(derived) == sorted(pipe.named_steps["vec"].vocabulary_,
                                            key=pipe.named_steps["vec"].vocabulary_.get)
    fast = Compiled.from_tables(derived)
    assert fast.proba(rows[0]) == pytest.approx(pipe.predict_proba([rows[0]])[0], abs=1e-9)


@pytest.mark.parametrize("name", ["completeness", "off_channel", "disrespect", "risk", "steps"])
def test_shipped_tables_match_their_artifact(name):
    from models.linear import feature_names, tables

    shipped = store.load_tables(name)
    rebuilt = tables(store.load(name))
    assert feature_names(shipped) == feature_names(rebuilt)
    for key in ("coef", "intercept", "classes"):
        assert (shipped[key] == rebuilt[key]).all(), key


def test_comment_scoring_starts_without_scikit_learn(tmp_path):
    import subprocess
    import sys

    src = tmp_path / "c.jsonl"
    src.write_text('{"id": "1", "text": "звонил, КП отправил, перезвоню завтра в 11"}\n',
                   encoding="utf-8")
    code = ("import sys\nfrom crmqa.cli import app\n"
            f"sys.argv = ['crmqa', 'comments', {str(src)!r}, '-o', {str(tmp_path / 'o')!r}]\n"
            "try:\n    app()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('sklearn', 'scipy', 'joblib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("[]")
    assert '"completeness"' in (tmp_path / "o").read_text(encoding="utf-8")
