"""Client-card checks of phones, INN, e-mail and company requisites."""

from __future__ import annotations

import re
import unicodedata

from stdnum.ru import inn as stdnum_inn

from analyzer import phones
from analyzer.checks import check, finding

# local@domain.tld, Latin or Cyrillic domains (.рф), no dots at the ends or twice.
_EMAIL = re.compile(
    r"^(?!\.)(?!.*\.\.)[A-Za-z0-9._%+\-']+(?<!\.)@"
    r"(?:(?!-)[A-Za-z0-9а-яА-ЯёЁ\-]{1,63}(?<!-)\.)+[A-Za-zа-яА-ЯёЁ]{2,24}$")
_INN_JUNK = re.compile(r"[\s\-.\u2010-\u2015]")


def _phone_fields(contact):
    return [(i, raw) for i, raw in enumerate(contact.phones) if raw and raw.strip()]


@check("contact.phone.invalid", "attentiveness", "major", entity="contact", scope="contact")
def phone_invalid(contact, view, ctx):
    region = ctx.cfg("phone.region", "RU")
    for i, raw in _phone_fields(contact):
        for phone in phones.parse(raw, region):
            if not phone.valid:
                yield finding("contact.phone.invalid", entity_id=contact.id, field=f"phones[{i}]",
                              evidence=raw,
                              message=f"Телефон «{raw}» не является действительным номером")


@check("contact.phone.format", "attentiveness", "minor", entity="contact", scope="contact")
def phone_format(contact, view, ctx):
    region, fmt = ctx.cfg("phone.region", "RU"), ctx.cfg("phone.format", "international")
    for i, raw in _phone_fields(contact):
        found = phones.parse(raw, region)
        if not all(p.valid for p in found):
            continue
        wanted = ", ".join(phones.render(p.number, fmt) for p in found)
        if raw.strip() != wanted or len(found) > 1:
            yield finding(
                "contact.phone.format", entity_id=contact.id, field=f"phones[{i}]",
                evidence=raw, suggestion=wanted,
                message=f"Телефон «{raw}» записан не в едином формате компании ({fmt})")


def normalize_inn(raw: str) -> str:
    """"７７０７-083 893" → "7707083893": width folded, spaces, dashes and dots gone."""
    return _INN_JUNK.sub("", unicodedata.normalize("NFKC", raw))


def inn_problem(raw: str) -> str | None:
    """Why an INN is invalid, in Russian, or None when it is valid."""
    digits = normalize_inn(raw)
    if not digits.isdigit():
        return "содержит не только цифры"
    if len(digits) not in (10, 12):
        return f"содержит {len(digits)} цифр вместо 10 или 12"
    if set(digits) == {"0"} or not stdnum_inn.is_valid(digits):
        return "не проходит проверку контрольной суммы"
    return None


@check("contact.inn.invalid", "attentiveness", "major", entity="contact", scope="contact")
def inn_invalid(contact, view, ctx):
    if not contact.inn or not contact.inn.strip():
        return None
    problem = inn_problem(contact.inn)
    if problem is None:
        return None
    return finding("contact.inn.invalid", entity_id=contact.id, field="inn",
                   evidence=contact.inn, message=f"ИНН «{contact.inn}» {problem}")


@check("contact.email.invalid", "attentiveness", "minor", entity="contact", scope="contact")
def email_invalid(contact, view, ctx):
    for i, raw in enumerate(contact.emails):
        if raw is None or not raw.strip():
            continue
        if not _EMAIL.match(raw.strip()):
            yield finding("contact.email.invalid", entity_id=contact.id, field=f"emails[{i}]",
                          evidence=raw, message=f"E-mail «{raw}» записан с ошибкой")


@check("contact.requisites.missing", "attentiveness", "major", entity="contact",
       scope="contact")
def requisites_missing(contact, view, ctx):
    if not (contact.company and contact.company.strip()):
        return None
    missing = [label for label, value in (("ИНН", contact.inn), ("адрес", contact.address))
               if not (value and value.strip())]
    if not missing:
        return None
    return finding("contact.requisites.missing", entity_id=contact.id,
                   field="inn" if "ИНН" in missing else "address",
                   message=f"У клиента-компании «{contact.company}» не заполнены реквизиты: "
                           + ", ".join(missing))
