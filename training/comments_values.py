"""Value fillers for the comment corpus: next-step dates and time frames,
money, quantities and other numbers, in the mixed formats managers type.

Every function takes a `random.Random` and returns a string. `next_date()`
is the only source of a *next-step* date (the `date` slot); dates of things
already done come from the `past` pool in pools.yaml instead.
"""

from __future__ import annotations

import random

MONTHS_GEN = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
              "сентября", "октября", "ноября", "декабря")
MONTHS_ABBR = ("янв", "фев", "мар", "апр", "мая", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")
WEEKDAYS = ("в пн", "в понедельник", "во вт", "во вторник", "в ср", "в среду", "в чт",
            "в четверг", "в пт", "в пятницу", "в сб", "в субботу", "в пн.", "в ПН", "в Пт")
UNTIL_DAYS = ("до пн", "до понедельника", "до ср", "до среды", "до пт", "до пятницы", "до чт",
              "до четверга", "до вторника")
RELATIVE = ("на след. неделе", "на следующей неделе", "на сл. неделе", "на след неделе",
            "через 2 дня", "через неделю", "через пару дней", "через 3 дня", "через 2 недели",
            "через месяц", "через день", "на неделе после праздников", "в начале след. месяца",
            "в начале следующей недели", "в конце недели", "через 5 дней")
DEADLINES = ("до конца недели", "до конца дня", "к концу месяца", "в течение 2 дней",
             "в течение недели", "до конца месяца", "в течение дня", "до обеда",
             "в течение 3 раб. дней", "до конца квартала", "к концу недели", "до выходных")
TODAY = ("сегодня вечером", "вечером", "сегодня до конца дня", "сегодня после обеда")
DAY_PARTS = ("утром", "с утра", "в обед", "после обеда", "вечером", "во второй половине дня")


def _day(rng: random.Random) -> tuple[int, int]:
    return rng.randint(1, 28), rng.randint(1, 12)


def clock(rng: random.Random) -> str:
    """A time of day: 11:00, 9:30, 15.00, 11."""
    hour = rng.randint(9, 20)
    style = rng.random()
    if style < 0.45:
        return f"{hour}:{rng.choice(('00', '30', '00', '15', '45'))}"
    if style < 0.55:
        return f"{hour}.{rng.choice(('00', '30'))}"
    return str(hour)


def _at_time(rng: random.Random) -> str:
    """ " в 11", " в 11:30", " после 15", " до 12", " к 10", " 16:00" or nothing."""
    roll = rng.random()
    if roll < 0.45:
        return ""
    prefix = rng.choice((" в ", " в ", " после ", " до ", " к ", " ", " около "))
    return prefix + clock(rng)


def numeric_date(rng: random.Random) -> str:
    """14.03, 05.04, 15/03, 3.10 with an optional time: 16.08 11:00, 15/03 в 11."""
    day, month = _day(rng)
    roll = rng.random()
    if roll < 0.45:
        text = f"{day:02d}.{month:02d}"
    elif roll < 0.7:
        text = f"{day}.{month:02d}"
    elif roll < 0.85:
        text = f"{day:02d}/{month:02d}"
    else:
        text = f"{day:02d}.{month:02d}.{rng.choice(('25', '26', '2025', '2026'))}"
    return text + _at_time(rng)


def word_date(rng: random.Random) -> str:
    """3 окт, 15 марта, 20-22 мая, с 3 по 5 июня, 14 ноя в 15:00."""
    day, month = _day(rng)
    roll = rng.random()
    if roll < 0.35:
        text = f"{day} {MONTHS_ABBR[month - 1]}"
    elif roll < 0.75:
        text = f"{day} {MONTHS_GEN[month - 1]}"
    elif roll < 0.9:
        text = f"{day}-{day + rng.randint(1, 3)} {MONTHS_GEN[month - 1]}"
    else:
        text = f"с {day} по {day + rng.randint(1, 4)} {MONTHS_GEN[month - 1]}"
    return text + (_at_time(rng) if roll < 0.75 else "")


def relative_date(rng: random.Random) -> str:
    """завтра 11:00, завтра до 12, послезавтра, в пн, в пт в 10, на след. неделе."""
    roll = rng.random()
    if roll < 0.3:
        base = rng.choice(("завтра", "завтра", "Завтра", "послезавтра", "Завтра"))
        extra = rng.choice(("", "", " " + rng.choice(DAY_PARTS), _at_time(rng)))
        return base + extra
    if roll < 0.55:
        return rng.choice(WEEKDAYS) + rng.choice(("", "", " " + rng.choice(DAY_PARTS), _at_time(rng)))
    if roll < 0.8:
        return rng.choice(RELATIVE)
    if roll < 0.9:
        return rng.choice(TODAY)
    return "сегодня" + rng.choice((" в ", " после ", " до ")) + clock(rng)


def deadline(rng: random.Random) -> str:
    """до конца недели, до пт, до 25-го, до 25.03, в течение 2 дней."""
    roll = rng.random()
    if roll < 0.4:
        return rng.choice(DEADLINES)
    if roll < 0.6:
        return rng.choice(UNTIL_DAYS)
    day, month = _day(rng)
    if roll < 0.8:
        return f"до {day}-го"
    return f"до {day:02d}.{month:02d}"


def next_date(rng: random.Random) -> str:
    """A date or time frame for a next step, in any of the formats above."""
    return rng.choices((numeric_date, word_date, relative_date, deadline),
                       weights=(3, 2, 4, 3))[0](rng)


def money(rng: random.Random) -> str:
    """150 т.р., 150к, 85 000 ₽, 1,2 млн, 45 тыс. руб."""
    roll = rng.random()
    if roll < 0.15:
        whole, frac = rng.randint(1, 9), rng.randint(1, 9)
        return rng.choice((f"{whole},{frac} млн", f"{whole}.{frac} млн", f"{whole} млн",
                           f"{whole},{frac} млн руб"))
    k = rng.choice((rng.randint(15, 99), rng.randint(100, 950), rng.randint(3, 14) * 10))
    return rng.choice((f"{k} т.р.", f"{k}к", f"{k} тыс", f"{k} тыс.", f"{k} 000 руб",
                       f"{k} 000 ₽", f"{k}000р", f"{k} тыс. руб.", f"{k}тр", f"{k} 000"))


def qty(rng: random.Random) -> str:
    n = rng.choice((rng.randint(2, 12), rng.randint(2, 12), rng.randint(15, 500)))
    return rng.choice((f"{n} шт", f"{n} шт.", f"{n} ед.", f"{n} позиций", f"{n} штук", f"{n}шт"))


def pct(rng: random.Random) -> str:
    return str(rng.choice((3, 5, 5, 7, 10, 10, 12, 15)))


def small(rng: random.Random) -> str:
    return str(rng.randint(2, 6))


def number(rng: random.Random) -> str:
    return str(rng.randint(100, 9999))


VALUES = {"date": next_date, "money": money, "qty": qty, "pct": pct, "n": small, "num": number}
