"""Segments of name-field remarks (training/remarks.py).

Neutral segments (label 0) are drawn from the pools of a `Side` and Faker:
roles, referrers, relations, companies, places, lead sources, contact
preferences, birthdays, tags, notes, duties, client history, single words.
Derogatory segments (label 1) put a lexicon word or phrase into a template.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from faker import Faker

from analyzer.nlp import morph
from training.remarks_morph import (
    _adj_form,
    _adjective,
    _city_case,
    _first_name_case,
    _inflect,
    _is_infinitive,
    _lexeme,
    _modifier,
    _noun_gender,
    _patronymic_gent,
    _surname_gent,
    _verb,
    realise_phrase,
    remark_data,
    word_kind,
)

HEADS = remark_data()["heads"]
RELATIVES = remark_data()["relatives"]
PERSONS = remark_data()["persons"]
NOUN_TEMPLATES = remark_data()["noun_templates"]
ADJ_TEMPLATES = remark_data()["adj_templates"]
VERB_TEMPLATES = remark_data()["verb_templates"]
FIXED_FORMS = remark_data()["fixed_forms"]
ADVERB_PREFIXES = remark_data()["adverb_prefixes"]
PHRASE_PREFIXES = remark_data()["phrase_prefixes"]
PHRASE_SUFFIXES = remark_data()["phrase_suffixes"]

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


def city_gent(side: Side, rng: random.Random) -> str:
    city = _city(side, rng)
    return _city_case(city, "gent") or f"г. {city}"


def company(side: Side, rng: random.Random) -> str:
    brand = side.pick(rng, "brand")
    return rng.choice((
        f"{side.pick(rng, 'legal')} «{brand}»", f"ООО «{brand}»", f"{side.pick(rng, 'shop')} «{brand}»",
        side.faker.company(), f"ИП {side.faker.last_name()}", f"компания {brand}", "ИП",
    ))


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


def seg_trait(side: Side, rng: random.Random) -> str:
    """A neutral or kind word about the client: "вежливая", "любит скидки"."""
    if rng.random() < 0.5:
        return side.pick(rng, "trait_phrase")
    adj = _adj_form(side.pick(rng, "trait_adj"), rng.choice(("masc", "femn")), "nomn")
    return rng.choice(("", "", "очень ", "всегда ")) + adj


NEUTRAL = (seg_role, seg_role, seg_referral, seg_referral, seg_relation, seg_relation,
           seg_company, seg_place, seg_source, seg_contact, seg_contact, seg_birthday,
           seg_tag, seg_tag, seg_note, seg_note, seg_duty, seg_since, seg_word, seg_word,
           seg_trait, seg_trait)

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
