"""Parse a CRM «ФИО» field into the person's name parts and everything else.

"Иванова Светлана (истеричка)" → parts [Иванова, Светлана], remarks ["истеричка"].
"Синицын Г. — зам. директора" → parts [Синицын, Г], remarks ["зам. директора"].

The field is cut into segments at brackets, commas, semicolons, slashes and
dashes between spaces. The first unbracketed segment that holds a name-like
word is the main one: its words are name parts (dictionary first names,
surnames, patronymics, initials, unknown capitalised words such as
"Айаал"), particles ("оглы"), tags ("VIP", "ЛПР") or remark words. Every
other segment is a remark to be judged as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from analyzer import lexicons
from analyzer.names import (
    dictionary_name_score,
    has_surname_parse,
    in_name_lists,
    is_curated_name,
    natasha_lists,
    typo_of,
)
from analyzer.nlp import TextView, Token, other_script, view

Role = Literal["name", "initial", "particle", "tag", "remark"]
_OPEN, _CLOSE = "([{«<\"“„", ")]}»>\"”“"
_SEPARATORS = {",", ";", "/", "|", "\\", ":", "!", "?"}
_DASHES = {"-", "—", "–", "−"}


@dataclass(slots=True)
class Part:
    token: Token
    role: Role


@dataclass(slots=True)
class Remark:
    tokens: list[Token]
    bracketed: bool
    quoted: bool = False     # «…» or "…": a company or product name, not a remark

    @property
    def span(self) -> tuple[int, int]:
        return self.tokens[0].start, self.tokens[-1].end

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.tokens if t.is_word or t.text in _DASHES)


@dataclass(slots=True)
class NameField:
    view: TextView
    parts: list[Part] = field(default_factory=list)
    remarks: list[Remark] = field(default_factory=list)

    @property
    def name_parts(self) -> list[Part]:
        return [p for p in self.parts if p.role in ("name", "initial")]

    @property
    def company(self) -> bool:
        """The field starts with a legal form: "ООО «Ромашка»", "ИП Иванов"."""
        first = next((t for t in self.view.tokens if t.is_word), None)
        return first is not None and first.lower in lexicons.word_set("legal_forms")

    def quote(self, span: tuple[int, int]) -> str:
        return self.view.quote(*span)

    def normalized(self) -> str:
        """The person's name alone, as typed but capitalised: "Иванов И. И.",
        "Салтыков-Щедрин Михаил", "Алиев Эльчин Рафик оглы", "Пётр"."""
        out = ""
        prev_end = None
        for part in (p for p in self.parts if p.role in ("name", "initial", "particle")):
            tok = part.token
            word = self.quote((tok.start, tok.end))
            if part.role == "initial":
                word = word.upper() + "."
            elif part.role == "name":
                word = _capitalised(word)
            joined = prev_end is not None and self.view.original[prev_end:tok.start] == "-"
            out += ("-" if joined else " " if out else "") + word
            prev_end = tok.end
        return out


def _capitalised(word: str) -> str:
    """"иванова" / "ИВАНОВА" → "Иванова"; mixed case as typed ("Д'Артаньян")."""
    if (word.islower() or word.isupper()) and not other_script(word):
        return word[:1].upper() + word[1:].lower()
    return word


def _insult_form(tok: Token) -> bool:
    return tok.lower in lexicons.word_set("nickname_words")


def name_likeness(tok: Token) -> float:
    """How sure we are that a word is a person's name part (0..1)."""
    if not tok.is_word or not tok.text[0].isalpha() or _insult_form(tok):
        return 0.0
    if other_script(tok.text):
        return 0.5           # Arabic, Georgian, Chinese…: we cannot judge, assume a name
    if tok.lower in lexicons.word_set("name_placeholders"):
        return 0.0
    if has_surname_parse(tok.text):
        return 1.0
    score = dictionary_name_score(tok.text)
    if score >= 0.25:
        return max(score, 0.6)
    if is_curated_name(tok.text):
        return 0.6
    info = tok.info
    if info.known:
        # A common word is a name when natasha lists it as a first name, or when it
        # is written like one (Сомов, Мельник, Ислам): capitalised, not in capitals.
        if tok.lower in natasha_lists()[0]:
            return 0.6
        title = tok.text[:1].isupper() and tok.text[1:].islower() and len(tok.text) > 2
        return 0.5 if title and info.pos in ("NOUN", "ADJS") else 0.0
    if in_name_lists(tok.text):
        return 0.6
    if tok.text[0].isupper() and len(tok.text) > 1:
        return 0.5           # an unknown capitalised word: most often a rare name
    return 0.5 if typo_of(tok.text) else 0.0     # a slip of a name, in any case


