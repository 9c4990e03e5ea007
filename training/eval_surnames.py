"""False alarms of `contact.name.nickname` on real names.

Every surname form pymorphy3's dictionary tags Surn, paired with a real first
name of the same gender, in both orders ("Козлов Иван", "Иван Козлов"). None of
these is a nickname, so every finding is a false alarm.

    python -m training.eval_surnames
"""

from __future__ import annotations

import random
import time
from datetime import datetime

from analyzer.audit import make_ctx
from analyzer.checks import ContactView
from analyzer.checks.names import name_nickname
from analyzer.names import person_names
from analyzer.schema import Contact

FIRST = {"masc": ("Иван", "Сергей", "Алексей", "Дмитрий", "Олег", "Андрей", "Павел", "Игорь"),
         "femn": ("Мария", "Анна", "Ольга", "Елена", "Наталья", "Ирина", "Татьяна", "Светлана")}


def pairs(seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    out = []
    for word, kinds in sorted(person_names().items()):
        surn = [k for k in kinds if k.startswith("Surn")]
        if not surn:
            continue
        gender = "femn" if any(k.endswith("femn") for k in surn) else "masc"
        surname, first = word.capitalize(), rng.choice(FIRST[gender])
        out.append(f"{surname} {first}" if rng.random() < 0.5 else f"{first} {surname}")
    return out


def false_alarms(names: list[str]) -> list[str]:
    ctx = make_ctx(datetime.now().astimezone())
    flagged = []
    for name in names:
        contact = Contact(id="c", name=name)
        if list(name_nickname(contact, ContactView(contact, ctx), ctx)):
            flagged.append(name)
    return flagged


def main() -> None:
    started = time.perf_counter()
    names = pairs()
    flagged = false_alarms(names)
    print(f"{len(flagged)} of {len(names)} real names flagged "
          f"({100 * len(flagged) / len(names):.2f}%) in {time.perf_counter() - started:.1f} s")
    print(", ".join(flagged[:40]))


if __name__ == "__main__":
    main()
