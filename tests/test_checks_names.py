"""Name-field checks: lowercase, nickname, not_a_name — positives, negatives, hard cases."""

from __future__ import annotations

import pytest

from analyzer.audit import audit_contact
from analyzer.schema import Contact

from .conftest import codes


def name_codes(ctx, name: str) -> set[str]:
    report = audit_contact(Contact(id="c1", name=name), ctx)
    return {c for c in codes(report.findings) if c.startswith("contact.name")}


LOWERCASE = [
    ("иванов Сергей Петрович", True),
    ("Иванов сергей петрович", True),
    ("ольга", True),
    ("кузнецов А.В.", True),
    ("Кузнецов а.в.", True),
    ("Иванов Сергей Петрович", False),
    ("СМИРНОВ ОЛЕГ ПЕТРОВИЧ", False),
    ("Алиев Эльчин Рафик оглы", False),          # particle оглы is lowercase by the rules
    ("Мамедова Айгюн Вагиф кызы", False),
    ("Денис, нищеброд", False),                   # the lowercase word is a remark, not a name
    ("Петров Иван (директор)", False),
]

NICKNAME = [
    ("Иванова Светлана (истеричка)", True),
    ("Петров Андрей - не знает что хочет", True),
    ("Петров Андрей — сам не знает чего хочет", True),
    ("Павел (муж той истерички)", True),          # inflected
    ("Тамара Ильинична (истеричку не соединять)", True),
    ("ТУПИЦА Лариса", True),
    ("Кузнецова Ирина ист3ричка", True),          # digit obfuscation
    ("Морозов Павел (н е а д е к в а т)", True),  # spaced letters
    ("Егор (HЫTИK)", True),                       # Latin look-alikes
    ("Вероника (неадекв@тная)", True),
    ("Ярослав (БАРАН)", True),
    ("Кира - выносит мозг", True),
    ("Бабка из Подольска", True),
    ("Истеричка", True),
    # real surnames that are also words are not nicknames
    ("Козлов Виталий Андреевич", False),
    ("Баранова Юлия Сергеевна", False),
    ("Петухов Роман Евгеньевич", False),
    ("Орлов Дмитрий", False),
    ("Баранов Олег (от Козлова)", False),
    # neutral extra information
    ("Анна (секретарь)", False),
    ("Смирнова Ольга — главный бухгалтер", False),
    ("Иванов И.И. (от Сергеева)", False),
    ("Медведев Артём [VIP]", False),
    ("Сергей ЛПР", False),
    ("Тамара Ивановна (бабушка Вани)", False),
    ("Светлана (звонить после 18:00)", False),
    ("ПАВЛОВА ИРИНА", False),
]

NOT_A_NAME = [
    ("Иванвоа Мария", True),        # swapped letters
    ("Смирнва Ольга", True),        # dropped letter
    ("Иван0в Петр", True),          # digit in a name
    ("Ываыва", True),               # keyboard mash
    ("Тест Тест", True),            # placeholder
    ("Клиент", True),
    ("Айаал Саввинов", False),      # rare real names
    ("Гиоргадзе Нино", False),
    ("Хайруллин Ренат", False),
    ("Кузмин Павел", False),        # a spelling variant, not a slip
    ("Папандопуло Георгий Христофорович", False),
    ("Иванов Сергей Петрович", False),
]


@pytest.mark.parametrize(("name", "expected"), LOWERCASE)
def test_lowercase(ctx, name, expected):
    assert ("contact.name.lowercase" in name_codes(ctx, name)) == expected


@pytest.mark.parametrize(("name", "expected"), NICKNAME)
def test_nickname(ctx, name, expected):
    assert ("contact.name.nickname" in name_codes(ctx, name)) == expected


@pytest.mark.parametrize(("name", "expected"), NOT_A_NAME)
def test_not_a_name(ctx, name, expected):
    assert ("contact.name.not_a_name" in name_codes(ctx, name)) == expected


