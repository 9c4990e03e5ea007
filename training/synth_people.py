"""Synthetic clients: Faker ru_RU names of the right gender, the phone formats
people really type, INNs, e-mails, companies — and contact defects on demand.

Every defect maker changes one contact so that exactly its code is true, and
checks its own output against the libraries that define the truth (pymorphy3
for "is this a known word", phonenumbers for validity, python-stdnum for INN).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import phonenumbers as pn
from faker import Faker
from stdnum.ru import inn as stdnum_inn

from analyzer.names import keyboard_neighbours, person_names
from analyzer.nlp import is_known

MOBILE_CODES = tuple(range(900, 1000))
CITY_CODES = (495, 499, 812, 343, 383, 846, 863, 843, 861, 351)
CLEAN_FORMAT = "+7 ({a}) {b}-{c}-{d}"
MESSY_FORMATS = (
    "8 ({a}) {b}-{c}-{d}", "8{a}{b}{c}{d}", "+7{a}{b}{c}{d}", "+7 {a} {b} {c} {d}",
    "{a}-{b}-{c}-{d}", "7({a}){b}{c}{d}", "8-{a}-{b}-{c}-{d}", "+7 ({a}) {b}{c}{d}",
    "8 {a} {b}-{c}-{d}", "+7({a}){b}-{c}-{d}",
)
NEUTRAL_EXTRAS = (
    " (директор)", " — главный бухгалтер", ", отдел закупок", " (ЛПР)", " VIP",
    " (от Сергеева)", " (звонить после 18:00)", " (прораб)", ", снабженец", " (секретарь)",
)
NICKNAMES = (
    " (истеричка)", " - не знает что хочет", " (неадекват)", " — жмот", " (хамло)",
    " (тупица)", " - мозг выносит", " (ист3ричка)", " (н е а д е к в а т)", " ДУРА",
    " (вечно недовольна)", " (псих)", " — скандалистка", " (зануда)", " (кидала)",
    " (душнила)", " - орёт на всех", " (с приветом)", " (дyра)", " (мутный тип)",
)
GARBAGE = ("Ываыва", "Тест Тест", "Ааааа", "Йцукен", "Клиент", "Фывапр", "Нет Имени")
EMAIL_DOMAINS = ("mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru", "list.ru")
BAD_EMAILS = ("{u}@{d}.", "{u}@@{d}", "{u}.{d}", "{u}@{d2}", "{u}@{d}..ru", "{u} @{d}",
              "{u}@-{d}", ".{u}@{d}")
TRANSLIT = str.maketrans({"а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e",
                          "ё": "e", "ж": "zh", "з": "z", "и": "i", "й": "y", "к": "k",
                          "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
                          "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts",
                          "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "", "ы": "y", "ь": "",
                          "э": "e", "ю": "yu", "я": "ya"})


@dataclass
class Person:
    last: str
    first: str
    middle: str
    female: bool


def person(fake: Faker, rng: random.Random) -> Person:
    female = rng.random() < 0.5
    if female:
        return Person(fake.last_name_female(), fake.first_name_female(),
                      fake.middle_name_female(), True)
    return Person(fake.last_name_male(), fake.first_name_male(), fake.middle_name_male(), False)


def name_parts(p: Person, rng: random.Random) -> list[str]:
    """The words of the name field in one of the orders managers use."""
    roll = rng.random()
    if roll < 0.45:
        return [p.last, p.first, p.middle]
    if roll < 0.65:
        return [p.first, p.last]
    if roll < 0.80:
        return [p.last, p.first]
    if roll < 0.88:
        return [p.first, p.middle]
    return [p.last, f"{p.first[0]}.{p.middle[0]}."]


def phone_digits(rng: random.Random, mobile: bool = True) -> str:
    code = rng.choice(MOBILE_CODES if mobile else CITY_CODES)
    return f"{code}{rng.randint(0, 9_999_999):07d}"


def render_phone(digits: str, template: str) -> str:
    return template.format(a=digits[:3], b=digits[3:6], c=digits[6:8], d=digits[8:])


def email_for(p: Person, rng: random.Random) -> str:
    user = f"{p.first.lower().translate(TRANSLIT)}.{p.last.lower().translate(TRANSLIT)}"
    return f"{user}{rng.randint(1, 99) if rng.random() < 0.3 else ''}@{rng.choice(EMAIL_DOMAINS)}"


# --- defects ---------------------------------------------------------------

def lowercase(parts: list[str], rng: random.Random) -> list[str]:
    if rng.random() < 0.3:
        return [w.lower() for w in parts]
    k = rng.randrange(len(parts))
    return [w.lower() if i == k else w for i, w in enumerate(parts)]


def _slip(word: str, rng: random.Random) -> str:
    body = list(word.lower())
    spots = [k for k in range(1, len(body) - 1) if body[k] not in "ьъ"
             and body[k] != body[k + 1] and body[k] != body[k - 1]]
    i = rng.choice(spots or [1])
    kind = rng.choice(("swap", "drop", "replace"))
    if kind == "swap":
        body[i], body[i + 1] = body[i + 1], body[i]
    elif kind == "drop":
        del body[i]
    else:
        body[i] = rng.choice(keyboard_neighbours().get(body[i], "а").replace("ь", "").replace("ъ", "") or "а")
    out = "".join(body)
    return out[:1].upper() + out[1:] if word[:1].isupper() else out


def typo(parts: list[str], rng: random.Random) -> list[str] | None:
    """One slip in a name word, giving a word no dictionary knows."""
    candidates = [i for i, w in enumerate(parts) if len(w) >= 5 and "." not in w]
    if not candidates:
        return None
    for _ in range(20):
        k = rng.choice(candidates)
        slipped = _slip(parts[k], rng)
        low = slipped.lower()
        if slipped.lower() != parts[k].lower() and not is_known(low) and low not in person_names():
            return [slipped if i == k else w for i, w in enumerate(parts)]
    return None


def bad_phone(rng: random.Random) -> str:
    digits = phone_digits(rng)
    roll = rng.random()
    if roll < 0.4:
        return render_phone(digits, rng.choice(MESSY_FORMATS))[:-3]       # digits lost
    if roll < 0.7:
        return "+7 (" + rng.choice(("000", "100", "200")) + f") {digits[3:6]}-{digits[6:8]}-{digits[8:]}"
    return "8" + digits + str(rng.randint(0, 9))                            # one too many


def bad_inn(rng: random.Random, fake: Faker) -> str:
    good = fake.businesses_inn() if rng.random() < 0.7 else fake.individuals_inn()
    if rng.random() < 0.6:
        last = str((int(good[-1]) + rng.randint(1, 9)) % 10)
        out = good[:-1] + last
    else:
        out = good[:-1] if rng.random() < 0.5 else good + str(rng.randint(0, 9))
    return out if not (len(out) in (10, 12) and stdnum_inn.is_valid(out)) else bad_inn(rng, fake)


def bad_email(p: Person, rng: random.Random) -> str:
    user = f"{p.first.lower().translate(TRANSLIT)}.{p.last.lower().translate(TRANSLIT)}"
    domain = rng.choice(EMAIL_DOMAINS)
    return rng.choice(BAD_EMAILS).format(u=user, d=domain, d2=domain.split(".")[0])


def valid_phone(text: str) -> bool:
    try:
        return pn.is_valid_number(pn.parse(text, "RU"))
    except pn.NumberParseException:
        return False


def _name_field(rng: random.Random, p: Person, defects: set[str]) -> str:
    parts = name_parts(p, rng)
    if "contact.name.not_a_name" in defects:
        slipped = typo(parts, rng) if rng.random() < 0.7 else None
        if slipped is None:
            defects.discard("contact.name.lowercase")
            text = rng.choice(GARBAGE)
            return text + (rng.choice(NICKNAMES) if "contact.name.nickname" in defects else "")
        parts = slipped
    if "contact.name.lowercase" in defects:
        parts = lowercase(parts, rng)
    text = " ".join(parts)
    if "contact.name.nickname" in defects:
        return text + rng.choice(NICKNAMES)
    return text + (rng.choice(NEUTRAL_EXTRAS) if rng.random() < 0.05 else "")


def _valid_digits(rng: random.Random, mobile: bool = True) -> str:
    """A number phonenumbers accepts (some city ranges are not allocated)."""
    while not valid_phone("+7" + (digits := phone_digits(rng, mobile))):
        pass
    return digits


def _phones(rng: random.Random, defects: set[str]) -> list[str]:
    phones = [render_phone(_valid_digits(rng, rng.random() < 0.85), CLEAN_FORMAT)
              for _ in range(1 if rng.random() < 0.85 else 2)]
    if "contact.phone.format" in defects:
        phones[0] = render_phone(_valid_digits(rng), rng.choice(MESSY_FORMATS))
    if "contact.phone.invalid" in defects:
        bad = bad_phone(rng)
        while valid_phone(bad):
            bad = bad_phone(rng)
        phones.append(bad)
    return phones


def contact(rng: random.Random, fake: Faker, defects: set[str], i: int) -> tuple[dict, set[str]]:
    """A client card with exactly the contact defects in `defects` (which may shrink)."""
    p = person(fake, rng)
    company = "contact.requisites.missing" in defects or rng.random() < 0.4
    card = {"id": f"c{i + 1}", "name": _name_field(rng, p, defects),
            "phones": _phones(rng, defects),
            "emails": [email_for(p, rng)] if rng.random() < 0.7 else [],
            "company": fake.company() if company else None,
            "inn": fake.businesses_inn() if company else None,
            "address": fake.address() if company or rng.random() < 0.2 else None}
    if "contact.email.invalid" in defects:
        card["emails"] = [bad_email(p, rng)] + card["emails"][:1]
    if "contact.inn.invalid" in defects:
        card["inn"] = bad_inn(rng, fake)
    if "contact.requisites.missing" in defects:
        drop_inn = "contact.inn.invalid" not in defects and rng.random() < 0.6
        card["inn" if drop_inn else "address"] = None if rng.random() < 0.7 else ""
    return card, defects
