"""Date and time expressions in Russian managers' comments.

"завтра в 11", "до 25-го", "на след. неделе", "14.03", "20-22 мая", "в пн",
"через пару дней", "к 15.00". natasha's DatesExtractor misses most of the forms
people type, and yargy would pull in pymorphy2, so these are plain regular
expressions over the lowercased text (ё read as е, so spans stay those of the
input). Vocabularies are data: `analyzer/data/dates.yaml`.

`find` collects candidates from every rule, keeps the longest where they
overlap, then glues a date to a time or part of day right next to it
("16.08 11:00", "завтра утром"). A part of day alone ("вечером") is not a date;
nor are bare years ("с 2019 года" is history), quantities, money, phone numbers
or version numbers.

Kinds: `absolute` (a day and month: "14.03", "3 окт", "25-го", "в марте"),
`relative` ("завтра", "через неделю", "на след. неделе"), `weekday` ("в пн"),
`range` ("20-22 мая", "с пн по ср"), `deadline` (a limit: "до пятницы", "к 3
октября", "до конца месяца", "в течение 2 дней") and `time` ("в 11", "к 15.00",
"к обеду"). A date with its time is one mention of the date's kind.

Resolution against `today` (none without it): a day-month falls in today's
year, the next one when over PAST_DAYS behind, the previous one when over the
rest of a year ahead; "25-го" is this month's or, once past, the next month's;
a weekday is the next one after today (a Monday's "в пн" is next week's; "в эту
пт" may be today, "в след. вт" is next week's); a period is its first day not
before today ("на след. неделе" = next Monday, "до конца недели" = this Sunday,
a range = its first day); vague ones ("после праздников", "в 11") stay None.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import yaml

from analyzer.config import DATA_DIR

DATA_FILE = DATA_DIR / "dates.yaml"
KINDS = ("absolute", "relative", "weekday", "range", "deadline", "time")
PAST_DAYS = 183          # a day-month further back than this is next year's (see _year_of)
_DAYPART = "daypart"     # internal kind: kept only when glued to a date or time
_DATE_KINDS = frozenset({"absolute", "relative", "weekday", "range", "deadline"})
_TIMEISH = frozenset({"time", _DAYPART})

Resolver = Callable[[date], date | None]


@dataclass(frozen=True)
class DateMention:
    start: int                # character span in the input text
    end: int
    text: str
    kind: str                 # one of KINDS
    resolved: date | None     # the calendar date against `today`, when it names one


# -- vocabulary and grammar ---------------------------------------------------

@lru_cache(maxsize=1)
def vocabulary() -> dict:
    """`analyzer/data/dates.yaml`, read once."""
    return yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))


def _phrase(words: str) -> str:
    """A literal phrase as a regex: its words escaped, spaces as any whitespace."""
    return r"\s+".join(re.escape(w) for w in words.split())


def _alt(words) -> str:
    """Alternation of literal phrases, longest first."""
    items = sorted(set(words), key=lambda w: (-len(w), w))
    return "(?:" + "|".join(_phrase(w) for w in items) + ")"


_NL = r"(?<![\w.,/:+№#\-–—])"            # a number's left edge: not glued to a word or number
_NR = r"(?![\w]|[.,/:\-–—]\d)"           # its right edge: no letter, no "-45", ".3" after
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MON = r"(?:0?[1-9]|1[0-2])"
_HOUR = r"(?:[01]?\d|2[0-3])"
_YEAR_SUFFIX = r"(?:\s*(?:года|году|год|г)(?:\.|(?!\w)))?"
_TIME_SUFFIX = (r"(?:\s*(?:часов|часа|час|ч|утра|дня|вечера|ночи)(?:\.|(?!\w)))?"
                r"(?:\s*(?:по\s+)?мск(?!\w))?")
_SEP = r"(?:\s*[-–—]\s*|\s+(?:по|до)\s+)"   # between the two ends of a range
_CHISLO = r"числ[аоу]"
_GAP = re.compile(r"[^\S\n]{0,3}(?:[,–—][^\S\n]{0,3})?")   # between a date and its time
_RANGE_PREPS = frozenset({"с", "со", "на", "до", "к", "ко", "в", "во"})
_RELDAY_PREPS = frozenset({"не позднее", "не позже", "на", "до", "с", "со", "к", "ко"})
_RANGE_TIME_PREPS = frozenset({"с", "со"})
_ORDINAL_PREPS = frozenset({"на", "к", "ко", "до", "по"})   # "на 10-е", "к 5-му"
_MONTH_PARTS = {"в начале": "start", "в середине": "mid", "в конце": "end",
                "до конца": "end", "к концу": "end"}


def _starts(words) -> str:
    """A word start and a lookahead for the first letters of `words`: the
    scanner fails fast everywhere else instead of trying the alternation."""
    return "(?<!\\w)(?=[" + "".join(sorted({w[0] for w in words})) + "])"


def _closing(pat: str) -> int:
    """Index of the parenthesis closing the group that opens `pat`."""
    depth = 0
    for i, ch in enumerate(pat):
        depth += (ch == "(") - (ch == ")")
        if depth == 0:
            return i
    raise ValueError(f"dates.yaml: unbalanced pattern {pat!r}")


def _first_words(patterns) -> str:
    """Like `_starts` for phrase patterns, on their whole first word when each
    begins with a word or a group of words and a space ("(?:до|к) конца …");
    a bare word start when one begins otherwise."""
    words = set()
    for pat in patterns:
        if pat.startswith("(?:"):
            end = _closing(pat)
            firsts, rest = pat[3:end].split("|"), pat[end + 1:]
        else:
            first, _, rest = pat.partition(" ")
            firsts, rest = [first], " " + rest
        if not rest.startswith(" ") or not all(f.isalpha() for f in firsts):
            return r"(?<!\w)"
        words.update(firsts)
    return r"(?<!\w)(?=" + _alt(words) + r"\s)"


_AT_WORD_START = re.compile(r"^(?:\(\?=\[[^\]]*\]\))?\(\?<!\\w\)")


def _union(patterns) -> str:
    """One pattern matching wherever any of `patterns` does (group names
    dropped): where it finds nothing, none of them can, and none starts before
    its first match. Each must begin at a word start, which the union checks
    once per position instead of once per pattern."""
    for pat in patterns:
        if not _AT_WORD_START.match(pat) or "(?P=" in pat or "(?(" in pat:
            raise ValueError(f"dates: not a word-start pattern without references: {pat[:40]!r}")
    return r"(?<!\w)(?:" + "|".join(re.sub(r"\(\?P<\w+>", "(?:", p) for p in patterns) + ")"


@dataclass(frozen=True)
class _Grammar:
    numdate: re.Pattern
    worddate: re.Pattern
    worddate_ord: re.Pattern     # "пятого марта": run only when an ordinal may be there
    dayonly: re.Pattern
    dayonly_ord: re.Pattern
    range: re.Pattern
    month: re.Pattern
    weekday: re.Pattern
    relday: re.Pattern
    period: re.Pattern
    phrases: re.Pattern
    time: re.Pattern
    daypart: re.Pattern
    any_word: re.Pattern         # matches where any word rule or part of day may start
    trailing_hour: re.Pattern
    before: re.Pattern           # the preposition / modifier right before a match
    month_before: re.Pattern     # "в начале", "до конца", "в" … before a month name
    not_after: re.Pattern
    abbr_not_before: re.Pattern
    before_date: re.Pattern
    number_before: re.Pattern
    month_of: dict[str, int]
    ordinal_of: dict[str, int]
    weekday_of: dict[str, int]
    restricted: dict[str, frozenset[str]]
    relday_of: dict[str, int]
    number_of: dict[str, int | None]
    period_of: dict[str, tuple[str, dict]]
    phrase_rules: tuple[tuple[str, str, bool], ...]
    date_preps: frozenset[str]
    deadline_preps: frozenset[str]
    time_preps: frozenset[str]


@lru_cache(maxsize=1)
def grammar() -> _Grammar:
    """Every rule, compiled once from the vocabulary."""
    v = vocabulary()
    month_of, month_names, month_abbr = {}, [], []
    for num, forms in v["months"].items():
        for w in forms["names"]:
            month_of[w] = int(num)
            month_names.append(w)
        for w in forms["abbr"]:
            month_of[w] = int(num)
            month_abbr.append(w)
    ordinal_of = {w: i + 1 for i, w in enumerate(v["ordinals"])}
    weekday_of, wd_names, wd_abbr = {}, [], []
    for i, forms in enumerate(v["weekdays"]):
        for w in forms["names"]:
            weekday_of[w] = i
            wd_names.append(w)
        for w in forms["abbr"]:
            weekday_of[w] = i
            wd_abbr.append(w)
    mods = v["modifiers"]
    next_mod = (f"(?:{_alt(mods['next']['names'])}\\s+"
                f"|{_alt(mods['next']['abbr'])}(?:\\.\\s*|\\s+))")
    this_mod = f"(?:{_alt(mods['this']['names'])}\\s+)"
    period_of = {}
    for name, spec in v["periods"].items():
        for w in spec["forms"]:
            period_of[w] = (name, spec)
    units = v["units"]
    not_unit = (r"(?!\s*(?:" + _alt(units["stems"]) + r"[а-яa-z]*"
                + "|" + _alt(units["words"]) + r"(?![а-яa-z0-9])"
                + "|" + _alt(units["symbols"]) + "))")
    # "в 2-х", "в 3 случаях", "после 3 звонков", "в 8 916 …": a count, not an hour
    not_noun = r"(?!-[а-я]|\s+[а-я]+(?:ах|ях|ов|ев|ей)(?!\w)|\s*\(?\d)"

    months = (rf"(?:(?P<mon>{_alt(month_names)})(?!\w)"
              rf"|(?P<mab>{_alt(month_abbr)})(?:\.|(?!\w)))")
    any_month = _alt(month_names + month_abbr)
    year = rf"(?:\s*(?P<y>20\d\d)(?!\d){_YEAR_SUFFIX})?"
    ordinals = _alt(ordinal_of)

    numdate = (r"(?=\d)" + _NL + r"(?<![a-z]\s)(?:"
               r"(?P<iy>20\d\d)-(?P<im>0[1-9]|1[0-2])-(?P<id>0[1-9]|[12]\d|3[01])"
               rf"|(?P<d>{_DAY})(?P<sep>[./])(?P<m>{_MON})"
               rf"(?:(?P=sep)(?P<y>20\d\d|\d\d)(?!\d){_YEAR_SUFFIX})?"
               rf"|(?P<hd>{_DAY})-(?P<hm>{_MON})-(?P<hy>20\d\d)"
               r")" + _NR + not_unit)
    worddate = (r"(?=\d)" + rf"{_NL}(?P<d>{_DAY})(?:\s*(?:-\s*)?(?:го|ое|е)(?!\w))?\s*"
                + months + year)
    worddate_ord = _starts(ordinal_of) + rf"(?P<dw>{ordinals})\s+" + months + year
    dayonly = (r"(?=\d)" + rf"{_NL}(?P<d>{_DAY})"
               rf"(?:-?(?:го|ого)(?:\s+{_CHISLO})?|-?(?P<e>е|ое|му|ому)(?:\s+{_CHISLO})?"
               rf"|\s+{_CHISLO})(?!\w)" + not_unit)
    dayonly_ord = _starts(ordinal_of) + rf"(?P<dw>{ordinals})\s+{_CHISLO}(?!\w)"
    range_ = (r"(?=\d)" + _NL + r"(?:"
              # 20-22 мая, с 10 по 15 июня, с 10 по 15 число
              rf"(?P<d1>{_DAY})(?:-?го)?{_SEP}(?P<d2>{_DAY})(?:-?(?:го|ое|е))?\s*"
              rf"(?:(?P<mon>{_alt(month_names)})(?!\w)|(?P<mab>{_alt(month_abbr)})(?:\.|(?!\w))"
              rf"|(?P<cis>{_CHISLO})(?!\w))(?:\s*(?P<y>20\d\d)(?!\d){_YEAR_SUFFIX})?"
              # 14.03-16.03, с 14.03 по 16.03
              rf"|(?P<nd1>{_DAY})[./](?P<nm1>{_MON})(?:[./](?:20\d\d|\d\d))?{_SEP}"
              rf"(?P<nd2>{_DAY})[./](?P<nm2>{_MON})(?:[./](?:20\d\d|\d\d))?{_NR}"
              # с 30 мая по 2 июня
              rf"|(?P<wd1>{_DAY})\s*(?P<wm1>{any_month})\.?{_SEP}"
              rf"(?P<wd2>{_DAY})\s*(?P<wm2>{any_month})(?:\.|(?!\w))"
              r")")
    month = _starts(month_names) + rf"(?P<mon>{_alt(month_names)})(?!\w)" + year
    month_before = (r"(?<!\w)(?P<pp>в\s+начале|в\s+середине|в\s+конце|до\s+конца|к\s+концу"
                    r"|до|ко|к|во|в)\s+$")
    weekday = (_starts(wd_names + wd_abbr)
               + rf"(?:(?P<wf>{_alt(wd_names)})(?!\w)|(?P<wa>{_alt(wd_abbr)})\.?(?!\w))"
               rf"(?P<tail>{_SEP}(?:(?P<tf>{_alt(wd_names)})(?!\w)"
               rf"|(?P<ta>{_alt(wd_abbr)})\.?(?!\w)))?")
    relday = (_starts(v["relative_days"])
              + rf"(?P<rel>{_alt(v['relative_days'])})(?!\w)")
    numbers = _alt(v["number_words"])
    period = (r"(?=[чв])(?<!\w)(?:(?P<thr>через)|(?P<win>в\s+течени[еия]|в\s+теч\.?"
              r"|в\s+пределах|в\s+ближайш(?:ие|ую|ий|ее|ей)))\s*"
              rf"(?:(?P<n>\d{{1,3}})(?:\s*[-–]\s*\d{{1,3}})?\s*|(?P<nw>{numbers})\s+)?"
              r"(?:(?P<work>рабоч[а-я]*|раб\.?)\s*|(?:календарн|банковск)[а-я]*\s+)?"
              rf"(?P<per>{_alt(period_of)})(?!\w)")
    rules, alts = [], []
    for entry in v["phrases"]:
        for pat in entry["patterns"]:
            expanded = (pat.replace(" ", r"\s+").replace("{next}", next_mod)
                        .replace("{this}", this_mod))
            alts.append(f"(?P<p{len(rules)}>{expanded})")
            rules.append((entry["kind"], str(entry["rule"]), bool(entry.get("attach"))))
    phrases = (_first_words(p for e in v["phrases"] for p in e["patterns"])
               + "(?:" + "|".join(alts) + r")(?!\w)")
    # 11:00, в 11, к 15.00, до 12, после 19:00, в 9-00, в 11-12 часов, с 10 до 12
    time = (r"(?=\d)" + _NL + rf"(?P<h>{_HOUR})(?:(?P<ts>[:.])(?P<mi>[0-5]\d)|-(?P<mi3>00|15|30|45))?"
            rf"(?:(?P<rng>\s*[-–]\s*|\s+до\s+){_HOUR}(?:(?P<ts2>[:.])[0-5]\d)?)?"
            rf"(?P<suf>{_TIME_SUFFIX}){_NR}{not_unit}{not_noun}")
    daypart = _starts(v["dayparts"]) + rf"(?P<dp>{_alt(v['dayparts'])})(?!\w)"
    all_preps = (set(v["date_prepositions"]) | set(v["time_prepositions"])
                 | _RANGE_PREPS | _RELDAY_PREPS)
    before = (rf"(?<!\w)(?=\w)(?:(?P<prep>{_alt(all_preps)})\s+)?"
              rf"(?:(?<!\w)(?:(?P<mnext>{next_mod})|(?P<mthis>{this_mod})))?$")
    not_after = (rf"(?:(?<!\w){_alt(v['not_after_words'])}|[№#])"
                 r"[\s.:=\-–—]*(?:(?:до|около|примерно|от|по)\s+)?$")
    abbr_not_before = r"-[а-я]|\.?\s*" + _alt(v["weekday_abbr_not_before"])

    def rx(pattern: str) -> re.Pattern:
        return re.compile(pattern)

    any_word = _union((relday, weekday, period, phrases, month, daypart))

    return _Grammar(
        numdate=rx(numdate), worddate=rx(worddate), dayonly=rx(dayonly), range=rx(range_),
        worddate_ord=rx(worddate_ord), dayonly_ord=rx(dayonly_ord),
        month=rx(month), weekday=rx(weekday), relday=rx(relday), period=rx(period),
        phrases=rx(phrases), time=rx(time), daypart=rx(daypart), before=rx(before),
        any_word=rx(any_word),
        trailing_hour=rx(rf"(?:[^\S\n]{{0,3}},)?[^\S\n]{{1,3}}(?P<h>{_HOUR})(?:(?P<sep>[:.])(?P<mi>[0-5]\d))?"
                         rf"{_TIME_SUFFIX}{_NR}{not_unit}{not_noun}"),
        month_before=rx(month_before), not_after=rx(not_after),
        abbr_not_before=rx(abbr_not_before), before_date=rx(r"\s*(?:,\s*)?(?:в\s+)?\d"),
        number_before=rx(r"(?<![\d.:/\-])\d+\s*$"),
        month_of=month_of, ordinal_of=ordinal_of, weekday_of=weekday_of,
        restricted={w: frozenset(p) for w, p in v["weekday_restricted"].items()},
        relday_of={" ".join(k.split()): int(d) for k, d in v["relative_days"].items()},
        number_of=dict(v["number_words"]), period_of=period_of, phrase_rules=tuple(rules),
        date_preps=frozenset(v["date_prepositions"]),
        deadline_preps=frozenset(v["deadline_prepositions"]),
        time_preps=frozenset(v["time_prepositions"]),
    )


# -- calendar arithmetic ------------------------------------------------------

def _monday(today: date, weeks: int = 0) -> date:
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    y, m = d.year + y, m + 1
    return date(y, m, min(d.day, monthrange(y, m)[1]))


def _month_end(d: date) -> date:
    return d.replace(day=monthrange(d.year, d.month)[1])


def _quarter(d: date) -> date:
    """First day of the quarter holding `d`."""
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def _valid(day: int, month: int, year: int = 2024) -> bool:
    """A real day of that month (2024 is a leap year, so 29.02 passes without a year)."""
    return 1 <= month <= 12 and 1 <= day <= monthrange(year, month)[1]


def _year_of(month: int, day: int, today: date) -> int:
    """The year that puts a day-month within PAST_DAYS behind today and the rest
    of a year ahead: today's, the next one once the day is over ~6 months
    back ("14.03" said in November), the previous one once it is over ~6 months
    ahead ("20.12" said in January)."""
    for year in (today.year, today.year + 1, today.year - 1):
        try:
            ahead = (date(year, month, day) - today).days
        except ValueError:                   # 29.02 outside a leap year
            continue
        if -PAST_DAYS <= ahead < 366 - PAST_DAYS:
            return year
    for year in range(today.year, today.year + 8):   # 29.02: the next leap year
        try:
            if (date(year, month, day) - today).days >= -PAST_DAYS:
                return year
        except ValueError:
            continue
    return today.year + 1


def _day_month(day: int, month: int, year: int | None = None) -> Resolver:
    def resolve(today: date) -> date | None:
        y = year if year is not None else _year_of(month, day, today)
        try:
            return date(y, month, day)
        except ValueError:
            return None
    return resolve


def _day_only(day: int) -> Resolver:
    """"25-го": this month's 25th, or the next month's if it has passed."""
    def resolve(today: date) -> date | None:
        first = today.replace(day=1)
        for k in range(3):
            month = _add_months(first, k)
            if day <= monthrange(month.year, month.month)[1] and (k or day >= today.day):
                return month.replace(day=day)
        return None
    return resolve


def _weekday(wd: int, mod: str | None) -> Resolver:
    """Next such weekday after today ("в пн" on a Monday is next week's);
    "в эту пт" may be today; "в следующий вт" is the one of next week."""
    def resolve(today: date) -> date:
        if mod == "next":
            return _monday(today, 1) + timedelta(days=wd)
        ahead = (wd - today.weekday()) % 7
        if ahead == 0 and mod != "this":
            ahead = 7
        return today + timedelta(days=ahead)
    return resolve


def _days(n: int) -> Resolver:
    return lambda today: today + timedelta(days=n)


def _workdays(n: int) -> Resolver:
    """`n` working days (Monday to Friday) after today; holidays are not known."""
    def resolve(today: date) -> date:
        d, left = today, n
        while left > 0:
            d += timedelta(days=1)
            left -= d.weekday() < 5
        return d
    return resolve


def _months(n: int) -> Resolver:
    return lambda today: _add_months(today, n)


def _unresolved(today: date) -> None:
    return None


def _rule(rule: str) -> Resolver:
    """A phrase rule of dates.yaml as a resolver; never before today."""
    name, *args = rule.split(":")
    a = [int(x) for x in args]

    def at_least_today(fn: Callable[[date], date]) -> Resolver:
        return lambda today: max(fn(today), today)

    if name == "none":
        return _unresolved
    if name == "today":
        return lambda today: today
    if name == "days":
        return _days(a[0])
    if name == "week_start":
        return at_least_today(lambda t: _monday(t, a[0]))
    if name == "week_end":
        return at_least_today(lambda t: _monday(t, a[0]) + timedelta(days=6))
    if name == "week_day":
        return at_least_today(lambda t: _monday(t, a[1]) + timedelta(days=a[0]))
    if name == "weekend":
        return at_least_today(lambda t: _monday(t, a[0]) + timedelta(days=5))
    if name == "month_start":
        return at_least_today(lambda t: _add_months(t.replace(day=1), a[0]))
    if name == "month_end":
        return at_least_today(lambda t: _month_end(_add_months(t.replace(day=1), a[0])))
    if name == "quarter_start":
        return at_least_today(lambda t: _add_months(_quarter(t), 3 * a[0]))
    if name == "quarter_end":
        return at_least_today(lambda t: _month_end(_add_months(_quarter(t), 3 * a[0] + 2)))
    if name == "year_start":
        return at_least_today(lambda t: date(t.year + a[0], 1, 1))
    if name == "year_end":
        return at_least_today(lambda t: date(t.year + a[0], 12, 31))
    raise ValueError(f"dates.yaml: unknown rule {rule!r}")


@lru_cache(maxsize=64)
def _phrase_resolver(rule: str) -> Resolver:
    return _rule(rule)


def _month_part(month: int, part: str, year: int | None) -> Resolver:
    """"в марте" (its first day, or today within it), "в конце марта", "до марта"."""
    def resolve(today: date) -> date:
        y = year if year is not None else _year_of(month, 1, today)
        first = date(y, month, 1)
        if part == "end":
            return _month_end(first)
        if part == "mid":
            return first.replace(day=15)
        if part == "start" and (first.year, first.month) == (today.year, today.month):
            return today
        return first
    return resolve


# -- candidates ---------------------------------------------------------------

Candidate = tuple[int, int, str, Resolver, bool]   # start, end, kind, resolver, attaches
_LOOKBACK = 32


def _words(text: str | None) -> str | None:
    return " ".join(text.split()) if text else None


def _before(s: str, start: int, g: _Grammar, allowed: frozenset[str], with_mod: bool = False
            ) -> tuple[int, str | None, str | None]:
    """(new start, preposition, modifier) for a match at `start`: the
    preposition right before it counts only if it is in `allowed` (or its last
    word is: "примерно в" → "в"); a modifier ("next" / "this": "в след. пт")
    only `with_mod`."""
    if start == 0 or not (s[start - 1].isspace() or s[start - 1] == "."):
        return start, None, None             # glued to what precedes: no preposition
    m = g.before.search(s, max(0, start - _LOOKBACK), start)
    if m is None:
        return start, None, None
    mod = "next" if m["mnext"] else "this" if m["mthis"] else None
    if mod and not with_mod:
        return start, None, None
    mod_start = (m.start("mnext") if m["mnext"] else m.start("mthis")) if mod else start
    prep = _words(m["prep"])
    if prep is None:
        return mod_start, None, mod
    if prep in allowed:
        return m.start(), prep, mod
    last = prep.rsplit(" ", 1)[-1]
    if last in allowed:
        return m.end("prep") - len(last), last, mod
    return mod_start, None, mod


def _kind(prep: str | None, kind: str, g: _Grammar) -> str:
    return "deadline" if prep in g.deadline_preps else kind


def _day(m: re.Match, g: _Grammar) -> int:
    return g.ordinal_of[_words(m["dw"])] if "dw" in m.re.groupindex else int(m["d"])


def _numdate(m: re.Match, s: str, g: _Grammar) -> Candidate | None:
    y: int | None
    if m["iy"]:
        y, mo, d = int(m["iy"]), int(m["im"]), int(m["id"])
    elif m["hd"]:
        y, mo, d = int(m["hy"]), int(m["hm"]), int(m["hd"])
    else:
        d, mo = int(m["d"]), int(m["m"])
        y = int(m["y"]) + (2000 if len(m["y"]) == 2 else 0) if m["y"] else None
    if not _valid(d, mo, y or 2024):
        return None
    start, prep, _ = _before(s, m.start(), g, g.date_preps)
    if y is None:
        if len(m["d"]) == 1 and len(m["m"]) == 1 and (m["sep"] == "/" or prep == "по"):
            return None                      # 1/2: a fraction; "по 1.5": a quantity
        if g.not_after.search(s, max(0, m.start() - _LOOKBACK), m.start()):
            return None                      # "цена 2.5", "п. 3.5", "№ 12.3"
    return start, m.end(), _kind(prep, "absolute", g), _day_month(d, mo, y), False


def _worddate(m: re.Match, s: str, g: _Grammar) -> Candidate | None:
    d = _day(m, g)
    mo = g.month_of[m["mon"] or m["mab"]]
    y = int(m["y"]) if m["y"] else None
    if not _valid(d, mo, y or 2024):
        return None
    start, prep, _ = _before(s, m.start(), g, g.date_preps)
    return start, m.end(), _kind(prep, "absolute", g), _day_month(d, mo, y), False


def _dayonly(m: re.Match, s: str, g: _Grammar) -> Candidate | None:
    start, prep, _ = _before(s, m.start(), g, g.date_preps)
    if "e" in m.re.groupindex and m["e"] and prep not in _ORDINAL_PREPS:
        return None                          # "2-е" alone: "2-е лицо", "1-е место"
    return start, m.end(), _kind(prep, "absolute", g), _day_only(_day(m, g)), False


def _range(m: re.Match, s: str, g: _Grammar) -> Candidate | None:
    if m["d1"]:
        d1, d2 = int(m["d1"]), int(m["d2"])
        if d1 >= d2:
            return None
        if m["cis"]:
            resolver = _day_only(d1)
        else:
            mo = g.month_of[m["mon"] or m["mab"]]
            y = int(m["y"]) if m["y"] else None
            if not _valid(d2, mo, y or 2024):
                return None
            resolver = _day_month(d1, mo, y)
    elif m["nd1"]:
        d1, m1, d2, m2 = (int(m[k]) for k in ("nd1", "nm1", "nd2", "nm2"))
        if not (_valid(d1, m1) and _valid(d2, m2)):
            return None
        resolver = _day_month(d1, m1)
    else:
        d1, d2 = int(m["wd1"]), int(m["wd2"])
        m1, m2 = g.month_of[m["wm1"]], g.month_of[m["wm2"]]
        if not (_valid(d1, m1) and _valid(d2, m2)):
            return None
        resolver = _day_month(d1, m1)
    start, _, _ = _before(s, m.start(), g, _RANGE_PREPS)
    return start, m.end(), "range", resolver, False


def _month_alone(m: re.Match, s: str, g: _Grammar) -> Candidate | None:
    b = g.month_before.search(s, max(0, m.start() - 20), m.start())
    if b is None:
        return None                          # a month name alone is not a date
    pp = _words(b["pp"])
    kind = "deadline" if pp.split()[0] in ("до", "к", "ко") else "absolute"
    y = int(m["y"]) if m["y"] else None
    return (b.start(), m.end(), kind,
            _month_part(g.month_of[m["mon"]], _MONTH_PARTS.get(pp, "start"), y), False)


def _weekday_of(m: re.Match, s: str, g: _Grammar) -> Candidate | tuple[()] | None:
    form = m["wf"] or m["wa"]
    start, prep, mod = _before(s, m.start(), g, g.date_preps, with_mod=True)
    ranged = m["tail"] is not None
    if form in g.restricted and not mod and not ranged and prep not in g.restricted[form]:
        if prep is not None or not g.before_date.match(s, m.end()):
            return None                      # "вс" = всё, "на СБ" = security check
    if m["wa"] and prep is None and not mod and not ranged:
        if g.abbr_not_before.match(s, m.end()):
            return None                      # "ср. чек", "ср-ва"
        if g.number_before.search(s, max(0, m.start() - 12), m.start()):
            return None                      # "500 вт": watts
    if ranged and prep is None and g.weekday_of[form] == 0 \
            and g.weekday_of[m["tf"] or m["ta"]] >= 4:
        return _SKIP                         # "пн-пт": working hours, not a date
    kind = "range" if ranged else _kind(prep, "weekday", g)
    return start, m.end(), kind, _weekday(g.weekday_of[form], mod), False


def _relday(m: re.Match, s: str, g: _Grammar) -> Candidate | None:
    start, prep, _ = _before(s, m.start(), g, _RELDAY_PREPS)
    return (start, m.end(), _kind(prep, "relative", g),
            _days(g.relday_of[_words(m["rel"])]), False)


def _period(m: re.Match, s: str, g: _Grammar) -> Candidate | None:
    name, spec = g.period_of[m["per"]]
    if spec.get("hours"):
        return m.start(), m.end(), "time", _unresolved, False
    if m["n"]:
        count: int | None = int(m["n"])
    elif m["nw"]:
        count = g.number_of[_words(m["nw"])]
    else:
        count = None if m["win"] and m["win"].startswith("в ближайш") else 1
    if spec.get("alone"):
        count = 1
    if count is None:
        resolver: Resolver = _unresolved
    elif m["win"] and name == "day" and not (m["n"] or m["nw"]):
        resolver = _days(0)                  # "в течение дня": today
    elif m["work"] and name == "day":
        resolver = _workdays(count)          # "в течение 5 рабочих дней"
    elif "days" in spec:
        resolver = _days(count * spec["days"])
    else:
        resolver = _months(count * spec["months"])
    return m.start(), m.end(), "relative" if m["thr"] else "deadline", resolver, False


def _phrase_of(m: re.Match, s: str, g: _Grammar) -> Candidate | None:
    kind, rule, attach = g.phrase_rules[int(m.lastgroup[1:])]
    return m.start(), m.end(), kind, _phrase_resolver(rule), attach


def _time(m: re.Match, s: str, g: _Grammar) -> Candidate | None:
    start, prep, _ = _before(s, m.start(), g, g.time_preps | _RANGE_TIME_PREPS)
    explicit = m["ts"] == ":" or m["mi3"] or (m["ts"] == "." and m["mi"] == "00") or m["suf"]
    if prep in _RANGE_TIME_PREPS:
        if not (m["rng"] or explicit):
            return None                      # "с 10" alone: "с 10 лет"; "с 10:00" is a time
    elif m["rng"] and "до" in m["rng"]:
        return None                          # "06.03 до 17:00": the time is "до 17:00"
    if prep is None:                         # bare: 11:00, 10:00-12:00, 11-00, 16.00
        if m["ts"] != ":" and not (len(m["h"]) == 2 and m["h"] != "00" and (
                m["mi3"] in ("00", "30") or (m["ts"] == "." and m["mi"] == "00"))):
            return None
        if m["rng"] and m["ts2"] != ":":
            return None
    elif m["ts"] == "." and 1 <= int(m["mi"]) <= 12:
        return None                          # "в 10.03" is a date
    return start, m.end(), "time", _unresolved, True


def _daypart(m: re.Match, s: str, g: _Grammar) -> Candidate | None:
    return m.start(), m.end(), _DAYPART, _unresolved, True


# A rule turns a match into a candidate; None rejects it (the scan goes on inside
# it), _SKIP rejects it with all it holds.
Rule = Callable[[re.Match, str, _Grammar], Candidate | tuple[()] | None]
_SKIP: tuple[()] = ()
_DIGIT_RULES: tuple[tuple[str, Rule], ...] = (
    ("time", _time), ("numdate", _numdate), ("worddate", _worddate), ("dayonly", _dayonly),
    ("range", _range))
_WORD_RULES: tuple[tuple[str, Rule], ...] = (
    ("relday", _relday), ("weekday", _weekday_of), ("period", _period),
    ("phrases", _phrase_of), ("month", _month_alone))
_ORDINAL_RULES: tuple[tuple[str, Rule], ...] = (
    ("worddate_ord", _worddate), ("dayonly_ord", _dayonly))
_HAS_DIGIT = re.compile(r"\d")
_ORDINAL_HINT = re.compile(r"[ое]го\s+\w")       # "пятого марта", "третьего числа"


def _scan(rx: re.Pattern, rule: Rule, s: str, g: _Grammar, pos: int = 0) -> Iterator[Candidate]:
    """`rule` over the matches of `rx` from `pos`; after a rejected match the
    scan goes on from its second character, so a reading inside it is not lost
    ("06.03 до 17:00" is no time range, but holds the time "до 17:00")."""
    while (m := rx.search(s, pos)) is not None:
        c = rule(m, s, g)
        if c is None:
            pos = m.start() + 1
        else:
            pos = m.end()
            if c:
                yield c


def _normalise(text: str) -> str:
    """Lowercase, ё → е, same length as `text` so spans carry over."""
    low = text.lower()
    if len(low) != len(text):               # "İ" lowercases to two characters
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return low.replace("ё", "е")


def _word_start(s: str, g: _Grammar) -> int | None:
    """Where the first word rule or part of day may match; None: nowhere."""
    m = g.any_word.search(s)
    return None if m is None else m.start()


def _candidates(s: str, g: _Grammar, words_from: int | None) -> Iterator[Candidate]:
    rules: tuple[tuple[str, Rule], ...] = ()
    if _HAS_DIGIT.search(s):
        rules = _DIGIT_RULES
    if _ORDINAL_HINT.search(s):
        rules += _ORDINAL_RULES
    for name, rule in rules:
        yield from _scan(getattr(g, name), rule, s, g)
    if words_from is not None:
        for name, rule in _WORD_RULES:
            yield from _scan(getattr(g, name), rule, s, g, words_from)


# -- public API ---------------------------------------------------------------

def _select(cands: list[Candidate], n: int) -> list[Candidate]:
    """Non-overlapping, longest first (earlier, then a date over a time, on a
    tie), parts of day only where nothing else is; `n` is the text's length."""
    taken = bytearray(n)
    chosen: list[Candidate] = []
    for c in sorted(cands, key=lambda c: (c[2] == _DAYPART, c[0] - c[1], c[0], c[2] == "time")):
        if taken.find(1, c[0], c[1]) < 0:
            taken[c[0]:c[1]] = b"\x01" * (c[1] - c[0])
            chosen.append(c)
    return chosen


def _glue(a: Candidate, b: Candidate) -> Candidate | None:
    """One mention out of two neighbours: a date and its time, part of day or
    end of day ("16.08 11:00", "завтра утром", "сегодня до конца дня"), a
    weekday and its date ("пт 14.03")."""
    ka, kb = a[2], b[2]
    if ka in _DATE_KINDS and (b[4] or kb == "time"):
        return a[0], b[1], ka, a[3], False
    if ka in _TIMEISH and kb in _DATE_KINDS:
        return a[0], b[1], kb, b[3], False
    if ka in _TIMEISH and kb in _TIMEISH and _DAYPART in (ka, kb) and ka != kb:
        return a[0], b[1], "time", _unresolved, True
    if ka == "weekday" and kb == "absolute":
        return a[0], b[1], kb, b[3], False
    if ka == "absolute" and kb == "weekday":
        return a[0], b[1], ka, a[3], False
    return None


def _trailing_hour(s: str, c: Candidate, limit: int, g: _Grammar) -> Candidate:
    """A date followed by a bare hour ("завтра 19", "26.02 15.30") takes it in."""
    m = g.trailing_hour.match(s, c[1])
    if m is None or m.end() > limit or (m["mi"] is None and not 7 <= int(m["h"]) <= 23):
        return c
    if m["mi"] is not None and m["sep"] == "." and 1 <= int(m["mi"]) <= 12:
        return c                             # "14.03 10.04": a second date
    return c[0], m.end(), c[2], c[3], c[4]


def _merge(s: str, chosen: list[Candidate], g: _Grammar) -> list[Candidate]:
    chosen = sorted(chosen, key=lambda c: c[0])
    out: list[Candidate] = []
    for c in chosen:
        if out and _GAP.fullmatch(s, out[-1][1], c[0]):
            glued = _glue(out[-1], c)
            if glued is not None:
                out[-1] = glued
                continue
        out.append(c)
    for i, c in enumerate(out):
        if c[2] in _DATE_KINDS:
            out[i] = _trailing_hour(s, c, out[i + 1][0] if i + 1 < len(out) else len(s), g)
    return [c for c in out if c[2] != _DAYPART]


def find(text: str, today: date | None = None) -> list[DateMention]:
    """Date and time expressions in `text`: non-overlapping, in order, the
    longest candidate winning. With `today`, each is resolved to a calendar date
    when it names one ("завтра", "14.03", "в пн"); otherwise `resolved` is None."""
    if not text:
        return []
    s = _normalise(text)
    g = grammar()
    words_from = _word_start(s, g)
    cands = list(_candidates(s, g, words_from))
    if not cands:
        return []
    if words_from is not None:
        cands += _scan(g.daypart, _daypart, s, g, words_from)
    chosen = _select(cands, len(s))
    out = []
    for start, end, kind, resolver, _ in _merge(s, chosen, g):
        resolved = resolver(today) if today is not None else None
        out.append(DateMention(start, end, text[start:end], kind, resolved))
    return out


def has_date(text: str) -> bool:
    """Whether `text` holds any date or time expression (a part of day alone
    does not count)."""
    if not text:
        return False
    s = _normalise(text)
    g = grammar()
    for c in _candidates(s, g, _word_start(s, g)):
        if c[2] != _DAYPART:
            return True
    return False
