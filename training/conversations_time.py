"""Clock of the conversation corpus: when threads start, how fast managers
and clients reply, and the days and times a closing names.

All times are Moscow time (+03:00). Managers work Mon-Fri 9:00-19:00 and
mostly reply within minutes; a message that comes in the evening, at night or
at the weekend is usually answered the next working morning. Clients write at
any hour.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

MSK = timezone(timedelta(hours=3))
WORK_START, WORK_END = 9, 19
FIRST_DAY = date(2025, 1, 13)
SPAN_DAYS = 320
WEEKDAY_IN = ("в понедельник", "во вторник", "в среду", "в четверг", "в пятницу", "в субботу",
              "в воскресенье")
WEEKDAY_UNTIL = ("до понедельника", "до вторника", "до среды", "до четверга", "до пятницы",
                 "до субботы", "до воскресенья")
TIMES = ("10:00", "10:30", "11:00", "11:30", "12:00", "13:00", "14:00", "14:30", "15:00",
         "16:00", "16:30", "17:00")
PARTS_OF_DAY = ("утром", "после обеда", "до обеда", "в первой половине дня", "во второй половине дня")
FAST = {"terse": 0.7, "annoyed": 0.75, "polite": 0.5, "haggling": 0.55}


def minutes(dt: datetime, lo: float, hi: float, rng: random.Random) -> datetime:
    return dt + timedelta(seconds=round(rng.uniform(lo, hi) * 60))


def is_working(dt: datetime) -> bool:
    return dt.weekday() < 5 and WORK_START <= dt.hour < WORK_END


def next_morning(dt: datetime, rng: random.Random) -> datetime:
    """The next working morning after `dt` (the same day if before 9:00)."""
    day = dt.date() if dt.hour < WORK_START else dt.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    start = datetime(day.year, day.month, day.day, WORK_START, 0, tzinfo=MSK)
    return minutes(start, 2, 95, rng)


def thread_start(rng: random.Random, manager_first: bool) -> datetime:
    day = FIRST_DAY + timedelta(days=rng.randrange(SPAN_DAYS))
    if manager_first or rng.random() < 0.68:
        while day.weekday() >= 5:
            day += timedelta(days=1)
        hour = rng.randint(WORK_START, WORK_END - 2)
    elif rng.random() < 0.5 and day.weekday() < 5:
        hour = rng.choice((19, 20, 21, 22, 23, 0, 1, 6, 7, 8))
    else:
        day += timedelta(days=(5 - day.weekday()) % 7 + rng.randint(0, 1))  # a weekend day
        hour = rng.randint(8, 23)
    start = datetime(day.year, day.month, day.day, hour, 0, tzinfo=MSK)
    return minutes(start, 0, 59, rng)


def manager_reply(prev: datetime, rng: random.Random, email: bool) -> datetime:
    """A manager answering a client message sent at `prev`."""
    if not is_working(prev):
        if 19 <= prev.hour <= 21 and prev.weekday() < 5 and rng.random() < 0.2:
            return minutes(prev, 5, 40, rng)                     # an eager evening reply
        return next_morning(prev, rng)
    roll = rng.random()
    if roll < 0.72:
        reply = minutes(prev, 15, 90, rng) if email else minutes(prev, 0.5, 15, rng)
    elif roll < 0.93:
        reply = minutes(prev, 90, 240, rng) if email else minutes(prev, 15, 120, rng)
    else:
        reply = minutes(prev, 120, 300, rng)
    if not is_working(reply) and rng.random() < 0.8:
        return next_morning(reply, rng)
    return reply


def client_reply(prev: datetime, rng: random.Random, persona: str, email: bool) -> datetime:
    roll = rng.random()
    if email:
        return minutes(prev, 20, 240, rng) if roll < 0.6 else minutes(prev, 240, 2400, rng)
    if roll < FAST[persona]:
        return minutes(prev, 0.5, 20, rng)
    if roll < 0.88:
        return minutes(prev, 20, 300, rng)
    return minutes(prev, 720, 3000, rng)                         # thinks it over for a day or two


def burst(prev: datetime, rng: random.Random, email: bool, role: str) -> datetime:
    """The next message in a row from the same side."""
    if not email:
        return minutes(prev, 0.15, 2.5, rng)
    return minutes(prev, 3, 30, rng) if role == "m" else minutes(prev, 20, 180, rng)


def ping(prev: datetime, rng: random.Random, persona: str) -> datetime:
    """A client reminding of an unanswered message."""
    if persona == "annoyed" and rng.random() < 0.6:
        return minutes(prev, 25, 120, rng)
    return minutes(prev, 180, 1800, rng)


def _future_day(now: datetime, rng: random.Random) -> tuple[date, int]:
    offset = rng.choice((1, 1, 2, 2, 3, 4, 5, 6, 7))
    day = now.date() + timedelta(days=offset)
    while day.weekday() >= 5:
        day += timedelta(days=1)
        offset += 1
    return day, offset


def _time(rng: random.Random, casual: bool) -> str:
    value = rng.choice(TIMES)
    if casual and value.endswith(":00") and rng.random() < 0.4:
        return value[:-3].lstrip("0")
    return value


def when_phrase(now: datetime, rng: random.Random, casual: bool = False) -> str:
    """A day and usually a time for a next step: "в четверг в 11:00"."""
    day, offset = _future_day(now, rng)
    at = _time(rng, casual)
    roll = rng.random()
    if roll < 0.08 and is_working(now) and now.hour <= 14:
        return f"сегодня в {rng.choice(('16:00', '17:00', '17:30', '18:00'))}"
    if offset == 1 and roll < 0.45:
        return f"завтра в {at}"
    if offset == 2 and roll < 0.25:
        return f"послезавтра в {at}"
    if roll < 0.6:
        return f"{WEEKDAY_IN[day.weekday()]} в {at}"
    if roll < 0.82:
        return f"{day:%d.%m} в {at}"
    return f"{WEEKDAY_IN[day.weekday()]} {rng.choice(PARTS_OF_DAY)}"


def until_phrase(now: datetime, rng: random.Random) -> str:
    """A deadline for a next step: "до пятницы", "до 15.03"."""
    day, offset = _future_day(now, rng)
    roll = rng.random()
    if offset == 1 and roll < 0.4:
        return rng.choice(("до завтра", "до 12:00 завтра", "до конца дня завтра"))
    if roll < 0.55:
        return WEEKDAY_UNTIL[day.weekday()]
    if roll < 0.85:
        return f"до {day:%d.%m}"
    return f"{WEEKDAY_UNTIL[day.weekday()]} включительно"


def plural(n: int, one: str, few: str, many: str) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def days_phrase(rng: random.Random) -> str:
    """A duration: "3 дня", "10 рабочих дней", "2 недели"."""
    if rng.random() < 0.2:
        n = rng.randint(2, 4)
        return f"{n} {plural(n, 'неделю', 'недели', 'недель')}"
    n = rng.choice((2, 3, 5, 7, 10, 14, 21))
    if rng.random() < 0.3:
        return f"{n} {plural(n, 'рабочий день', 'рабочих дня', 'рабочих дней')}"
    return f"{n} {plural(n, 'день', 'дня', 'дней')}"


def iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")