def test_nickname_finding_quotes_the_typed_text(ctx):
    name = "Кузнецова Ирина ист3ричка"
    f = next(f for f in audit_contact(Contact(id="c9", name=name), ctx).findings
             if f.code == "contact.name.nickname")
    assert f.evidence == "ист3ричка"
    assert name[f.span[0]:f.span[1]] == "ист3ричка"
    assert f.suggestion == "Кузнецова Ирина"
    assert f.entity == "contact" and f.entity_id == "c9" and f.severity == "critical"
    assert "«ист3ричка»" in f.message


def test_lowercase_suggests_the_fixed_name(ctx):
    f = next(f for f in audit_contact(Contact(id="c1", name="иванов петр (директор)"), ctx).findings
             if f.code == "contact.name.lowercase")
    assert f.suggestion == "Иванов Петр (директор)"


def test_typo_suggests_the_known_name(ctx):
    f = next(f for f in audit_contact(Contact(id="c1", name="Иванвоа Мария"), ctx).findings
             if f.code == "contact.name.not_a_name")
    assert f.suggestion == "Иванова Мария"


def test_empty_name_is_missing(ctx):
    assert name_codes(ctx, "") == {"contact.name.missing"}
    assert name_codes(ctx, "😀😀") == {"contact.name.missing"}


KIND_AND_NEUTRAL = [  # remarks that must not become a critical finding
    "Иванова Мария (вежливая)", "Ирина (очень вежливая)", "Олег (не звонить)",
    "Иванова Мария (приятная в общении)", "Пётр (умный)", "Анна (красивая)",
]


@pytest.mark.parametrize("name", KIND_AND_NEUTRAL)
def test_kind_words_are_not_nicknames(ctx, name):
    assert "contact.name.nickname" not in name_codes(ctx, name)


NORMALIZED = [  # (field, normalized name)
    ("Салтыков-Щедрин Михаил", "Салтыков-Щедрин Михаил"),
    ("анна-мария белова", "Анна-Мария Белова"),
    ("Д'Артаньян Шарль", "Д'Артаньян Шарль"),
    ("Мамедов Али оглы", "Мамедов Али оглы"),
    ("Пётр Ёлкин", "Пётр Ёлкин"),
    ("ПАВЛОВА ИРИНА", "Павлова Ирина"),
    ("кузнецов а.в. (директор)", "Кузнецов А. В."),
    ("«Иванов Иван»", "Иванов Иван"),
    ("ნინო ბერიძე", "ნინო ბერიძე"),
]


@pytest.mark.parametrize(("name", "expected"), NORMALIZED)
def test_normalized_name(ctx, name, expected):
    assert audit_contact(Contact(id="c", name=name), ctx).normalized.name == expected


OTHER_SCRIPTS_AND_SPELLINGS = ["ნინო ბერიძე", "محمد علي", "王伟", "Д'Артаньян Шарль",
                               "John Smith", "Салтыков-Щедрин Михаил"]


@pytest.mark.parametrize("name", OTHER_SCRIPTS_AND_SPELLINGS)
def test_real_names_in_other_scripts_or_spellings_are_clean(ctx, name):
    assert name_codes(ctx, name) == set()


def test_a_company_in_the_name_field_is_not_a_name_and_not_a_nickname(ctx):
    assert name_codes(ctx, "ООО «Ромашка»") == {"contact.name.not_a_name"}
    assert name_codes(ctx, "ИП Иванов Иван") == set()


def test_a_name_field_is_parsed_once_and_parsed_alike():
    from analyzer.namefield import parse, parsed

    text = "иванова мария (истеричка)"
    once = parsed(text, 300)
    assert parsed(text, 300) is once                      # a contact sent again: no new parse
    fresh = parse(text, 300)
    assert [p.token.text for p in once.name_parts] == [p.token.text for p in fresh.name_parts]
    assert [r.text for r in once.remarks] == [r.text for r in fresh.remarks] == ["истеричка"]
