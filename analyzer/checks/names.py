"""Client-card checks of the «ФИО» field: case, nicknames, typos and garbage."""

from __future__ import annotations

import re
from functools import lru_cache

from analyzer import insults, lexicons
from analyzer.checks import check, finding
from analyzer.namefield import NameField, Part, Remark
from analyzer.names import is_curated_name, typo_of
from analyzer.nlp import other_script

_VOWELS = set("аеёиоуыэюяaeiouy")
_REPEAT = re.compile(r"(.)\1\1|^(.{3,4})\2+$")
_KEYBOARD_ROWS = ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю", "qwertyuiop", "asdfghjkl",
                  "zxcvbnm")


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:]


def _corrected(field: NameField, fix: dict[int, str]) -> str:
    """The original field with the tokens at the given start offsets replaced."""
    text = field.view.original
    for part in sorted(field.name_parts, key=lambda p: -p.token.start):
        tok = part.token
        if tok.start in fix:
            text = text[:tok.start] + fix[tok.start] + text[tok.end:]
    return text


@check("contact.name.lowercase", "attentiveness", "minor", entity="contact", scope="contact")
def name_lowercase(contact, view, ctx):
    field = view.name
    low = [p for p in field.name_parts
           if p.token.text[:1].islower() and not other_script(p.token.text)]
    if not low:
        return None
    fix = {p.token.start: _cap(field.quote((p.token.start, p.token.end))) for p in low}
    first = low[0].token
    return finding(
        "contact.name.lowercase", entity_id=contact.id, field="name",
        span=(first.start, first.end), evidence=field.quote((first.start, first.end)),
        message="ФИО клиента написано с маленькой буквы: «"
                + ", ".join(field.quote((p.token.start, p.token.end)) for p in low) + "»",
        suggestion=_corrected(field, fix))


@lru_cache(maxsize=1)
def _tags() -> frozenset[str]:
    """Neutral tags, lowercased: "vip", "лпр", "не лпр", "старый клиент"."""
    return frozenset(e.lower() for e in lexicons.entries("name_tags"))


_FUNCTION_POS = {"PREP", "CONJ", "PRCL", "INTJ", "NUMR", "ADVB", "NPRO", None}


def _plainly_neutral(remark: Remark) -> bool:
    """Every content word is on the neutral list: "вежливая", "приятная в общении"."""
    neutral = lexicons.word_set("neutral_remarks")
    content = [t for t in remark.tokens if t.is_word and not t.text.isdigit()
               and t.info.pos not in _FUNCTION_POS]
    return bool(content) and all(t.lemma in neutral or t.lower in neutral for t in content)


def _remark_verdict(remark: Remark, threshold: float) -> tuple[tuple[int, int], float] | None:
    """(span of the evidence, confidence) when the remark is derogatory."""
    if is_placeholder(remark):
        return None
    hits = insults.find(remark.tokens)
    if hits:
        hit = hits[0]
        return (remark.tokens[hit.first].start, remark.tokens[hit.last].end), 0.99
    if " ".join(t.lower for t in remark.tokens if t.is_word) in _tags() or _plainly_neutral(remark):
        return None
    from models.nickname import probability

    p = probability(remark.text)
    return (remark.span, round(p, 3)) if p >= threshold else None


@check("contact.name.nickname", "attentiveness", "critical", entity="contact", scope="contact")
def name_nickname(contact, view, ctx):
    field = view.name
    threshold = ctx.cfg("names.nickname_threshold", 0.5)
    for remark in field.remarks:
        if remark.quoted and field.company:
            continue
        verdict = _remark_verdict(remark, threshold)
        if verdict:
            span, score = verdict
            quote = field.quote(span)
            yield finding(
                "contact.name.nickname", entity_id=contact.id, field="name", span=span,
                evidence=quote, score=score, suggestion=field.normalized() or None,
                message=f"В ФИО клиента оскорбительная приписка «{quote}»")


