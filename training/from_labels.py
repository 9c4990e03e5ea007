"""Retrain a model family on one account's stored labels (the CLI's
`crmqa train` and the API's `POST /v1/models/retrain`).

The held-out split is fixed per family: a deal (a comment: its text) is held
out when a hash of its id falls in the last fifth, whatever else changes. The candidate and the
active version are both measured there; the candidate is registered and goes
live only through `registry.promote`.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sklearn.metrics import roc_auc_score

from models import store
from training import datasets, registry
from training.retrain import retrain_risk, risk_features

HELDOUT_SHARE = 5          # one deal in five
MIN_LABELS = 50


class NotEnoughLabels(ValueError):
    pass


def held_out(family: str, deal_id: str) -> bool:
    digest = hashlib.sha256(f"{family}:{deal_id}".encode()).digest()
    return digest[0] % HELDOUT_SHARE == 0


def _auc(pipeline, X, y) -> float | None:
    if len(set(y)) < 2:
        return None
    return round(float(roc_auc_score(y, pipeline.predict_proba(X)[:, 1])), 4)


def _enough(rows: list, what: str) -> None:
    if len(rows) < MIN_LABELS:
        raise NotEnoughLabels(f"для обучения нужно не меньше {MIN_LABELS} оценок {what}, "
                              f"есть {len(rows)}")


def _register(name: str, fitted, score, n_test: int, report: datasets.Report, data: dict,
              progress) -> dict:
    """Score the candidate and the active version alike on the held-out split
    (under the key and metric the family's gate reads), register the candidate."""
    section, metric = registry.GATES[name][0]
    active = store.load_verified(store.active(name))
    metrics = {section: {metric: score(fitted), "n": n_test},
               "baseline": {metric: score(active)}, "labels": report.as_dict()}
    progress("register")
    manifest = registry.register(fitted, name, metrics=metrics, data=data)
    return {"name": name, "version": manifest.version, "status": manifest.status,
            "metrics": metrics}


def features_of(db, account: str, ids: list[str], now: datetime) -> list[dict]:
    """Risk features as stored when the deals were scored; deals scored
    elsewhere (imported reports) are assessed now."""
    known = db.features(account, ids)
    missing = [d for d in ids if d not in known]
    if missing:
        bodies = db.deal_bodies(account, missing)
        known |= dict(zip(missing, risk_features([bodies[d] for d in missing], now), strict=True))
    return [known[d] for d in ids]


def train_risk(db, account: str, now: datetime, progress=lambda stage: None) -> dict:
    """Fit, measure and register a risk candidate from `account`'s deal verdicts."""
    progress("labels")
    labels = datasets.from_rows(db.labels(account))
    resolved, report = datasets.resolve(labels)
    rows = datasets.deal_examples(resolved, db.deal_ids(account), report)
    _enough(rows, "сделок")
    progress("features")
    feats = features_of(db, account, [d for d, _, _ in rows], now)
    train = [(f, y, w) for f, (d, y, w) in zip(feats, rows, strict=True) if not held_out("risk", d)]
    test = [(f, y) for f, (d, y, _) in zip(feats, rows, strict=True) if held_out("risk", d)]
    progress("fit")
    fitted = retrain_risk([f for f, _, _ in train], [y for _, y, _ in train],
                          [w for _, _, w in train])
    X_test, y_test = [f for f, _ in test], [y for _, y in test]
    return _register("risk", fitted, lambda m: _auc(m, X_test, y_test), len(test), report, {
        "source": f"auditors' labels of account {account}", "train": len(train),
        "heldout": len(test), "weights": "1/π of the sample each deal came from"}, progress)


def comment_texts(db, account: str, deal_ids: set[str]) -> dict[tuple[str, str], str]:
    bodies = db.deal_bodies(account, sorted(deal_ids))
    return {(d, str(c.get("id"))): str(c.get("text") or "")
            for d, body in bodies.items() for c in body.get("comments") or ()
            if isinstance(c, dict) and c.get("id") is not None}


def train_completeness(db, account: str, now: datetime, progress=lambda stage: None,
                       bootstrap_n: int = 4000) -> dict:
    """Completeness (0/1/2) from the account's comment grades."""
    return _train_comment_model("completeness", db, account, progress, bootstrap_n)


def train_off_channel(db, account: str, now: datetime, progress=lambda stage: None,
                      bootstrap_n: int = 4000) -> dict:
    """Off-channel (yes/no) from the account's comment verdicts."""
    return _train_comment_model("off_channel", db, account, progress, bootstrap_n)


def _comment_metric(name: str, model, X, y) -> float | None:
    from scipy.stats import spearmanr
    from sklearn.metrics import f1_score

    from training.retrain import expected

    if len(set(y)) < 2:
        return None
    if name == "completeness":
        return round(float(spearmanr(expected(model, X), y)[0]), 4)
    return round(float(f1_score(y, model.predict(X))), 4)


def _train_comment_model(name: str, db, account: str, progress, bootstrap_n: int) -> dict:
    """Fit, measure and register a comment model from the account's verdicts,
    the bootstrap corpus joining at a lower weight."""
    from analyzer.comments import analyze
    from models.linear import build
    from training import comments_corpus
    from training.retrain import BOOTSTRAP_WEIGHT, normalised
    from training.train_comments import TARGETS, TODAY

    progress("labels")
    resolved, report = datasets.resolve(datasets.from_rows(db.labels(account)))
    ids = {x.deal_id for x in resolved.values() if x.target == "comment"}
    rows = datasets.comment_examples(resolved, comment_texts(db, account, ids), report, name)
    _enough(rows, "комментариев")
    progress("features")
    train = [r for r in rows if not held_out(name, r[0])]
    test = [r for r in rows if held_out(name, r[0])]
    boot = comments_corpus.generate(seed=0, n=bootstrap_n)
    feats = lambda texts: [analyze(t, TODAY).features for t in texts]  # noqa: E731
    X = feats([t for t, _, _ in train]) + feats([r["text"] for r in boot])
    y = [v for _, v, _ in train] + [int(r[TARGETS[name][0]]) for r in boot]
    w = normalised([wt for _, _, wt in train]) + [BOOTSTRAP_WEIGHT] * len(boot)
    progress("fit")
    fitted = build(C=TARGETS[name][1]).fit(X, y, clf__sample_weight=w)
    X_test, y_test = feats([t for t, _, _ in test]), [v for _, v, _ in test]
    return _register(name, fitted, lambda m: _comment_metric(name, m, X_test, y_test),
                     len(test), report, {
                         "source": f"auditors' comment verdicts of account {account} + bootstrap "
                                   f"corpus (weight {BOOTSTRAP_WEIGHT})",
                         "train": len(train), "heldout": len(test)}, progress)


def name_remarks(db, account: str, deal_ids: list[str]) -> dict[str, str]:
    """The remarks typed into each deal's contact name (what the nickname model reads)."""
    from analyzer.namefield import parse

    out = {}
    for d, body in db.deal_bodies(account, deal_ids).items():
        name = ((body.get("contact") or {}).get("name")) if isinstance(body, dict) else None
        text = " ".join(r.text for r in parse(name).remarks if not r.quoted) if name else ""
        if text.strip():
            out[d] = text
    return out


def train_nickname(db, account: str, now: datetime, progress=lambda stage: None,
                   bootstrap_n: int = 3000) -> dict:
    """The nickname model from auditors' verdicts on `contact.name.nickname`
    findings (confirmed: derogatory; rejected: not), the remark corpus joining
    at a lower weight."""
    from sklearn.metrics import f1_score

    from models.nickname import build_pipeline
    from training import remarks
    from training.retrain import BOOTSTRAP_WEIGHT, normalised

    progress("labels")
    resolved, report = datasets.resolve(datasets.from_rows(db.labels(account)))
    verdicts = [x for x in resolved.values() if x.target == "finding"
                and x.code == "contact.name.nickname" and x.verdict in ("confirmed", "rejected")]
    texts = name_remarks(db, account, sorted({x.deal_id for x in verdicts}))
    rows = [(texts[x.deal_id], int(x.verdict == "confirmed"), datasets.weight(x), x.deal_id)
            for x in verdicts if x.deal_id in texts]
    report.unknown_deals += [x.deal_id for x in verdicts if x.deal_id not in texts]
    _enough(rows, "кличек")
    train = [r for r in rows if not held_out("nickname", r[3])]
    test = [r for r in rows if held_out("nickname", r[3])]
    boot = remarks.generate(seed=0, n=bootstrap_n)
    progress("fit")
    fitted = build_pipeline().fit(
        [r[0] for r in train] + [t for t, _ in boot], [r[1] for r in train] + [y for _, y in boot],
        clf__sample_weight=normalised([r[2] for r in train]) + [BOOTSTRAP_WEIGHT] * len(boot))
    X_test, y_test = [r[0] for r in test], [r[1] for r in test]

    def f1(model) -> float | None:
        return round(float(f1_score(y_test, model.predict(X_test))), 4) if len(set(y_test)) > 1 \
            else None

    return _register("nickname", fitted, f1, len(test), report, {
        "source": f"auditors' verdicts on contact.name.nickname, account {account} + remark "
                  f"corpus (weight {BOOTSTRAP_WEIGHT})", "train": len(train), "heldout": len(test)},
        progress)


TRAINERS = {"risk": train_risk, "completeness": train_completeness,
            "off_channel": train_off_channel, "nickname": train_nickname}
