"""Data of the comment corpus: phrase pools, industries, template families,
channel phrases and hand-written hard cases (training/data/comments/*.yaml),
and the `Side` they are drawn from: everything, or the train or the held-out
half of every pool and family.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from faker import Faker

DATA_DIR = Path(__file__).resolve().parent / "data" / "comments"
SLOT_KEYS = {"a": "action", "r": "result", "n": "next_step", "d": "date"}
CHANNELS = ("phone", "whatsapp", "telegram", "viber", "max", "vk", "instagram", "email", "sms",
            "meeting", "site_chat")
BUCKETS = ("short", "mid", "long")
# Closed vocabularies shared by both sides of the split.
SHARED_VALUES = ("doc", "cnt", "past", "bank")
VALUE_POOLS = ("doc", "competitor", "bank", "cnt", "past", "names_m", "names_f")
INDUSTRY_VALUES = ("product", "topic", "doc")
HARD_GROUPS = 5


@lru_cache(maxsize=16)
def load(name: str):
    with open(DATA_DIR / f"{name}.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@dataclass(frozen=True)
class Entry:
    """A pool phrase and what it contributes to the labels."""

    text: str
    slots: frozenset[str] = frozenset()
    sub: bool = False
    channels: tuple[str, ...] = ()
    off: bool = False
    dis: bool = False


@dataclass(frozen=True)
class Family:
    name: str
    completeness: int
    bucket: str
    templates: tuple[str, ...]
    weight: float = 1.0


def make_entry(raw, meta: dict) -> Entry:
    item = raw if isinstance(raw, dict) else {"t": raw}
    slots = item.get("sl", meta.get("sl", ""))
    channels = tuple(meta.get("ch", ())) + tuple(item.get("ch", ()))
    return Entry(text=str(item["t"]), slots=frozenset(slots), sub=item.get("sub", meta.get("sub", False)),
                 channels=channels, off=meta.get("oc", False), dis=meta.get("dis", False))


@lru_cache(maxsize=1)
def all_pools() -> dict[str, tuple[Entry, ...]]:
    data = load("pools")
    return {name: tuple(make_entry(raw, meta) for raw in data.get(name) or ())
            for name, meta in data["meta"].items()}


@lru_cache(maxsize=1)
def all_industries() -> dict[str, dict[str, tuple]]:
    meta = load("pools")["meta"]
    out: dict[str, dict[str, tuple]] = {}
    for industry, pools in load("industries").items():
        out[industry] = {name: tuple(items) if name in INDUSTRY_VALUES
                         else tuple(make_entry(raw, meta[name]) for raw in items)
                         for name, items in pools.items()}
    return out


@lru_cache(maxsize=1)
def all_families() -> tuple[Family, ...]:
    return tuple(Family(name, spec["c"], spec["len"], tuple(spec["t"]), spec.get("w", 1.0))
                 for name, spec in load("families").items())


def hard_cases() -> list[dict]:
    """The hand-written hard cases as corpus records, family `hard.<cat>.<k>`
    (k = the case's position in its category modulo HARD_GROUPS)."""
    seen: dict[str, int] = {}
    out = []
    for raw in load("hard_cases"):
        k = seen.get(raw["cat"], 0)
        seen[raw["cat"]] = k + 1
        out.append(hard_record(raw, f"hard.{raw['cat']}.{k % HARD_GROUPS}"))
    return out


def hard_record(raw: dict, family: str) -> dict:
    return {"text": raw["t"], "completeness": raw["c"],
            "slots": {name: key in raw["s"] for key, name in SLOT_KEYS.items()},
            "channels": sorted(raw["ch"]), "off_channel": bool(raw["oc"]),
            "disrespect": bool(raw["dis"]), "evidence": raw.get("ev"), "family": family}


# --------------------------------------------------------------------------
# Sides of the split.


def split_list(items: tuple, key: str, seed: int, holdout: float) -> tuple[tuple, tuple]:
    """(train, test) halves of a pool: a seeded shuffle, round(len * holdout)
    items held out, at least one on each side when the pool has two."""
    if len(items) < 2 or holdout <= 0:
        return items, items
    order = list(range(len(items)))
    random.Random(f"{seed}:{key}").shuffle(order)
    k = min(max(round(len(items) * holdout), 1), len(items) - 1)
    held = set(order[:k])
    return (tuple(x for i, x in enumerate(items) if i not in held),
            tuple(x for i, x in enumerate(items) if i in held))


def split_families(seed: int, holdout: float) -> tuple[set[str], set[str]]:
    """Hold out families within each (completeness, length) cell."""
    cells: dict[tuple[int, str], list[str]] = {}
    for fam in all_families():
        cells.setdefault((fam.completeness, fam.bucket), []).append(fam.name)
    train, test = set(), set()
    for key in sorted(cells):
        a, b = split_list(tuple(sorted(cells[key])), f"family{key}", seed, holdout)
        train |= set(a)
        test |= set(b)
    return train, test


def heldout_hard_groups(seed: int, holdout: float) -> set[int]:
    groups = list(range(HARD_GROUPS))
    random.Random(f"{seed}:hard").shuffle(groups)
    return set(groups[:max(round(HARD_GROUPS * holdout), 1)])


@dataclass
class Side:
    """What one side of the corpus draws from."""

    pools: dict[str, tuple[Entry, ...]]
    industries: dict[str, dict[str, tuple]]
    families: tuple[Family, ...]
    values: dict[str, tuple[str, ...]]
    faker: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unions: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _faker_values(seed: int) -> dict[str, tuple[str, ...]]:
    fake = Faker("ru_RU")
    fake.seed_instance(seed)
    surnames = tuple(fake.last_name_male() for _ in range(300))
    forms = ("ООО", "ООО", "ИП", "АО", "ООО", "ТД") * 40
    companies = tuple(f"ИП {name}" if form == "ИП" else f"{form} «{name}»"
                      for form, name in zip(forms, surnames, strict=False))
    return {"company": companies, "city": tuple(fake.city_name() for _ in range(200)),
            "street": tuple(fake.street_name() for _ in range(200)), "surname": surnames}


def build_side(seed: int, part: str = "all", holdout: float = 0.2) -> Side:
    """`part` is "all" (every pool and family), "train" or "test"."""
    idx = {"train": 0, "test": 1}.get(part)

    def half(items: tuple, key: str) -> tuple:
        return items if idx is None else split_list(items, key, seed, holdout)[idx]

    pools = {name: half(items, f"pool:{name}") for name, items in all_pools().items()}
    industries = {ind: {name: half(items, f"{ind}:{name}") for name, items in pools_.items()}
                  for ind, pools_ in all_industries().items()}
    data = load("pools")
    values = {name: tuple(data[name]) if name in SHARED_VALUES else half(tuple(data[name]), name)
              for name in VALUE_POOLS}
    if idx is None:
        families = all_families()
    else:
        keep = split_families(seed, holdout)[idx]
        families = tuple(f for f in all_families() if f.name in keep)
    faker_seed = seed * 1000 + {"all": 0, "train": 1, "test": 2}[part]
    unions = {name: tuple(members) for name, members in data["unions"].items()}
    return Side(pools, industries, families, values, _faker_values(faker_seed), unions)
