"""Comment analysis: slots, channels, off-channel, disrespect — table-driven."""

from __future__ import annotations

from datetime import date

import pytest

from analyzer.comments import analyze
from models import comments as learned

TODAY = date(2026, 11, 27)


def an(text: str):
    return analyze(text, TODAY)


SLOTS = [  # (comment, expected elements)
    ("нд", {"action": True, "result": False, "next_step": False, "date": False}),
    ("звонил, клиент думает", {"action": True, "result": True, "next_step": False,
                               "date": False}),
    ("Отправил КП на почту, ЛПР согласен, созвон в пн",
     {"action": True, "result": True, "next_step": True, "date": True}),
    ("перезвонить 15.03 в 11", {"action": False, "result": False, "next_step": True,
                                "date": True}),
    ("нд 2р, скинул КП в вотсап, перезв. завтра 11:00",
     {"action": True, "result": False, "next_step": True, "date": True}),
    ("ок", {"action": False, "result": False, "next_step": False, "date": False}),
]


@pytest.mark.parametrize(("text", "expected"), SLOTS)
def test_slots(text, expected):
    assert an(text).elements == expected


CHANNELS = [
    ("нд", ["phone"]),
    ("сбр, написал в вацап", ["phone", "whatsapp"]),
    ("скину в вотсап завтра", ["whatsapp"]),
    ("счёт на почту завтра", ["email"]),
    ("Отправили Почтой России", []),
    ("написал в телегу", ["telegram"]),
    ("ответил в тг", ["telegram"]),
    ("t.me/ivanov написал", ["telegram"]),
    ("нашёл нас через телеграм-канал", []),
    ("договор с ООО «Телеграф» подписан", []),
    ("написал в макс", ["max"]),
    ("Макс сказал, что подумает", []),
    ("написал в вайбер, прочитал, молчит", ["viber"]),
    ("встреча в офисе клиента, согласовали спецификацию", ["meeting"]),
    ("приезжал в офис, тест-драйв", ["meeting"]),
    ("клиент написал в чат на сайте", ["site_chat"]),
    ("заявка с сайта", []),
    ("отправил смс с реквизитами", ["sms"]),
    ("ответил в директ в инсте", ["instagram"]),
    ("отправил КП", []),
    ("всё у меня в телефоне", []),
    ("отправил инструкцию по настройке", []),
]


@pytest.mark.parametrize(("text", "expected"), CHANNELS)
def test_channels(text, expected):
    assert an(text).channels == expected


OFF_CHANNEL = [
    ("Написал клиенту с личного вотсапа, договорились напрямую", True),
    ("Дал свой мобильный, пусть звонит мне напрямую", True),
    ("скинул в личку прайс", True),
    ("созвонились, дальше общаемся у меня в телеге", True),
    ("цифры сюда не пишу, в сделке не указываю", True),
    ("позвонил с мобильного, чтоб без записи", True),
    ("попросил клиента не писать в общий чат, только мне", True),
    # hard negatives
    ("ответил в WhatsApp через CRM, КП отправил", False),
    ("клиент написал в чат на сайте, ответила", False),
    ("клиент зашёл в личный кабинет и оплатил", False),
    ("личная встреча в пт 15:00 в офисе", False),
    ("написал в вотсап, ждём ответ", False),
    ("клиент дал свой личный номер, внесла в карточку", False),
    ("Макс из снабжения перезвонит", False),
    ("договор с ООО «Телеграф» на подписи", False),
]


@pytest.mark.parametrize(("text", "expected"), OFF_CHANNEL)
def test_off_channel(text, expected):
    assert (learned.flag("off_channel", an(text)) >= 0.5) == expected


DISRESPECT = [
    ("звонил, неадекват, орёт", True),
    ("задолбала уже своими звонками", True),
    ("бабка ничего не понимает, объяснял три раза", True),
    ("жмот, торгуется за каждую копейку", True),
    # hard negatives
    ("клиент грубил, разговор не получился", False),
    ("клиент требовательный, просит отчёт каждый день", False),
    ("сказал, что мы все идиоты, обещал жалобу", False),
    ("клиентка пожилая, плохо слышит, говорить громче", False),
    ("пробный урок прошёл, ребёнку понравилось", False),
]


