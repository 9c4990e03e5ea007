"""Script compliance measured on conversations held out from training, and on
the synthetic CRM's ground truth."""

from __future__ import annotations

import pytest

from analyzer.config import load_config
from analyzer.script import load_script
from models.linear import CompiledMultiLabel, build_multilabel
from training import conversations_corpus
from training.train_steps import _labels, detect, sentence_rows


@pytest.fixture(scope="module")
def heldout():
    script = load_script(load_config())
    order = list(script.order) + [k for k in script.forbidden if k not in script.order]
    train, test = conversations_corpus.generate_split(seed=0, n=600)
    X, Y = sentence_rows(train, script)
    model = CompiledMultiLabel(build_multilabel().fit(X, _labels(Y, order)), order)
    return test, detect(test, script, model)


def test_steps_and_forbidden_on_heldout_conversations(heldout):
    test, m = heldout
    assert len(test) >= 150
    assert m["macro_f1"] >= 0.85, m["steps"]
    assert m["forbidden_precision"] >= 0.90, m
    assert m["forbidden_hits"] >= 15          # a precision on enough hits to mean something


def test_script_findings_on_the_synthetic_crm():
    from analyzer.audit import audit_deal, make_ctx
    from analyzer.schema import Deal
    from training.evaluate import per_code
    from training.synth import SCRIPT_CODES, generate

    from .conftest import NOW

    crm = list(generate(600, seed=21, now=NOW))
    ctx = make_ctx(NOW)
    found = {d["id"]: {f.code for f in audit_deal(Deal.model_validate(d), ctx).findings}
             for d, _ in crm}
    table = per_code({d["id"]: set(c) for d, c in crm}, found, SCRIPT_CODES)
    no_reply = table["comms.no_reply"]
    assert no_reply.tp > 30 and no_reply.fp == 0 and no_reply.fn == 0   # exact
    assert table["script.forbidden"].precision >= 0.90
    assert table["script.step_missing"].f1 >= 0.85
