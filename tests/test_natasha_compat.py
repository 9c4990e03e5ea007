"""natasha 1.6 on Python 3.11, and our pipeline's independence from pymorphy2.

natasha depends on pymorphy2 0.9.1, whose import fails on 3.11
(`inspect.getargspec` is gone). natasha still imports because yargy patches
`inspect` first. crmqa does its morphology with pymorphy3 and only reads
natasha's files (navec, name lists), so pymorphy2 is never imported by it.
"""

from __future__ import annotations

import subprocess
import sys

from .conftest import NOW


def run_py(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)


def test_natasha_imports_and_tags_on_this_python():
    res = run_py(
        "from natasha import Segmenter, MorphVocab, NewsEmbedding, NewsMorphTagger, Doc\n"
        "doc = Doc('Иванова Мария позвонила вчера')\n"
        "doc.segment(Segmenter()); doc.tag_morph(NewsMorphTagger(NewsEmbedding()))\n"
        "vocab = MorphVocab()\n"
        "for t in doc.tokens: t.lemmatize(vocab)\n"
        "print(' '.join(t.lemma for t in doc.tokens))")
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["иванов", "мария", "позвонить", "вчера"]


def test_pymorphy2_alone_is_broken_here():
    res = run_py("import pymorphy2; pymorphy2.MorphAnalyzer()")
    assert res.returncode != 0 and "getargspec" in res.stderr


def test_crmqa_never_imports_pymorphy2_or_natasha():
    res = run_py(
        "import sys, json\n"
        "from datetime import datetime\n"
        "from analyzer.audit import audit_contact, make_ctx\n"
        "from analyzer.schema import Contact\n"
        f"ctx = make_ctx(datetime.fromisoformat('{NOW.isoformat()}'))\n"
        "r = audit_contact(Contact(id='c', name='Иванвоа Мария (вечно всем недовольна)'), ctx)\n"
        "print(json.dumps(sorted(f.code for f in r.findings)))\n"
        "print('pymorphy2' in sys.modules, 'natasha' in sys.modules)")
    assert res.returncode == 0, res.stderr
    codes, flags = res.stdout.splitlines()
    assert "contact.name.nickname" in codes and "contact.name.not_a_name" in codes
    assert flags == "False False"