@pytest.mark.parametrize(("text", "expected"), DISRESPECT)
def test_disrespect(text, expected):
    assert (learned.flag("disrespect", an(text)) >= 0.5) == expected


def test_off_channel_evidence_quotes_the_span():
    a = an("Созвонились. Написал клиенту с личного вотсапа")
    (ev,) = a.off_channel
    assert a.view.original[ev.start:ev.end] == ev.text and "личного" in ev.text


def test_completeness_orders_the_levels():
    nothing, partial = an("нд"), an("звонил, клиенту дорого, сравнивает с конкурентом")
    complete = an("звонил, клиенту дорого, пересчитал со скидкой 5%, созвон завтра в 11")
    scores = [learned.completeness(x) for x in (nothing, partial, complete)]
    assert scores == sorted(scores) and scores[0] < 0.3 and scores[2] > 0.7


@pytest.mark.parametrize("text", ["", "   \n\t", "😀👍🔥", "ok, call back tomorrow",
                                  "\x00\x00", "а" * 5_000_000])
def test_odd_comments_give_sane_results(text):
    a = an(text)
    score = learned.completeness(a)
    assert 0.0 <= score <= 1.0
    assert learned.flag("off_channel", a) <= 1.0 and learned.flag("disrespect", a) <= 1.0
    assert a.truncated == (len(text) > 5_000)


def test_compiled_models_equal_their_pipelines():
    from models import store
    from models.linear import Compiled

    texts = ["нд, перезвоню завтра", "Написал с личного вотсапа", "бабка ничего не понимает"]
    for name in learned.MODELS:
        pipe = store.load(name)
        fast = Compiled(pipe)
        for t in texts:
            feats = an(t).features
            assert fast.proba(feats) == pytest.approx(pipe.predict_proba([feats])[0], abs=1e-9)


def test_stacked_scoring_equals_each_compiled_model():
    from models.comments import compiled, stacked

    for t in ["нд, перезвоню завтра", "Написал с личного вотсапа", "бабка ничего не понимает"]:
        feats = an(t).features
        together = stacked().proba(feats)
        for name in learned.MODELS:
            assert together[name] == pytest.approx(compiled(name).proba(feats), abs=1e-9)


@pytest.mark.parametrize("text", ["нд, перезвоню завтра", "Написал с личного вотсапа, ок",
                                  "бабка ничего не понимает", "", "Отправил КП на почту 14.03",
                                  "нд нд нд, перезвон, перезвон"])
def test_fast_path_equals_the_feature_dict(text):
    from models.comments import _proba, stacked

    a = an(text)
    a._scores = None
    fast = _proba(a)
    slow = stacked().proba(a.features)
    for name in learned.MODELS:
        assert fast[name] == pytest.approx(slow[name], abs=1e-9)


def test_insult_gate_never_hides_a_hit():
    """Every lexicon hit, word or phrase, has a token the cheap gate lets through,
    so skipping `insults.find` on texts without one loses nothing."""
    from analyzer import insults, lexicons
    from analyzer.nlp import view
    from training import remarks

    texts = [" ".join(words) for words in lexicons.phrases(insults.PHRASES)]
    texts += sorted(lexicons.word_set(insults.WORDS))
    texts += [text for text, _ in remarks.generate(seed=3, n=3000)]
    found = 0
    for text in texts:
        tokens = view(text).tokens
        if insults.find(tokens):
            found += 1
            assert any(t.is_word and insults.may_hit(t.lower) for t in tokens), text
    assert found > 1000


def test_derived_values_are_computed_once_per_analysis_and_forgotten_with_the_models():
    import models

    text = "позвонил клиенту, договорились на встречу 12.12"
    a = analyze(text)
    calls = []
    first = a.derived("probe", lambda x: calls.append(x) or len(calls))
    assert analyze(text) is a and a.derived("probe", lambda x: calls.append(x)) == first == 1
    assert learned.completeness(a) == learned.completeness(a) == a._derived["completeness"]
    models.reload()                                   # a promotion: cached analyses go too
    b = analyze(text)
    assert b is not a and "probe" not in b._derived
    assert learned.completeness(b) == pytest.approx(learned.completeness(a))
