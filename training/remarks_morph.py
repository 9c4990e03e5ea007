"""Language helpers of the name-remark corpus (training/remarks.py).

The word pools and templates (training/data/remark_pools.yaml), the insult
lexicons of analyzer/data, lemma bags, and pymorphy3 inflection: lexicon
lemmas put into a case, gender and tense, lexicon phrases made natural text,
names and cities declined.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache
from pathlib import Path

import yaml

from analyzer.config import DATA_DIR
from analyzer.nlp import morph

POOLS_FILE = Path(__file__).parent / "data" / "remark_pools.yaml"

# --------------------------------------------------------------------------
# Data: word pools and templates.


def _frozen(value):
    """YAML lists as tuples, at any depth."""
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return {key: _frozen(v) for key, v in value.items()}
    return value


@lru_cache(maxsize=1)
def remark_data() -> dict:
    """remark_pools.yaml, read once: lists as tuples; the grammemes of
    `verb_forms`, `keep_infinitive` and `phrase_stop` as sets."""
    data = _frozen(yaml.safe_load(POOLS_FILE.read_text(encoding="utf-8")))
    data["verb_forms"] = {verb: set(grams) for verb, grams in data["verb_forms"].items()}
    data["keep_infinitive"] = set(data["keep_infinitive"])
    data["phrase_stop"] = frozenset(data["phrase_stop"])
    return data


PHRASE_COMPLETIONS = remark_data()["phrase_completions"]
VERB_FORMS = remark_data()["verb_forms"]
KEEP_INFINITIVE = remark_data()["keep_infinitive"]

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


# --------------------------------------------------------------------------
# Names and cities declined by rule or with pymorphy3.


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


@lru_cache(maxsize=4096)
def _city_case(city: str, case: str) -> str | None:
    if " " in city or "-" in city:
        return None
    for parse in morph().parse(city):
        if "Geox" in parse.tag and "nomn" in parse.tag:
            form = parse.inflect({case})
            return form.word.capitalize() if form is not None else None
    return None
