"""A labeled corpus of name-field remarks for the nickname classifier.

A *remark* is what is left of a CRM "ФИО" field once the name parts are taken
out: "истеричка, не соединять", "от Сергеева", "жена Олега Петрова". Label 1 is
a derogatory remark about the person, 0 a neutral one (role, referrer,
relation, company, place, lead source, contact preference, birthday, tags).

`generate()` builds a deterministic corpus from the lexicons in analyzer/data
(`nickname_words.txt`, `nickname_phrases.txt`) and the templates below.
`generate_split()` builds a train/test pair whose test positives use only
held-out insult words and phrases, and whose neutral fillers come from
held-out halves of the pools, to measure generalisation to unseen insults.
Everything was written from scratch: no dev or production data is used.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import lru_cache

from faker import Faker

from analyzer.config import DATA_DIR
from analyzer.nlp import morph

# --------------------------------------------------------------------------
# Data: templates and neutral fillers (pools are split train/test by item).


def _items(text: str) -> tuple[str, ...]:
    """A pool written as data: items separated by '|' or new lines."""
    return tuple(s.strip() for s in re.split(r"[|\n]", text) if s.strip())


POOLS: dict[str, tuple[str, ...]] = {
    "role": _items("""
        директор | генеральный директор | гендиректор | зам. директора | заместитель директора
        исполнительный директор | коммерческий директор | технический директор | финансовый директор
        главный бухгалтер | бухгалтер | гл. бух. | прораб | главный инженер | инженер | инженер ПТО
        сметчик | снабженец | менеджер по закупкам | закупщик | отдел закупок | отдел снабжения
        бухгалтерия | юрист | юрисконсульт | водитель | экспедитор | логист | кладовщик | завскладом
        завхоз | секретарь | приёмная | офис-менеджер | администратор | управляющий | управляющая
        владелец | владелица | собственник | учредитель | совладелец | начальник отдела продаж
        руководитель отдела | помощник руководителя | ассистент | маркетолог | дизайнер | архитектор
        технолог | мастер участка | бригадир | начальник цеха | главный врач | старшая медсестра
        заведующая | завуч | методист | кадровик | HR | менеджер | старший менеджер | продавец
        мерчендайзер | риелтор | агент | инженер-проектировщик | электрик | механик | главный механик
        энергетик | IT-директор | системный администратор | аналитик | экономист | координатор
        диспетчер | оператор | специалист по тендерам | зам. по АХЧ | начальник смены | тендерный отдел
        """),
    "profession": _items("""
        охранник | таксист | повар | сварщик | грузчик | курьер | строитель | сантехник | плотник
        столяр | маляр | штукатур | кровельщик | монтажник | слесарь | токарь | фрезеровщик
        крановщик | тракторист | машинист | дальнобойщик | фермер | агроном | ветеринар | зоотехник
        медсестра | фельдшер | стоматолог | педиатр | терапевт | фармацевт | провизор | учитель
        воспитатель | преподаватель | тренер | инструктор | парикмахер | косметолог | визажист
        массажист | фотограф | видеооператор | журналист | редактор | переводчик | программист
        разработчик | тестировщик | официант | бармен | бариста | кассир | продавщица | охранница
        уборщица | горничная | няня | сиделка | садовник | вахтёр | сторож | дворник | почтальон
        пилот | стюардесса | моряк | капитан | военный | полицейский | пожарный | спасатель
        нотариус | адвокат | судья | риелтор | оценщик | страховой агент | банкир | кредитный менеджер
        предприниматель | бизнесмен | частник | индивидуальный предприниматель | студентка
        """),
    "relation": _items("""
        жена | муж | супруга | супруг | мама | мать | папа | отец | сын | дочь | брат | сестра
        бабушка | дедушка | тётя | дядя | тёща | свекровь | зять | невестка | внук | внучка
        племянник | племянница | крёстная | сосед | соседка | подруга | друг | коллега | партнёр
        помощник | помощница | представитель | родственник | родственница | знакомая | знакомый
        """),
    "parent": _items("""
        мама ученика | мама ученицы | папа ученика | папа ученицы | бабушка ученика
        бабушка ученицы | дедушка ученика | дедушка ученицы | мама | папа | бабушка | дедушка
        родитель ученика | мама воспитанника | мама пациента | законный представитель
        """),
    "boy": _items("""
        Миша | Ваня | Саша | Дима | Коля | Петя | Серёжа | Лёша | Артём | Егор | Максим | Тимофей
        Никита | Паша | Гоша | Матвей | Андрюша
        """),
    "girl": _items("""
        Маша | Даша | Катя | Настя | Лена | Аня | Оля | Юля | Таня | Соня | Алиса | Вика | Полина
        Ксюша | Варя | Лиза
        """),
    "brand": _items("""
        Вектор | Альфа | СтройМастер | Горизонт | Меридиан | Росток | Уют | Техноком | Лидер
        Прогресс | Стандарт | Север | Волна | Континент | ЭкоДом | АгроПром | Сибирь | Фаворит
        Ремстрой | Эталон | Гранит | Профиль | Стройлайн | Восход | Терра | Феникс | Ника | Сфера
        Орион | Мегаполис | Радуга | Магистраль | Технопарк | Добрострой | Теплодом | Автолига
        """),
    "legal": _items("ООО | АО | ЗАО | ПАО | ОАО | ГК | ТД | НПО | ГБУ | МУП | КФХ | ТСЖ | СНТ"),
    "shop": _items("магазин | кафе | салон | ресторан | клиника | школа | сеть | ТЦ | автосервис | студия"),
    "source": _items("""
        с Авито | с сайта | с выставки | из Инстаграма | с Яндекс.Директа | по рекламе
        холодный звонок | входящий звонок | с 2ГИС | из ВК | из Телеграма | сарафан
        по сарафанному радио | с листовки | с тендера | заявка с сайта | повторное обращение
        с Ютуба | с Профи.ру | с Циана | с Юлы | из рассылки | с вебинара | с конференции
        с баннера | с радио | через форму обратной связи | с квиза | с лендинга | с Озона
        с Wildberries | по реферальной ссылке | с ярмарки | из Одноклассников | с Яндекс.Карт
        из Google | из чата на сайте | по объявлению | с доски объявлений | с форума
        """),
    "messenger": _items("WhatsApp | ватсап | Telegram | телеграм | Viber | вайбер | Max | ВК | СМС | почту"),
    "contact": _items("""
        не звонить до обеда | не звонить в выходные | лучше писать | только через секретаря
        связь через секретаря | звонить на рабочий | звонить на мобильный | в обед не звонить
        по будням | только email | отвечает вечером | не берёт трубку | долго не отвечает
        просил перезвонить | просила перезвонить | звонить только на этот номер | не беспокоить утром
        соединяют через приёмную | не соединять с бухгалтерией | перезвонит сам | ждёт звонка
        второй номер у жены | звонить после работы | в отпуске | на больничном | в командировке
        предпочитает переписку | голосовые не слушает | только звонки | удобно в обед
        """),
    "tag": _items("""
        VIP | ВИП-клиент | ЛПР | не ЛПР | повторный клиент | постоянный клиент | старый клиент
        новый клиент | корпоративный клиент | ключевой клиент | крупный клиент | пенсионер, льгота
        пенсионерка | партнёр, дилер | дилер | оптовик | опт | розница | дистрибьютор | субподрядчик
        поставщик | юрлицо | физлицо | самозанятый | с НДС | без НДС | ИП | предоплата | рассрочка
        КП отправлено | ждёт КП | счёт выставлен | в работе | наличные | безнал | тендер
        многодетная семья | ветеран | студент | сегмент A | категория B | работаем с 2019
        """),
    "note": _items("""
        через ё | фамилия по мужу | отчество уточнить | имя уточнить | уточнить ФИО
        говорит по-английски | англоговорящий | нужен переводчик | пожилой | пожилая
        бабушка | дедушка | мама | старший сын | младший брат | решает муж | решает жена
        думает | сравнивает цены | хочет скидку | хочет рассрочку | взял время подумать
        взяла время подумать | не знает, какой тариф выбрать | пока не знает сроки
        время звонка после 18 | просит перезвонить через неделю | уже покупал у нас
        покупала в прошлом году | знакомый директора | не знаем отчество | плохо слышно, перезванивать
        """),
    "duty_verb": _items("""
        забирает | привозит | подписывает | оплачивает | принимает | согласует | отвечает за
        решает вопросы по | ведёт | курирует | заказывает | получает | передаёт | отправляет
        проверяет | считает | готовит | утверждает | контролирует | оформляет
        """),
    "duty_object": _items("""
        груз | документы | договоры | счета | оплату | закупки | доставку | поставки | объект
        проект | стройку | акты | товар | заявки | сметы | образцы | КП | накладные | пропуск
        технику | материалы | монтаж | склад | тендеры
        """),
    "hard_surname": _items("""
        Козлов | Баранов | Быков | Петухов | Дураков | Тупицын | Курицын | Коровин | Кобылин
        Кобелев | Бабкин | Дедов | Дятлов | Бакланов | Змеев | Воронов | Индюков | Жабин
        Крысин | Собакин | Свиньин | Ослов | Гусев | Дурнев | Бараненко | Козленко | Хохлов
        """),
}

HEADS = {  # the person described, by gender: "жена-истеричка", "муж - алкаш"
    # Relations only: a role word here would teach the model "прораб" is a cue.
    "masc": ("муж", "отец", "сосед", "хозяин", "свёкор", "тесть"),
    "femn": ("жена", "мать", "тёща", "соседка", "хозяйка", "свекровь"),
}
RELATIVES = {  # someone related to the person described: "муж той истерички"
    "masc": ("жена", "сын", "дочь", "брат", "сестра", "сосед", "коллега", "друг"),
    "femn": ("муж", "сын", "дочь", "брат", "сестра", "соседка", "коллега", "подруга"),
}
PERSONS = {"masc": ("клиент", "мужчина", "мужик", "товарищ"), "femn": ("клиентка", "женщина", "дама")}

# (case, pattern): {x} the insult, {m:LEMMA} an agreeing modifier, {v:LEMMA} a past
# verb agreeing with the person, {head} / {rel} / {person} / {city} fillers.
NOUN_TEMPLATES = (
    ("nomn", "{x}"), ("nomn", "{x}"), ("nomn", "{x}"), ("nomn", "{m:тот} ещё {x}"),
    ("nomn", "{m:полный} {x}"), ("nomn", "{m:настоящий} {x}"), ("nomn", "{m:редкий} {x}"),
    ("nomn", "{m:жуткий} {x}"), ("nomn", "{m:натуральный} {x}"), ("nomn", "{m:какой}-то {x}"),
    ("nomn", "{x} {m:редкостный}"), ("nomn", "{x} ещё {m:тот}"), ("nomn", "просто {x}"),
    ("nomn", "{x} по жизни"), ("nomn", "{x}, не звонить"), ("nomn", "осторожно, {x}"),
    ("nomn", "{head}-{x}"), ("nomn", "{head} - {x}"), ("nomn", "{x} из {city}"),
    ("gent", "{rel} {m:тот} {x}"), ("gent", "от {m:этот} {x}"), ("accs", "{x} не соединять"),
    ("accs", "{m:этот} {x} не соединять"), ("accs", "{x} не брать в работу"),
    ("accs", "{m:этот} {x} игнорировать"), ("datv", "{m:этот} {x} не перезванивать"),
    ("datv", "{x} скидок не давать"), ("ablt", "{v:оказаться} {x}"),
    ("ablt", "с {m:этот} {x} не работаем"),
)
ADJ_TEMPLATES = (
    ("nomn", "{x}"), ("nomn", "{x}"), ("nomn", "очень {x}"), ("nomn", "совсем {x}"),
    ("nomn", "{m:какой}-то {x}"), ("nomn", "{x} {person}"), ("nomn", "{x}, не звонить"),
    ("nomn", "абсолютно {x}"), ("nomn", "жутко {x}"), ("nomn", "{x} до ужаса"),
    ("nomn", "{head} {x}"), ("gent", "от {m:этот} {x}"), ("ablt", "{v:оказаться} {x}"),
)
VERB_TEMPLATES = (
    "{x}", "{x}", "вечно {x}", "постоянно {x}", "всё время {x}", "опять {x}", "часто {x}",
    "{x} по любому поводу", "{x} без конца", "{x}, не звонить", "любит {inf}", "{head} {x}",
)
# Verb lemmas that are insults only in a fixed form (the participle lemmatises to them).
FIXED_FORMS = {"понаехать": ("понаехавший", "понаехавшая", "из понаехавших", "очередной понаехавший")}
ADVERB_PREFIXES = ("вечно ", "постоянно ", "опять ")
PHRASE_PREFIXES = ("", "", "", *ADVERB_PREFIXES, "осторожно: ", "{head} ")
PHRASE_SUFFIXES = ("", "", "", ", не звонить", " по жизни", ", осторожно")
# "~" stands for the phrase: words that complete an idiom in natural text.
PHRASE_COMPLETIONS = {
    "строить из себя": ("~ невесть что", "~ крутого", "~ звезду", "~ эксперта"),
    "корчить из себя": ("~ невесть что", "~ начальника"),
    "пыльным мешком": ("~ стукнутый", "~ ударенный", "~ из-за угла стукнутый"),
    "шарики за ролики": ("~ заехали",),
    "как банный лист": ("пристать ~",),
    "мнить о себе": ("много ~",),
}
VERB_FORMS = {  # idioms whose verb takes a fixed form: "ничем не угодишь"
    "угодить": {"futr", "2per", "sing"}, "выпросить": {"futr", "2per", "sing"},
    "удавиться": {"futr", "3per", "sing"},
}
KEEP_INFINITIVE = {"жить", "связать"}  # the second verb of "учит всех жить"
SEPARATORS = (", ", ", ", " - ", " — ", "; ", " / ", " ", ". ")
PHRASE_STOP = frozenset(
    "не на с в как весь всё что за по из без до о к над под тот ещё ни и себя сам вечно "
    "только самый хороший много у от".split()
)

# --------------------------------------------------------------------------
# Lexicons and lemmas.


def _norm(text: str) -> str:
    return text.lower().replace("ё", "е")


def _read_lexicon(name: str) -> tuple[str, ...]:
    lines = (DATA_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    entries = (line.split("#", 1)[0].strip() for line in lines)
    return tuple(dict.fromkeys(e for e in entries if e))


@lru_cache(maxsize=1)
def nickname_words() -> tuple[str, ...]:
    return _read_lexicon("nickname_words")


@lru_cache(maxsize=1)
def nickname_phrases() -> tuple[str, ...]:
    return _read_lexicon("nickname_phrases")


@lru_cache(maxsize=65536)
def _token_lemmas(token: str) -> frozenset[str]:
    out = {_norm(token)}
    out.update(_norm(p.normal_form) for p in morph().parse(token))
    return frozenset(out)


def lemmas(text: str) -> frozenset[str]:
    """Every lemma any word of `text` may have (all pymorphy3 parses), plus the
    lowercased words themselves (for slang pymorphy3 does not know); ё → е."""
    out: set[str] = set()
    for token in re.findall(r"[а-яё]+", text.lower()):
        out |= _token_lemmas(token)
    return frozenset(out)


def phrase_bag(phrase: str) -> frozenset[str]:
    """The lemma bag a phrase is matched by: first-parse lemma of each word."""
    return frozenset(_norm(morph().parse(w)[0].normal_form) for w in phrase.split())


# --------------------------------------------------------------------------
# Held-out splits.


def _groups(items: list[str], keys) -> list[list[str]]:
    """Items that share any key end up in one group (union-find)."""
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, item in enumerate(items):
        for key in keys(item):
            if key in owner:
                parent[find(i)] = find(owner[key])
            else:
                owner[key] = i
    grouped: dict[int, list[str]] = {}
    for i, item in enumerate(items):
        grouped.setdefault(find(i), []).append(item)
    return list(grouped.values())


def _pick_heldout(groups: list[list[str]], rng: random.Random, share: float) -> set[str]:
    groups = sorted(groups)
    rng.shuffle(groups)
    total = sum(len(g) for g in groups)
    heldout: set[str] = set()
    for group in groups:  # a group that would overshoot the share is skipped
        if len(heldout) + len(group) <= share * total + 1 or not heldout:
            heldout.update(group)
    return heldout


def lexicon_split(seed: int = 0, holdout: float = 0.25) -> tuple[set[str], set[str]]:
    """(train_words, heldout_words) of nickname_words.txt. Words sharing their
    first three letters (дурак/дура/дурень, хам/хамка/хамло) stay together, so a
    held-out word has no near-twin among the train words."""
    words = list(nickname_words())
    groups = _groups(words, lambda w: {_norm(w)[:3]})
    heldout = _pick_heldout(groups, random.Random(seed), holdout)
    return set(words) - heldout, heldout


def phrase_split(seed: int = 0, holdout: float = 0.25) -> tuple[set[str], set[str]]:
    """(train_phrases, heldout_phrases). A phrase holding lexicon words goes
    with them (dropped if they fall on both sides); the others are grouped by
    shared content lemmas ("выносить мозг" / "парить мозг") and split."""
    train_words, heldout_words = lexicon_split(seed, holdout)
    side = {_norm(w): "train" for w in train_words} | {_norm(w): "test" for w in heldout_words}
    fixed: dict[str, set[str]] = {"train": set(), "test": set()}
    free: list[str] = []
    for phrase in nickname_phrases():
        sides = {side[lem] for lem in lemmas(phrase) if lem in side}
        if len(sides) == 1:
            fixed[sides.pop()].add(phrase)
        elif not sides:
            free.append(phrase)
    groups = _groups(free, lambda p: phrase_bag(p) - PHRASE_STOP)
    held = _pick_heldout(groups, random.Random(seed + 1), holdout)
    return fixed["train"] | (set(free) - held), fixed["test"] | held


# --------------------------------------------------------------------------
# Morphology: inflecting lexicon lemmas.


@lru_cache(maxsize=4096)
def _lexeme(lemma: str, pos: tuple[str, ...] = ("NOUN", "ADJF", "INFN")):
    """The likeliest parse of `lemma` as itself in nominative (noun/adjective)
    or as an infinitive, animate if possible. None if pymorphy3 cannot place it."""
    found = [
        p for p in morph().parse(lemma)
        if _norm(p.normal_form) == _norm(lemma) and p.tag.POS in pos
        and (p.tag.POS == "INFN" or ("nomn" in p.tag and "sing" in p.tag))
    ]
    if not found:
        return None
    animate = [p for p in found if p.tag.POS == found[0].tag.POS and "anim" in p.tag]
    return animate[0] if animate else found[0]


def word_kind(lemma: str) -> str:
    """'noun', 'adj' or 'verb'."""
    if lemma.endswith(("ый", "ий", "ой")) and _lexeme(lemma, ("ADJF",)) is not None:
        return "adj"
    parse = _lexeme(lemma)
    if parse is not None:
        return {"NOUN": "noun", "ADJF": "adj", "INFN": "verb"}[parse.tag.POS]
    if lemma.endswith(("ть", "ться")):
        return "verb"
    return "adj" if lemma.endswith(("ый", "ий", "ой")) else "noun"


def _noun_gender(lemma: str) -> str:
    """masc / femn / neut, or 'ms-f' for common gender (зануда, тупица)."""
    parse = _lexeme(lemma)
    if parse is not None:
        anim = [p for p in morph().parse(lemma) if _norm(p.normal_form) == _norm(lemma)]
        if any("ms-f" in p.tag for p in anim):
            return "ms-f"
        return parse.tag.gender or "masc"
    if lemma.endswith("ка"):
        return "femn"
    if lemma.endswith(("а", "я")):
        return "ms-f"
    return "neut" if lemma.endswith("о") else "masc"


def _inflect(lemma: str, grams: set[str], pos=("NOUN", "ADJF", "INFN")) -> str | None:
    parse = _lexeme(lemma, pos)
    if parse is None:
        return None
    form = parse.inflect(grams)
    return form.word if form is not None else None


def _adj_form(lemma: str, gender: str, case: str) -> str:
    form = _inflect(lemma, {gender, case, "sing"}, ("ADJF",))
    if form:
        return form
    if case == "nomn" and gender == "femn" and lemma.endswith(("ый", "ой", "ий")):
        return lemma[:-2] + ("яя" if lemma.endswith("ний") else "ая")
    return lemma


def _modifier(lemma: str, gender: str, case: str) -> str:
    grams = {gender, case, "sing"} | ({"anim"} if case == "accs" and gender == "masc" else set())
    return _inflect(lemma, grams, ("ADJF",)) or lemma


def _verb(lemma: str, gender: str, tense: str = "pres", grams: set[str] | None = None) -> str:
    """3rd person present (imperfective, dictionary verbs) or past by gender."""
    parse = _lexeme(lemma, ("INFN",))
    if parse is None:
        return lemma
    known = morph().word_is_known(lemma)
    if grams is None:
        present = tense == "pres" and known and parse.tag.aspect == "impf"
        grams = {"pres", "3per", "sing"} if present else {"past", gender, "sing"}
    form = parse.inflect(grams)
    return form.word if form is not None else lemma


# --------------------------------------------------------------------------
# Neutral fillers for one side of a split.


@dataclass
class Side:
    """Lexicon words, phrases and neutral pools one corpus may draw from."""

    words: tuple[str, ...]
    phrases: tuple[str, ...]
    pools: dict[str, tuple[str, ...]]
    faker: Faker

    def pick(self, rng: random.Random, pool: str) -> str:
        return rng.choice(self.pools[pool])


def _surname_gent(surname: str, gender: str) -> str:
    if gender == "femn":
        if surname.endswith(("ова", "ева", "ёва", "ина", "ына")):
            return surname[:-1] + "ой"
        return surname[:-2] + "ой" if surname.endswith(("ская", "цкая")) else surname
    if surname.endswith(("ский", "цкий", "ской")):
        return surname[:-2] + "ого"
    if surname.endswith(("о", "ых", "их", "е", "и", "у", "а", "я", "ий")):
        return surname
    return surname + "а"


@lru_cache(maxsize=4096)
def _first_name_case(name: str, case: str) -> str:
    for parse in morph().parse(name):
        if "Name" in parse.tag and "nomn" in parse.tag:
            form = parse.inflect({case})
            if form is not None:
                return form.word.capitalize()
    return name


def _patronymic_gent(patronymic: str) -> str:
    if patronymic.endswith("на"):
        return patronymic[:-1] + "ы"
    return patronymic + "а" if patronymic.endswith("ич") else patronymic


def person_gent(side: Side, rng: random.Random, gender: str | None = None) -> str:
    """A random Russian person in the genitive: "Ирины Волковой", "Сергеева",
    "Олега Петровича", "Сергеева А.В."."""
    gender = gender or rng.choice(("masc", "femn"))
    fk = side.faker
    first = fk.first_name_male() if gender == "masc" else fk.first_name_female()
    last = fk.last_name_male() if gender == "masc" else fk.last_name_female()
    middle = fk.middle_name_male() if gender == "masc" else fk.middle_name_female()
    first_g, last_g = _first_name_case(first, "gent"), _surname_gent(last, gender)
    return rng.choice((
        f"{first_g} {last_g}", last_g, first_g, f"{first_g} {_patronymic_gent(middle)}",
        f"{last_g} {first[0]}.{middle[0]}.", f"{last_g} {first_g}",
    ))


def _city(side: Side, rng: random.Random) -> str:
    return re.sub(r"\s*\(.*?\)", "", side.faker.city_name())


@lru_cache(maxsize=4096)
def _city_case(city: str, case: str) -> str | None:
    if " " in city or "-" in city:
        return None
    for parse in morph().parse(city):
        if "Geox" in parse.tag and "nomn" in parse.tag:
            form = parse.inflect({case})
            return form.word.capitalize() if form is not None else None
    return None


def city_gent(side: Side, rng: random.Random) -> str:
    city = _city(side, rng)
    return _city_case(city, "gent") or f"г. {city}"


def company(side: Side, rng: random.Random) -> str:
    brand = side.pick(rng, "brand")
    return rng.choice((
        f"{side.pick(rng, 'legal')} «{brand}»", f"ООО «{brand}»", f"{side.pick(rng, 'shop')} «{brand}»",
        side.faker.company(), f"ИП {side.faker.last_name()}", f"компания {brand}", "ИП",
    ))


@lru_cache(maxsize=1)
def _word_pools() -> dict[str, tuple[str, ...]]:
    """Single neutral words, so that "one word" is never a cue for "insult":
    frequent nouns and adjectives of navec's news vocabulary (lemmas, with every
    lexicon word removed) and real surnames and first names."""
    from analyzer.names import person_names
    from models.features import navec

    banned = {_norm(w) for w in nickname_words()}
    for phrase in nickname_phrases():
        banned |= {_norm(w) for w in phrase.split()}
    common = []
    for word in navec().vocab.words[500:40_000]:
        if not re.fullmatch(r"[а-я]{4,}", word) or word in banned:
            continue
        parse = morph().parse(word)[0]
        if parse.tag.POS in ("NOUN", "ADJF") and parse.normal_form == word \
                and not {"Name", "Surn", "Patr"} & parse.tag.grammemes and not lemmas(word) & banned:
            common.append(word)
    names = sorted(person_names())
    return {"common_word": tuple(common),
            "surname": tuple(w.capitalize() for w in names if "Surn" in str(person_names()[w])),
            "first_name": tuple(w.capitalize() for w in names if "Name" in str(person_names()[w]))}


def pools() -> dict[str, tuple[str, ...]]:
    return {**POOLS, **_word_pools()}


# --------------------------------------------------------------------------
# Neutral segments (label 0).


def _time(rng: random.Random) -> str:
    hour = rng.randint(8, 20)
    return rng.choice((f"{hour}:00", f"{hour}:30", str(hour), f"{hour}.00"))


def _date(rng: random.Random) -> str:
    day, month = rng.randint(1, 28), rng.randint(1, 12)
    months = ("января февраля марта апреля мая июня июля августа сентября октября "
              "ноября декабря").split()
    return rng.choice((f"{day:02d}.{month:02d}", f"{day} {months[month - 1]}",
                       f"{day:02d}.{month:02d}.{rng.randint(1950, 2002)}"))


def seg_role(side: Side, rng: random.Random) -> str:
    role = side.pick(rng, rng.choice(("role", "role", "profession")))
    return rng.choice((role, role, f"{role} {company(side, rng)}", f"{role}, {company(side, rng)}"))


def seg_referral(side: Side, rng: random.Random) -> str:
    who = person_gent(side, rng)
    if rng.random() < 0.25:  # hard negative: a surname sharing a root with an insult
        who = _surname_gent(side.pick(rng, "hard_surname"), "masc")
        if rng.random() < 0.4:
            who = _surname_gent(side.pick(rng, "hard_surname") + "а", "femn")
    return rng.choice((
        f"от {who}", f"по рекомендации {who}", f"рекомендация {who}", f"пришёл от {who}",
        f"пришла от {who}", f"знакомый {who}", f"контакт от {who}", f"реком. {who}",
    ))


def seg_relation(side: Side, rng: random.Random) -> str:
    if rng.random() < 0.35:
        head = side.pick(rng, "parent")
        child = side.pick(rng, "girl" if head.endswith("ученицы") else "boy")
        if not head.endswith(("ученика", "ученицы", "воспитанника", "пациента")):
            child = side.pick(rng, rng.choice(("boy", "girl")))
        return f"{head} {_first_name_case(child, 'gent')}"
    rel = side.pick(rng, "relation")
    return rng.choice((f"{rel} {person_gent(side, rng)}", rel, f"{rel} {person_gent(side, rng)}"))


def seg_company(side: Side, rng: random.Random) -> str:
    return company(side, rng)


def seg_place(side: Side, rng: random.Random) -> str:
    city, street = _city(side, rng), side.faker.street_name()
    return rng.choice((
        f"из {city_gent(side, rng)}", f"г. {city}", city, f"объект {city}", f"объект на {street}",
        f"ЖК «{side.pick(rng, 'brand')}»", f"офис на {street}", f"{city}, {street}",
        f"склад {city}", f"дача, {city}",
    ))


def seg_source(side: Side, rng: random.Random) -> str:
    return side.pick(rng, "source")


def seg_contact(side: Side, rng: random.Random) -> str:
    msg = side.pick(rng, "messenger")
    return rng.choice((
        f"звонить после {_time(rng)}", f"звонить с {rng.randint(8, 12)} до {rng.randint(16, 20)}",
        f"не звонить до {rng.randint(9, 13)}", f"только {msg}", f"писать в {msg}",
        f"доб. {rng.randint(100, 999)}", f"перезвонить после {_time(rng)}", f"МСК+{rng.randint(1, 7)}",
        side.pick(rng, "contact"), side.pick(rng, "contact"),
    ))


def seg_birthday(side: Side, rng: random.Random) -> str:
    return rng.choice(("ДР", "д.р.", "день рождения", "ДР:", "др")) + " " + _date(rng)


def seg_tag(side: Side, rng: random.Random) -> str:
    return side.pick(rng, "tag")


def seg_note(side: Side, rng: random.Random) -> str:
    return side.pick(rng, "note")


def seg_duty(side: Side, rng: random.Random) -> str:
    """What the person does for the deal: "забирает груз", "подписывает акты"."""
    return f"{side.pick(rng, 'duty_verb')} {side.pick(rng, 'duty_object')}"


def seg_since(side: Side, rng: random.Random) -> str:
    """How long we have known the client: "клиент с 2019 г."."""
    year = rng.randint(2005, 2025)
    return rng.choice((f"клиент с {year} г.", f"работаем с {year} года", f"с {year}",
                       f"покупал в {year} г.", f"заказывала в {year}", f"клиент с {year}",
                       f"в базе с {year} г.", f"{side.pick(rng, 'tag')} с {year} г."))


def seg_word(side: Side, rng: random.Random) -> str:
    """One neutral word: a common noun or adjective, a surname, a first name."""
    pool = rng.choice(("common_word", "common_word", "surname", "first_name"))
    word = side.pick(rng, pool)
    return word.capitalize() if pool == "common_word" and rng.random() < 0.3 else word


NEUTRAL = (seg_role, seg_role, seg_referral, seg_referral, seg_relation, seg_relation,
           seg_company, seg_place, seg_source, seg_contact, seg_contact, seg_birthday,
           seg_tag, seg_tag, seg_note, seg_note, seg_duty, seg_since, seg_word, seg_word)

# --------------------------------------------------------------------------
# Derogatory segments (label 1).


def _fill(pattern: str, rng: random.Random, side: Side, slots: dict) -> str:
    """Fill {x}, {m:LEMMA}, {v:LEMMA}, {head}, {rel}, {person}, {city}, {inf}."""
    gender, mod_gender, case = slots["gender"], slots["mod_gender"], slots["case"]

    def repl(match: re.Match) -> str:
        name, arg = match.group(1), match.group(2)
        if name == "m":
            return _modifier(arg, mod_gender, case)
        if name == "v":
            return _verb(arg, gender, "past")
        if name == "city":
            return city_gent(side, rng)
        pools = {"head": HEADS, "rel": RELATIVES, "person": PERSONS}
        return rng.choice(pools[name][gender]) if name in pools else slots[name]

    return re.sub(r"\{(\w+)(?::([^}]+))?\}", repl, pattern)


def _genders(lemma: str, rng: random.Random) -> tuple[str, str]:
    """(gender of the person, gender modifiers agree with)."""
    gender = _noun_gender(lemma)
    person = gender if gender in ("masc", "femn") else rng.choice(("masc", "femn"))
    return person, ("neut" if gender == "neut" else person)


def noun_remark(lemma: str, rng: random.Random, side: Side) -> str:
    gender, mod_gender = _genders(lemma, rng)
    case, pattern = rng.choice(NOUN_TEMPLATES)
    known = morph().word_is_known(lemma)
    form = _inflect(lemma, {case, "sing"}, ("NOUN",)) if known else None
    if form is None:
        case, pattern, form = "nomn", rng.choice(NOUN_TEMPLATES[:18])[1], lemma
    slots = {"gender": gender, "mod_gender": mod_gender, "case": case, "x": form}
    return _fill(pattern, rng, side, slots)


def adj_remark(lemma: str, rng: random.Random, side: Side) -> str:
    gender = rng.choice(("masc", "femn"))
    case, pattern = rng.choice(ADJ_TEMPLATES)
    if _lexeme(lemma, ("ADJF",)) is None:
        case, pattern = "nomn", rng.choice(ADJ_TEMPLATES[:11])[1]
    slots = {"gender": gender, "mod_gender": gender, "case": case,
             "x": _adj_form(lemma, gender, case)}
    return _fill(pattern, rng, side, slots)


def verb_remark(lemma: str, rng: random.Random, side: Side) -> str:
    if lemma in FIXED_FORMS:
        return rng.choice(FIXED_FORMS[lemma])
    gender = rng.choice(("masc", "femn"))
    tense = "pres" if rng.random() < 0.7 else "past"
    slots = {"gender": gender, "mod_gender": gender, "case": "nomn",
             "x": _verb(lemma, gender, tense), "inf": lemma}
    return _fill(rng.choice(VERB_TEMPLATES), rng, side, slots)


def word_remark(lemma: str, rng: random.Random, side: Side) -> str:
    kind = word_kind(lemma)
    maker = {"noun": noun_remark, "adj": adj_remark, "verb": verb_remark}[kind]
    return maker(lemma, rng, side)


# --------------------------------------------------------------------------
# Phrases: infinitives conjugated, adjectives agreeing with the person.


@lru_cache(maxsize=4096)
def _is_infinitive(word: str) -> bool:
    return any(p.tag.POS == "INFN" and p.word == word for p in morph().parse(word))


@lru_cache(maxsize=4096)
def _adjective(word: str):
    """The parse of `word` as a masculine singular adjective (full or short)."""
    for p in morph().parse(word):
        full = p.tag.POS in ("ADJF", "PRTF") and {"masc", "sing", "nomn"} <= set(p.tag.grammemes)
        short = p.tag.POS == "ADJS" and "masc" in p.tag
        if p.word == word and (full or short):
            return p
    return None


def _nominative_nouns(tokens: list[str]) -> list:
    """Nominative noun parses of tokens that are not adjectives or verbs."""
    out = []
    for token in tokens:
        if _adjective(token) is None and not _is_infinitive(token):
            out += [p for p in morph().parse(token) if p.tag.POS == "NOUN" and "nomn" in p.tag][:1]
    return out


def _subject_gender(tokens: list[str]) -> str | None:
    """Gender of an unambiguous nominative subject: "крыша поехала"."""
    for parse in _nominative_nouns(tokens):
        if "sing" in parse.tag and not any("accs" in p.tag for p in morph().parse(parse.word)):
            return parse.tag.gender
    return None


def _agree_adjective(word: str, gender: str, short: bool) -> str:
    parse = _adjective(word)
    if parse is None:
        return word
    if parse.tag.POS == "ADJS" or (short and parse.tag.POS == "ADJF"):
        form = parse.inflect({"ADJS", gender, "sing"})
    else:
        form = parse.inflect({gender, "nomn", "sing"})
    return form.word if form is not None else word


def realise_phrase(phrase: str, rng: random.Random, gender: str) -> str:
    """Natural text for a lexicon phrase: "кукуха поехать" -> "кукуха поехала",
    "вечно недовольный" -> "вечно недовольна" (for a woman)."""
    text = phrase
    if phrase in PHRASE_COMPLETIONS and rng.random() < 0.7:
        text = rng.choice(PHRASE_COMPLETIONS[phrase]).replace("~", phrase)
    tokens = text.split()
    verbs = [t for t in tokens if _is_infinitive(t)]
    subject = _subject_gender(tokens) or gender
    adjectives = [t for t in tokens if _adjective(t) is not None]
    agree = not _nominative_nouns(tokens)
    short = len(adjectives) == 1 and rng.random() < 0.35
    tense = "pres" if rng.random() < 0.75 else "past"
    out = []
    for token in tokens:
        if token in verbs and not (len(verbs) > 1 and token in KEEP_INFINITIVE):
            token = _verb(token, subject, tense, VERB_FORMS.get(token))
        elif token in adjectives and agree:
            token = _agree_adjective(token, gender, short)
        out.append(token)
    return " ".join(out)


def phrase_remark(phrase: str, rng: random.Random, side: Side) -> str:
    gender = rng.choice(("masc", "femn"))
    body = realise_phrase(phrase, rng, gender)
    prefix = rng.choice(PHRASE_PREFIXES)
    verbal = any(_is_infinitive(t) or _adjective(t) for t in phrase.split())
    if prefix.strip() in body.split() or (not verbal and prefix in ADVERB_PREFIXES):
        prefix = ""
    if not verbal and prefix == "{head} ":
        prefix = "{head} - "
    text = prefix + body + rng.choice(PHRASE_SUFFIXES)
    slots = {"gender": gender, "mod_gender": gender, "case": "nomn"}
    return _fill(text, rng, side, slots)


# --------------------------------------------------------------------------
# Assembling the corpus.


def _join(segments: list[str], rng: random.Random) -> str:
    text = segments[0]
    for segment in segments[1:]:
        text += rng.choice(SEPARATORS) + segment
    return text


def positive(side: Side, rng: random.Random) -> str:
    """A derogatory remark, alone or among neutral segments."""
    if side.phrases and rng.random() < 0.35:
        segments = [phrase_remark(rng.choice(side.phrases), rng, side)]
    else:
        segments = [word_remark(rng.choice(side.words), rng, side)]
    if rng.random() < 0.08:
        segments.append(word_remark(rng.choice(side.words), rng, side))
    for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
        segments.insert(rng.randint(0, len(segments)), rng.choice(NEUTRAL)(side, rng))
    return _join(segments, rng)


def negative(side: Side, rng: random.Random) -> str:
    """One to three neutral segments."""
    count = rng.choice((1, 1, 1, 2, 2, 3))
    return _join([rng.choice(NEUTRAL)(side, rng) for _ in range(count)], rng)


def _noise(text: str, rng: random.Random) -> str:
    """Casing and punctuation habits, the same for both labels."""
    roll = rng.random()
    if roll < 0.07:
        text = text.upper()
    elif roll < 0.4:
        text = text[:1].upper() + text[1:]
    if rng.random() < 0.07:
        text = rng.choice(("- ", "— ", ", ", "/ ")) + text
    if rng.random() < 0.08:
        text += rng.choice(("!!!", "!", " (!)", "!!"))
    if rng.random() < 0.03:
        text = "ВНИМАНИЕ: " + text
    return text


def _build(side: Side, rng: random.Random, n: int, forbidden: frozenset[str],
           exclude: set[str] = frozenset()) -> list[tuple[str, int]]:
    """n unique examples, half positive; positives touching `forbidden` lemmas
    (the other side's lexicon words) are dropped."""
    out: list[tuple[str, int]] = []
    seen = set(exclude)
    counts = [n - n // 2, n // 2]  # still needed: [neutral, derogatory]
    for _ in range(50 * n):
        if not any(counts):
            break
        label = 1 if counts[1] and (not counts[0] or rng.random() < 0.5) else 0
        text = _noise((positive if label else negative)(side, rng), rng)
        if text in seen or (label and lemmas(text) & forbidden):
            continue
        seen.add(text)
        counts[label] -= 1
        out.append((text, label))
    return out


def _faker(seed: int) -> Faker:
    fake = Faker("ru_RU")
    fake.seed_instance(seed)
    return fake


def generate(seed: int = 0, n: int = 6000) -> list[tuple[str, int]]:
    """n labeled remarks (text, 1 derogatory / 0 neutral) from all lexicon
    entries and pools; deterministic for a seed."""
    side = Side(nickname_words(), nickname_phrases(), pools(), _faker(seed))
    return _build(side, random.Random(seed), n, frozenset())


def _split_pools(seed: int, holdout: float) -> tuple[dict, dict]:
    train, test = {}, {}
    for index, (name, items) in enumerate(sorted(pools().items())):
        shuffled = list(items)
        random.Random(seed * 1000 + index).shuffle(shuffled)
        k = max(1, round(len(shuffled) * holdout))
        train[name], test[name] = tuple(shuffled[k:]), tuple(shuffled[:k])
    return train, test


def generate_split(seed: int = 0, n: int = 6000, holdout: float = 0.25
                   ) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(train, test) with n examples in all, a `holdout` share of them in test.
    Train positives use only train words/phrases, test positives only held-out
    ones; neutral pools are split the same way; no test text occurs in train."""
    train_words, heldout_words = lexicon_split(seed, holdout)
    train_phrases, heldout_phrases = phrase_split(seed, holdout)
    train_pools, test_pools = _split_pools(seed, holdout)
    ordered = nickname_words()
    train_side = Side(tuple(w for w in ordered if w in train_words),
                      tuple(p for p in nickname_phrases() if p in train_phrases),
                      train_pools, _faker(seed))
    test_side = Side(tuple(w for w in ordered if w in heldout_words),
                     tuple(p for p in nickname_phrases() if p in heldout_phrases),
                     test_pools, _faker(seed + 1))
    n_test = round(n * holdout)
    train = _build(train_side, random.Random(seed), n - n_test,
                   frozenset(_norm(w) for w in heldout_words))
    test = _build(test_side, random.Random(seed + 1), n_test,
                  frozenset(_norm(w) for w in train_words), {t for t, _ in train})
    return train, test
