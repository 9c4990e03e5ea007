"""Person-name knowledge: is a word a first name, surname or patronymic?

Three sources, all offline: pymorphy3's dictionary (Name/Surn/Patr tags, only
dictionary parses count, never its guesses) and natasha's first/last name
lists shipped in its wheel (≈7.6k first names, ≈182k masculine surnames,
wider on non-Russian names), and Faker ru_RU's name lists. natasha's surname list is noisy (it holds
"тупица", "жмот"), so it is only a prior for words pymorphy3 does not know.
"""

from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from pathlib import Path

from analyzer.config import DATA_DIR
from analyzer.nlp import word_info

_FEMININE_SURNAME = (("ова", "ов"), ("ева", "ев"), ("ёва", "ёв"), ("ина", "ин"),
                     ("ына", "ын"), ("ская", "ский"), ("цкая", "цкий"))
RU_ALPHABET = "абвгдежзийклмнопрстуфхцчшщыэюя"   # no ь/ъ: Кузмин ~ Кузьмин is no slip


def natasha_data() -> Path:
    """natasha's data folder, found without importing natasha: importing it
    imports pymorphy2, which breaks on Python 3.11 unless yargy patches
    `inspect` first. We only read its files (name lists, navec)."""
    spec = importlib.util.find_spec("natasha")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("natasha is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@lru_cache(maxsize=1)
def natasha_lists() -> tuple[frozenset[str], frozenset[str]]:
    """(first names, surnames) from natasha's wheel, lowercased."""
    root = natasha_data() / "dict"

    def read(name: str) -> frozenset[str]:
        words = set()
        for line in (root / name).read_text(encoding="utf-8").splitlines():
            word = line.split("#", 1)[0].strip().replace("ё", "е")
            if len(word) > 1:
                words.add(word)
        return frozenset(words)

    return read("first.txt"), read("last.txt")


@lru_cache(maxsize=1)
def faker_names() -> frozenset[str]:
    """Faker ru_RU's first names, patronymics and surnames (rare old names such
    as Харлампий or Лыткин that neither dictionary lists)."""
    from faker.providers.person.ru_RU import Provider

    lists = (Provider.first_names_male, Provider.first_names_female,
             Provider.middle_names_male, Provider.middle_names_female,
             Provider.last_names_male, Provider.last_names_female)
    return frozenset(w.lower().replace("ё", "е") for names in lists for w in names)


@lru_cache(maxsize=1)
def person_names() -> dict[str, frozenset[str]]:
    """pymorphy3's nominative name forms -> kinds, e.g. {"иванова": {"Surn:femn"}}
    (built by `training/build_name_lists.py`)."""
    out: dict[str, frozenset[str]] = {}
    path = DATA_DIR / "person_names.tsv"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, kinds = line.split("\t", 1)
            out[word] = frozenset(kinds.split(","))
    return out


def surnames() -> list[str]:
    """Every nominative surname form pymorphy3's dictionary holds."""
    return sorted(w for w, k in person_names().items() if any(x.startswith("Surn") for x in k))


def _masculine(word: str) -> str:
    for fem, masc in _FEMININE_SURNAME:
        if word.endswith(fem) and len(word) > len(fem) + 1:
            return word[: -len(fem)] + masc
    return word


def dictionary_name_score(word: str) -> float:
    """Best score of a pymorphy3 dictionary parse tagged Name, Surn or Patr."""
    scores = word_info(word.lower()).name_score
    return max(scores.values(), default=0.0)


def has_surname_parse(word: str) -> bool:
    return "Surn" in word_info(word.lower()).name_score


@lru_cache(maxsize=65_536)
def in_name_lists(word: str) -> bool:
    """natasha's lists know `word` as a first name or (any gender) surname."""
    low = word.lower().replace("ё", "е")
    first, last = natasha_lists()
    return (low in first or low in last or _masculine(low) in last or low in person_names()
            or low in faker_names())


@lru_cache(maxsize=65_536)
def is_curated_name(word: str) -> bool:
    """A name in a curated list: pymorphy3's, natasha's first names or Faker's."""
    low = word.lower().replace("ё", "е")
    return low in person_names() or low in natasha_lists()[0] or low in faker_names()


KEYBOARD = ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю")


@lru_cache(maxsize=1)
def keyboard_neighbours() -> dict[str, str]:
    """Keys next to each key on the Russian ЙЦУКЕН layout (same row and the
    staggered rows above and below)."""
    out: dict[str, set[str]] = {ch: set() for row in KEYBOARD for ch in row}
    for r, row in enumerate(KEYBOARD):
        for i, ch in enumerate(row):
            near = {row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)}
            if r > 0:
                near |= {KEYBOARD[r - 1][j] for j in (i, i + 1) if j < len(KEYBOARD[r - 1])}
            if r + 1 < len(KEYBOARD):
                near |= {KEYBOARD[r + 1][j] for j in (i - 1, i) if 0 <= j < len(KEYBOARD[r + 1])}
            out[ch] |= near
            for other in near:
                out[other].add(ch)
    return {ch: "".join(sorted(n)) for ch, n in out.items()}


