"""Phone, INN, e-mail and requisites checks."""

from __future__ import annotations

import pytest

from analyzer.audit import audit_contact
from analyzer.schema import Contact

from .conftest import codes

PHONES = [  # (phone as typed, expected codes)
    ("+7 (916) 123-45-67", set()),
    ("8 (916) 123-45-67", {"contact.phone.format"}),
    ("89161234567", {"contact.phone.format"}),
    ("+7916 1234567", {"contact.phone.format"}),
    ("916-123-45-67", {"contact.phone.format"}),
    ("7(916)1234567 доб. 12", {"contact.phone.format"}),
    ("8916123", {"contact.phone.invalid"}),
    ("+7 (000) 123-45-67", {"contact.phone.invalid"}),
    ("абвгд", {"contact.phone.invalid"}),
    ("8916123456789", {"contact.phone.invalid"}),
]

INNS = [
    ("7707083893", set()),            # valid 10-digit (Сбербанк)
    ("500100732259", set()),          # valid 12-digit
    ("7707083894", {"contact.inn.invalid"}),
    ("770708389", {"contact.inn.invalid"}),
    ("0000000000", {"contact.inn.invalid"}),
    ("77О7083893", {"contact.inn.invalid"}),   # Cyrillic О
    ("7707 083 893", set()),
]

EMAILS = [
    ("m.ivanova@example.ru", set()),
    ("info@пример.рф", set()),
    ("ivanov@mail", {"contact.email.invalid"}),
    ("ivanov@@mail.ru", {"contact.email.invalid"}),
    ("ivanov.mail.ru", {"contact.email.invalid"}),
    ("ivanov@mail..ru", {"contact.email.invalid"}),
    (".ivanov@mail.ru", {"contact.email.invalid"}),
    ("ivanov @mail.ru", {"contact.email.invalid"}),
]


def run(ctx, **fields) -> set[str]:
    contact = Contact(id="c1", name="Иванова Мария Петровна", **fields)
    return {c for c in codes(audit_contact(contact, ctx).findings) if not c.startswith("contact.name")}


@pytest.mark.parametrize(("phone", "expected"), PHONES)
def test_phone(ctx, phone, expected):
    assert run(ctx, phones=[phone]) == expected


def test_phone_format_suggests_the_company_format(ctx):
    report = audit_contact(Contact(id="c1", name="Иван", phones=["8 916 123 45 67"]), ctx)
    (f,) = [f for f in report.findings if f.code == "contact.phone.format"]
    assert f.suggestion == "+7 (916) 123-45-67"
    assert report.normalized.phones == ["+79161234567"]


def test_phone_format_is_configurable(ctx):
    from dataclasses import replace

    from analyzer.config import merge

    e164 = replace(ctx, config=merge(ctx.config, {"phone": {"format": "e164"}}))
    contact = Contact(id="c1", name="Иван", phones=["+79161234567", "+7 (916) 123-45-67"])
    found = [f for f in audit_contact(contact, e164).findings if f.code == "contact.phone.format"]
    assert [f.field for f in found] == ["phones[1]"]
    assert found[0].suggestion == "+79161234567"


@pytest.mark.parametrize(("inn", "expected"), INNS)
def test_inn(ctx, inn, expected):
    assert run(ctx, inn=inn) == expected


@pytest.mark.parametrize(("email", "expected"), EMAILS)
def test_email(ctx, email, expected):
    assert run(ctx, emails=[email]) == expected


REQUISITES = [
    ({"company": "ООО «Ромашка»", "inn": "7707083893", "address": "г. Москва"}, set()),
    ({"company": "ООО «Ромашка»", "inn": None, "address": "г. Москва"},
     {"contact.requisites.missing"}),
    ({"company": "ООО «Ромашка»", "inn": "7707083893", "address": " "},
     {"contact.requisites.missing"}),
    ({"company": None, "inn": None, "address": None}, set()),
]


@pytest.mark.parametrize(("fields", "expected"), REQUISITES)
def test_requisites(ctx, fields, expected):
    assert run(ctx, **fields) == expected


def test_letters_in_a_phone_make_it_invalid_not_a_vanity_number(ctx):
    assert run(ctx, phones=["+7 916 ABC-45-67"]) == {"contact.phone.invalid"}


def test_extension_is_kept_once_in_every_format(ctx):
    from dataclasses import replace

    from analyzer.config import merge

    for fmt, wanted in (("international", "+7 916 123-45-67 доб. 12"),
                        ("+7 (XXX) XXX-XX-XX", "+7 (916) 123-45-67 доб. 12")):
        c = replace(ctx, config=merge(ctx.config, {"phone": {"format": fmt}}))
        report = audit_contact(Contact(id="c", name="Иван", phones=["8 916 1234567 доб. 12"]), c)
        (f,) = [f for f in report.findings if f.code == "contact.phone.format"]
        assert f.suggestion == wanted


def test_a_5mb_phone_field_is_invalid_at_once(ctx):
    assert run(ctx, phones=["8" * 5_000_000]) == {"contact.phone.invalid"}


def test_inn_is_normalised_in_the_contact_report(ctx):
    for raw in ("7707-083-893", "7707\u00a0083\u00a0893", "７７０７０８３８９３"):
        report = audit_contact(Contact(id="c", name="Иван", inn=raw), ctx)
        assert report.normalized.inn == "7707083893"
        assert "contact.inn.invalid" not in codes(report.findings)