def _is_initial(tokens: list[Token], i: int) -> bool:
    tok = tokens[i]
    if not (tok.is_word and len(tok.text) == 1 and tok.text.isalpha()):
        return False
    dotted = i + 1 < len(tokens) and tokens[i + 1].text == "." and not tokens[i + 1].space_before
    return dotted or tok.text.isupper()


def _role(tokens: list[Token], i: int) -> Role:
    tok = tokens[i]
    if _is_initial(tokens, i):
        return "initial"
    if tok.lower in lexicons.word_set("name_particles"):
        return "particle"
    if tok.lower in lexicons.word_set("name_tags"):
        return "tag"
    return "name" if name_likeness(tok) >= 0.5 else "remark"


def _is_separator(tokens: list[Token], i: int) -> bool:
    tok = tokens[i]
    if tok.is_word:
        return False
    if tok.text in _SEPARATORS:
        return True
    if tok.text in _DASHES:
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        return tok.space_before or (nxt is not None and nxt.space_before) or i == 0
    return False


Segment = tuple[list[Token], bool, bool]     # tokens, bracketed, quoted
_QUOTES = "«\"“„"


def _segments(tokens: list[Token]) -> list[Segment]:
    """(tokens, bracketed, quoted) runs of the field."""
    out: list[Segment] = []
    current: list[Token] = []
    depth = 0
    quoted = False

    def flush(bracketed: bool) -> None:
        nonlocal current
        if any(t.is_word for t in current):
            out.append((current, bracketed, bracketed and quoted))
        current = []

    for i, tok in enumerate(tokens):
        if tok.text in _OPEN and (depth == 0 or tok.text not in _CLOSE):
            if depth == 0:
                flush(False)
                quoted = tok.text in _QUOTES
            depth += 1
        elif tok.text in _CLOSE and depth > 0:
            depth -= 1
            if depth == 0:
                flush(True)
        elif depth == 0 and _is_separator(tokens, i):
            flush(False)
        else:
            current.append(tok)
    flush(depth > 0)
    return out


def _placeholder_phrase(toks: list[Token]) -> bool:
    words = " ".join(t.lower for t in toks if t.is_word)
    return words in lexicons.entries("name_placeholders")


def _main_index(segments: list[Segment]) -> int | None:
    """The first unbracketed segment with a name-like word; a name written
    wholly in brackets or quotes, "(Иванов Иван)", when nothing is outside."""
    outside = [k for k, (_, bracketed, _) in enumerate(segments) if not bracketed]
    for k in outside or range(len(segments)):
        toks = segments[k][0]
        if not _placeholder_phrase(toks) and any(name_likeness(t) >= 0.5 for t in toks):
            return k
    return None


def _after_preposition(run: list[Token]) -> bool:
    """"из Казани", "от Сергеева": a word governed by a remark's preposition."""
    return bool(run) and run[-1].is_word and run[-1].info.pos == "PREP"


def _split_main(tokens: list[Token]) -> tuple[list[Part], list[Remark]]:
    parts: list[Part] = []
    remarks: list[Remark] = []
    run: list[Token] = []
    for i, tok in enumerate(tokens):
        if not tok.is_word:
            if run and tok.text in _DASHES:
                run.append(tok)
            continue
        role = "remark" if _after_preposition(run) else _role(tokens, i)
        parts.append(Part(tok, role))
        if role == "remark":
            run.append(tok)
        elif run:
            remarks.append(Remark(run, False))
            run = []
    if run:
        remarks.append(Remark(run, False))
    return parts, remarks


@lru_cache(maxsize=16_384)
def parsed(text: str | None, limit: int = 300) -> NameField:
    """`parse`, cached (a CRM sends a contact again with every change of its
    deals); the result is shared, so treat it as read-only."""
    return parse(text, limit)


def parse(text: str | None, limit: int = 300) -> NameField:
    """Split a name field into name parts and remarks."""
    v = view(text, limit=limit)
    result = NameField(view=v)
    segments = _segments(v.tokens)
    main = _main_index(segments)
    for k, (toks, bracketed, quoted) in enumerate(segments):
        if k == main:
            parts, remarks = _split_main(toks)
            result.parts.extend(parts)
            result.remarks.extend(remarks)
        else:
            words = [t for t in toks if t.is_word or t.text in _DASHES]
            result.remarks.append(Remark(words, bracketed, quoted))
    return result