def _edits1(word: str, with_length_change: bool = True):
    """Single-edit variants that are typing slips, not spelling variants: a
    swap of two neighbours, a letter replaced by its keyboard neighbour, a
    dropped or extra letter — but never ь/ъ, and never a doubled letter made
    single or a single one doubled (Саввин ~ Савин, Кузмин ~ Кузьмин)."""
    for i in range(len(word) - 1):
        if word[i] != word[i + 1]:
            yield word[:i] + word[i + 1] + word[i] + word[i + 2:]
    near = keyboard_neighbours()
    for i in range(len(word)):
        for ch in near.get(word[i], "") if word[i] not in "ьъ" else "":
            if ch not in "ьъ":
                yield word[:i] + ch + word[i + 1:]
    if not with_length_change:
        return
    for i in range(len(word) + 1):
        for ch in RU_ALPHABET:
            if not ((i and word[i - 1] == ch) or (i < len(word) and word[i] == ch)):
                yield word[:i] + ch + word[i:]
    for i in range(len(word)):
        doubled = (i and word[i - 1] == word[i]) or (i + 1 < len(word) and word[i + 1] == word[i])
        if not doubled and word[i] not in "ьъ":
            yield word[:i] + word[i + 1:]


@lru_cache(maxsize=16_384)
def typo_of(word: str) -> str | None:
    """The dictionary name `word` is one slip away from, if `word` is unknown.

    Only pymorphy3's curated names count as targets, and natasha's first-name
    list as known words; its surname list is too noisy for either (it holds
    slips like "петрв" and words like "тупица")."""
    low = word.lower().replace("ё", "е")
    first, last = natasha_lists()
    if "'" in low or "’" in low or not low.isalpha() and "-" not in low:
        return None                     # Д'Артаньян, О’Коннор: spelled on purpose
    if len(low) < 4 or word_info(low).known or low in first or low in person_names():
        return None
    if low in faker_names():
        return None
    if (low in last or _masculine(low) in last) and low.endswith(_foreign_endings()):
        return None
    if plausible_derivation(low):
        return None
    # A word natasha lists as a surname may be a rare real one or a slip that got
    # into its list; only slips that keep the length (swaps, neighbour keys) count.
    listed = (low in last or _masculine(low) in last) and _well_formed(low)
    curated = [c for c in _edits1(low, not listed) if c in person_names() or c in faker_names()]
    if curated:
        return curated[0]
    own = _masculine(low)
    for cand in _edits1(low, not listed):
        masc = _masculine(cand)
        if masc != own and masc.endswith(_SLAVIC) and masc in last:
            return cand
    return None


_SLAVIC = ("ов", "ев", "ин", "ын", "ский", "цкий")
_SLAVIC_ENDINGS = _SLAVIC + ("ова", "ева", "ина", "ына", "ская", "цкая", "ич", "ая", "ой", "ий")


def _well_formed(low: str) -> bool:
    """Ends like a surname does (Эргашев, Рабинович, Гиоргадзе), unlike "смирнва"."""
    return low.endswith(_SLAVIC_ENDINGS) or low.endswith(_foreign_endings())
_SURNAME_SUFFIX = re.compile(r"^(?P<stem>.{3,}?)(?:ов|ев|ёв|ин|ын)а?$")
_PATRONYMIC_SUFFIX = re.compile(r"^(?P<stem>.{2,}?)(?:ович|евич|овна|евна|ич|ична|инична)$")


def _known_stem(stem: str) -> bool:
    """The stem, or it with -а/-я/-ь, is a dictionary lemma (кулак, лытка)."""
    for end in ("", "а", "я", "ь"):
        info = word_info(stem + end)
        if info.known and info.lemma == stem + end and len(stem) >= 4:
            return True
    return False


def plausible_derivation(low: str) -> bool:
    """A surname built from a known word (Кулаков ← кулак, Лыткин ← лытка) or a
    patronymic from a known first name (Ааронович ← Аарон): real, though no
    dictionary lists it."""
    first, _ = natasha_lists()
    m = _PATRONYMIC_SUFFIX.match(low)
    if m and any(m["stem"] + end in first or m["stem"] + end in person_names()
                 for end in ("", "а", "й", "я")):
        return True
    m = _SURNAME_SUFFIX.match(low)
    return bool(m) and _known_stem(m["stem"])


@lru_cache(maxsize=1)
def _foreign_endings() -> tuple[str, ...]:
    from analyzer.lexicons import entries

    return tuple(entries("foreign_surname_endings"))
