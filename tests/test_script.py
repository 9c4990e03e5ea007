"""Script compliance: steps, forbidden phrases, reply-time rules, edited scripts."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from analyzer.config import load_config, merge
from analyzer.conversation import forbidden_in, steps_in, unanswered
from analyzer.schema import Message
from analyzer.script import load_script
from analyzer.worktime import Hours
from models.steps import model

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture(scope="module")
def script():
    return load_script(load_config())


def out(text: str, channel: str = "whatsapp", mid: str = "m1") -> Message:
    return Message(id=mid, channel=channel, direction="out", text=text)


def steps_of(script, text: str, first: bool = False) -> set[str]:
    return {e.kind for e in steps_in(out(text), script, first=first, model=model())}


STEPS = [  # (manager message, step it shows)
    ("Добрый день! Меня зовут Анна, компания «СтройМаркет».", "greeting"),
    ("Здравствуйте, это Игорь из «Автомира», по вашей заявке.", "greeting"),
    ("Подскажите, для каких задач нужен погрузчик?", "needs"),
    ("На какой бюджет ориентируетесь?", "needs"),
    ("Кто ещё участвует в принятии решения?", "needs"),
    ("Под вашу задачу подойдёт модель Х-200, грузоподъёмность 2 т.", "offer"),
    ("Отправляю КП с расчётом на 3 склада.", "offer"),
    ("Понимаю, что дорого. При этом гарантия 3 года и сервис рядом.", "objections"),
    ("Давайте созвонимся в четверг в 11:00?", "closing"),
    ("Договорились: жду подписанный договор до пятницы.", "closing"),
]


@pytest.mark.parametrize(("text", "step"), STEPS)
def test_each_step_is_recognised(script, text, step):
    assert step in steps_of(script, text, first=step == "greeting")


NOT_STEPS = [  # (message, step it must NOT count as)
    ("Добрый день!", "greeting"),                       # a greeting without introduction
    ("Созвонимся как-нибудь на днях.", "closing"),      # a next step with no date
    ("Ок, принято.", "offer"),
]


@pytest.mark.parametrize(("text", "step"), NOT_STEPS)
def test_near_misses_are_not_steps(script, text, step):
    assert step not in steps_of(script, text)


PARAPHRASES = {  # 12 phrasings per step that no example of the script lists; ≥ 10 must be found
    "greeting": [
        "Приветствую! На связи Ольга, салон «Мебель Плюс».",
        "Доброе утро, вас беспокоит Сергей, автоцентр «Север».",
        "Здравствуйте! Я Марина, менеджер школы английского «Londoner».",
        "Добрый вечер, Дмитрий, отдел продаж «ТехноСклада», пишу по заявке.",
        "Здравствуйте! С вами Павел из «ЭкоДома».",
        "Добрый день, это клиника «Улыбка», администратор Юлия.",
        "Приветствую, Алексей, «Логистик Про», получили ваш запрос.",
        "Здравствуйте, Виктория, турагентство «Пегас», отвечаю на ваш вопрос.",
        "Добрый день! Компания «Окна Века», специалист Роман.",
        "Здравствуйте, пишет Наталья из страховой «Гарант».",
        "Доброго дня! Вас приветствует Кирилл, «Фитнес Лайф».",
        "Здравствуйте, меня Светлана зовут, я из агентства «Квадрат».",
    ],
    "needs": [
        "Какую площадь планируете утеплять?",
        "Сколько сотрудников будет работать в системе?",
        "К какому сроку нужна поставка?",
        "Какие требования к грузоподъёмности?",
        "Вы рассматриваете новую машину или с пробегом?",
        "Для кого подбираете курс — для себя или для ребёнка?",
        "Какой тираж вам нужен?",
        "Решение принимаете вы или нужно согласовать с директором?",
        "Что для вас важнее: цена или сроки?",
        "В каком районе ищете квартиру?",
        "Сколько комнат рассматриваете?",
        "Есть ли у вас проект или нужен замер?",
    ],
    "offer": [
        "Для вашего склада лучше подойдут стеллажи серии ST-5, выдерживают 500 кг на полку.",
        "Могу предложить тариф «Бизнес» — в нём как раз 20 пользователей.",
        "Исходя из вашего бюджета, рекомендую Kia Rio в комплектации Comfort.",
        "Высылаю расчёт: 3 окна ПВХ с монтажом под ваши размеры.",
        "Вам подойдёт групповой курс выходного дня, он на 30% дешевле.",
        "Под ваши объёмы есть оптовая цена — 1200 ₽ за мешок.",
        "Предлагаю тур в Сочи с бассейном с подогревом, как вы хотели.",
        "Под вашу площадь нужен котёл на 24 кВт, прикладываю спецификацию.",
        "Оптимально будет взять полис КАСКО с франшизой, это снизит цену.",
        "Прикладываю коммерческое предложение на 40 лицензий.",
        "С учётом ваших сроков лучше взять модель, которая есть на складе.",
        "Для вашей семьи подойдёт Haval Jolion: 7 подушек, большой багажник.",
    ],
    "objections": [
        "Понимаю ваши сомнения. Давайте сравним полную стоимость владения.",
        "Согласна, что срок долгий, но можем разбить поставку на две партии.",
        "Понимаю, бюджет ограничен — можно оформить рассрочку на 6 месяцев.",
        "Да, у конкурентов дешевле, при этом у нас гарантия 5 лет.",
        "Понимаю, что важно быстрее. Можем предложить аналог со склада.",
        "Согласен, цена выше. Зато монтаж входит в стоимость.",
        "Понимаю вас. Можем снизить цену, если убрать доставку.",
        "Вы правы, что это дорого, при этом обслуживание бесплатно первый год.",
        "Понимаю опасения, можем сделать пробный месяц.",
        "Согласен с вами, сроки важны — можем заменить модель на ту, что в наличии.",
        "Понимаю, что хочется дешевле. Давайте посмотрим комплектацию попроще.",
        "Да, вопрос цены важный — при оплате сразу цена будет ниже.",
    ],
    "closing": [
        "Тогда жду ваш ответ до пятницы, 15:00.",
        "Созвонимся завтра в 10:00, обсудим детали.",
        "Бронирую за вами машину до 20.12.",
        "Назначу встречу в нашем офисе на вторник в 14:00.",
        "Договорились, пришлю договор сегодня до 18:00.",
        "Давайте встретимся на объекте в субботу в 11?",
        "Жду оплату счёта до 25-го числа.",
        "Запланирую замер на понедельник, 9:30.",
        "Перезвоню вам в среду после обеда.",
        "Удобно будет созвониться завтра в 16:00?",
        "Предлагаю встретиться в пятницу в 12:00 у вас в офисе.",
        "Значит, жду подтверждения до 10:00 понедельника.",
    ],
}


@pytest.mark.parametrize("step", sorted(PARAPHRASES))
def test_paraphrases_no_pattern_lists_are_recognised(script, step):
    missed = [t for t in PARAPHRASES[step] if step not in steps_of(script, t, step == "greeting")]
    assert len(PARAPHRASES[step]) - len(missed) >= 10, missed


FORBIDDEN = [  # (message, channel, expected kinds)
    ("Вам же русским языком сказали: доставки нет.", "whatsapp", {"rudeness"}),
    ("Не морочьте голову, решайте уже.", "whatsapp", {"rudeness"}),
    ("Это не ко мне, пишите в бухгалтерию.", "whatsapp", {"not_my_job"}),
    ("Не знаю.", "whatsapp", {"dont_know"}),
    ("Не знаю, уточню у склада и вернусь сегодня.", "whatsapp", set()),
    ("Сделаю вам скидку 25%, только никому.", "whatsapp", {"promise"}),
    ("Могу дать скидку 5% при оплате до пятницы.", "whatsapp", set()),
    ("Гарантирую доставку завтра!", "whatsapp", {"promise"}),
    ("Привет, ты получил счёт?", "email", {"ty_formal"}),
    ("Привет, ты получил счёт?", "whatsapp", set()),
    ("Клиент написал «ты где?», ответила.", "email", set()),
    ("Добрый день! Счёт во вложении.", "email", set()),
]


@pytest.mark.parametrize(("text", "channel", "kinds"), FORBIDDEN)
def test_forbidden_phrases(script, text, channel, kinds):
    assert {e.kind for e in forbidden_in(out(text, channel), script)} == kinds


def at(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=MSK)


def msg(direction: str, when: str, mid: str, channel: str = "whatsapp") -> Message:
    text = "Сколько стоит доставка?" if direction == "in" else "Доставка 500 ₽."
    return Message(id=mid, channel=channel, direction=direction, created_at=at(when), text=text)


REPLIES = [  # (thread, now, ids of client messages left without a reply in time)
    ([msg("in", "2026-11-25T10:00", "a"), msg("out", "2026-11-25T10:20", "b")],
     "2026-11-25T18:00", []),
    ([msg("in", "2026-11-25T10:00", "a"), msg("out", "2026-11-25T11:00", "b")],
     "2026-11-25T18:00", ["a"]),                                   # 60 min > 30 min norm
    ([msg("in", "2026-11-24T23:30", "a"), msg("out", "2026-11-25T09:20", "b")],
     "2026-11-25T18:00", []),                                      # night → next morning is on time
    ([msg("in", "2026-11-27T20:00", "a"), msg("out", "2026-11-30T09:25", "b")],
     "2026-11-30T18:00", []),                                      # Friday night → Monday 9:25
    ([msg("in", "2026-11-25T10:00", "a")], "2026-11-25T10:10", []),  # not due yet
    ([msg("in", "2026-11-25T10:00", "a")], "2026-11-25T12:00", ["a"]),
    ([msg("in", "2026-11-25T10:00", "a"), msg("in", "2026-11-25T10:05", "a2"),
      msg("out", "2026-11-25T10:15", "b")], "2026-11-25T18:00", []),  # one reply for a burst
    ([msg("in", "2026-11-25T10:00", "a", "phone")], "2026-11-25T18:00", []),  # calls not watched
    ([Message(id="t", channel="whatsapp", direction="in", created_at=at("2026-11-25T10:00"),
              text="Спасибо большое 🙏")], "2026-11-25T18:00", []),       # thanks need no reply
]


@pytest.mark.parametrize(("thread", "now", "expected"), REPLIES)
def test_reply_time_rules(script, thread, now, expected):
    assert [u.message.id for u in unanswered(thread, script, at(now))] == expected


def test_working_minutes_roll_over_nights_and_weekends():
    h = Hours("09:00", "19:00", [1, 2, 3, 4, 5])
    assert h.add(at("2026-11-27T18:50"), 30) == at("2026-11-30T09:20")
    assert h.add(at("2026-11-25T08:00"), 30) == at("2026-11-25T09:30")


def test_an_edited_script_changes_findings_without_code(tmp_path):
    base = load_config()
    text = "Вам же русским языком сказали, что доставки нет."
    assert {e.kind for e in forbidden_in(out(text), load_script(base))} == {"rudeness"}
    mine = merge(base, {"script": {"forbidden": {"rudeness": {"patterns": []}},
                                   "steps": {"thanks": {"title": "благодарность",
                                                        "patterns": [[{"LEMMA": "спасибо"}]]}}}})
    edited = load_script(mine)
    assert forbidden_in(out(text), edited) == []
    found = {e.kind for e in steps_in(out("Спасибо за обращение!"), edited, first=False)}
    assert "thanks" in found


def test_a_message_analysed_again_is_served_from_the_cache_with_its_own_id(script):
    from analyzer import conversation

    text = "Добрый день! Меня зовут Анна. Сделаю вам скидку 30% только сегодня."
    first_steps, first_bad = conversation.analyse_message(out(text, mid="a1"), script, True,
                                                          model())
    again_steps, again_bad = conversation.analyse_message(out(text, mid="b2"), script, True,
                                                          model())
    assert [e.kind for e in again_steps] == [e.kind for e in first_steps] and first_steps
    assert {e.message_id for e in again_steps + again_bad} == {"b2"}
    assert {e.message_id for e in first_steps + first_bad} == {"a1"}
    other_channel = conversation.analyse_message(out(text, channel="email", mid="c3"), script,
                                                 True, model())
    assert {e.message_id for e in other_channel[0]} == {"c3"}