def _garbage(word: str) -> bool:
    low = word.lower()
    if other_script(low):
        return False
    if any(ch.isdigit() for ch in low) or not any(ch.isalpha() for ch in low):
        return True
    if len(low) >= 3 and not (_VOWELS & set(low)):
        return True
    if _REPEAT.search(low):
        return True
    return len(low) >= 4 and (any(low in row for row in _KEYBOARD_ROWS) or _keyboard_walk(low))


def _keyboard_walk(low: str) -> bool:
    """Most neighbouring letters sit next to each other on one keyboard row."""
    pos = {ch: (r, i) for r, row in enumerate(_KEYBOARD_ROWS) for i, ch in enumerate(row)}
    pairs = list(zip(low, low[1:], strict=False))
    near = sum(1 for a, b in pairs if a in pos and b in pos and pos[a][0] == pos[b][0]
               and abs(pos[a][1] - pos[b][1]) == 1)
    return near >= 0.75 * len(pairs)


def _not_a_name(part: Part, field: NameField) -> tuple[str, str | None] | None:
    """(reason, suggested fix) for a name part that is no name."""
    tok = part.token
    typed = field.quote((tok.start, tok.end))
    if part.role == "initial":
        return None
    if tok.deobfuscated and part.role == "name":
        return f"в имени «{typed}» цифры или латинские буквы вместо русских", tok.text
    if tok.info.known:
        return None
    if _garbage(tok.text) and not is_curated_name(tok.text):
        return f"«{typed}» не похоже на имя", None
    slip = typo_of(tok.text)
    if slip and part.role == "name":
        fixed = _cap(slip) if typed[:1].isupper() else slip
        return f"возможно, опечатка в имени: «{typed}» вместо «{fixed}»", fixed
    return None


def is_placeholder(remark: Remark) -> bool:
    """"Клиент", "Тест Тест", "нет имени": a stand-in for the unknown name."""
    words = [t for t in remark.tokens if t.is_word]
    holders = lexicons.word_set("name_placeholders")
    if " ".join(t.lower for t in words) in lexicons.entries("name_placeholders"):
        return True
    return bool(words) and all(t.lower in holders or t.lemma in holders or _garbage(t.text)
                               for t in words)


def _placeholder_only(field: NameField) -> bool:
    """No name part, and the field's first unbracketed text is a stand-in."""
    first = next((r for r in field.remarks if not r.bracketed), None)
    return not field.name_parts and first is not None and is_placeholder(first)


@check("contact.name.not_a_name", "attentiveness", "major", entity="contact", scope="contact")
def name_not_a_name(contact, view, ctx):
    field = view.name
    if field.company and not field.name_parts:
        yield finding("contact.name.not_a_name", entity_id=contact.id, field="name",
                      span=(0, len(field.view.original)), evidence=field.view.original,
                      message=f"Вместо ФИО клиента указана компания «{field.view.original}»")
        return
    if _placeholder_only(field):
        yield finding("contact.name.not_a_name", entity_id=contact.id, field="name",
                      span=(0, len(field.view.original)), evidence=field.view.original,
                      message=f"Вместо ФИО клиента заглушка «{field.view.original}»")
        return
    for part in field.parts:
        if part.role not in ("name", "remark"):
            continue
        verdict = _not_a_name(part, field)
        if verdict:
            reason, fix = verdict
            tok = part.token
            yield finding(
                "contact.name.not_a_name", entity_id=contact.id, field="name",
                span=(tok.start, tok.end), evidence=field.quote((tok.start, tok.end)),
                message=f"Ошибка в ФИО клиента: {reason}",
                suggestion=_corrected(field, {tok.start: fix}) if fix else None)


@check("contact.name.missing", "attentiveness", "major", entity="contact", scope="contact")
def name_missing(contact, view, ctx):
    if not view.name.view.words:
        return finding("contact.name.missing", entity_id=contact.id, field="name",
                       message="В карточке клиента не заполнено ФИО")
    return None
