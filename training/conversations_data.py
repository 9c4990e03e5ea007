"""Data of the conversation corpus: phrase pools, industries and thread flows
(training/data/conversations/*.yaml), and the `Side` a corpus is drawn from —
everything, or the train or the held-out half of every pool and flow.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data" / "conversations"
STEPS = ("greeting", "needs", "offer", "objections", "closing")
KINDS = ("rudeness", "not_my_job", "dont_know", "promise", "ty_formal")
CHANNELS = ("whatsapp", "telegram", "max", "vk", "email", "site_chat")
STAGES = ("Новая заявка", "Квалификация", "Переговоры", "КП отправлено",
          "Согласование договора", "Ожидание оплаты")
REGISTERS = ("formal", "casual")
# file -> prefix of its pool names: steps keep their ids, forbidden kinds get
# "x.", hard negatives "h.", manager fillers "m.", client pools "c.".
POOL_FILES = {"steps": "", "forbidden": "x.", "hard": "h.", "manager": "m.", "client": "c."}
TY_FORMS = re.compile(r"\b(?:ты|тебя|тебе|тобой|тобою|твой|твоя|твоё|твое|твои|твоего|твоей|"
                      r"твоему|твоим|твоих|твою|твоими|твоём|твоем)\b", re.IGNORECASE)


@lru_cache(maxsize=16)
def load(name: str):
    with open(DATA_DIR / f"{name}.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@dataclass(frozen=True)
class Phrase:
    """A pool entry: template text, register (formal/casual/any) and topic."""

    text: str
    register: str = "any"
    topic: str = ""


@dataclass(frozen=True)
class Item:
    """A product in its cases, with the tasks and volumes that fit it."""

    nom: str
    gen: str
    dat: str
    acc: str
    gender: str
    tasks: tuple[str, ...] = ()
    qty: tuple[str, ...] = ()


def make_item(raw, industry: dict) -> Item:
    if isinstance(raw, str):
        return Item(*raw.split("|"), tasks=tuple(industry["tasks"]), qty=tuple(industry["qty"]))
    return Item(*raw["forms"].split("|"), tasks=tuple(raw["tasks"]), qty=tuple(raw["qty"]))


@dataclass(frozen=True)
class Side:
    """The pools, flows and silent variants one corpus is drawn from."""

    name: str
    pools: dict[str, tuple[Phrase, ...]]
    flows: dict[str, tuple[tuple[str, ...], ...]]
    silent: dict[str, tuple[str, ...]]


def flatten(tree, register: str = "any") -> list[Phrase]:
    """A pool's YAML (a list; {register: ...}; {topic: list}) as phrases."""
    if isinstance(tree, list):
        return [Phrase(str(t), register, "") for t in tree]
    out: list[Phrase] = []
    for key, sub in tree.items():
        if key in REGISTERS:
            out += flatten(sub, key)
        else:
            out += [Phrase(str(t), register, "" if key == "any" else key) for t in sub]
    return out


@lru_cache(maxsize=1)
def all_pools() -> dict[str, tuple[Phrase, ...]]:
    pools: dict[str, tuple[Phrase, ...]] = {}
    for name, prefix in POOL_FILES.items():
        for pool, tree in load(name).items():
            pools[prefix + pool] = tuple(flatten(tree))
    return pools


def groups(phrases: tuple[Phrase, ...]) -> dict[tuple[str, str], list[Phrase]]:
    out: dict[tuple[str, str], list[Phrase]] = {}
    for phrase in phrases:
        out.setdefault((phrase.register, phrase.topic), []).append(phrase)
    return out


def split_pool(name: str, phrases: tuple[Phrase, ...], seed: int) -> tuple[tuple, tuple]:
    """(train, test) halves of a pool: every (register, topic) group is
    shuffled by a seeded generator and cut 50/50 (the odd one to train)."""
    train: list[Phrase] = []
    test: list[Phrase] = []
    for (register, topic), members in groups(phrases).items():
        members = list(members)
        random.Random(f"conv-pool:{seed}:{name}:{register}:{topic}").shuffle(members)
        half = len(members) // 2
        test += members[:half]
        train += members[half:]
    return tuple(train), tuple(test)


def split_names(names: list[str], key: str, holdout: float) -> tuple[set[str], set[str]]:
    """(train, test) names: round(len * holdout) held out, at least one each side."""
    names = sorted(names)
    random.Random(key).shuffle(names)
    k = min(max(1, round(len(names) * holdout)), len(names) - 1)
    return set(names[k:]), set(names[:k])


def _flow(blocks) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(block) for block in blocks)


@lru_cache(maxsize=32)
def build_side(seed: int = 0, side: str = "all", holdout: float = 0.3) -> Side:
    """`all` = every pool entry and flow; `train`/`test` = one half of every
    pool (50/50) and the flows and silent variants kept or held out."""
    data = load("flows")
    flows = {name: _flow(blocks) for name, blocks in data["flows"].items()}
    silent = {name: tuple(beats) for name, beats in data["silent"].items()}
    pools = dict(all_pools())
    if side != "all":
        index = 0 if side == "train" else 1
        pools = {name: split_pool(name, phrases, seed)[index] for name, phrases in pools.items()}
        keep = split_names(list(flows), f"conv-flows:{seed}", holdout)[index]
        flows = {name: blocks for name, blocks in flows.items() if name in keep}
        keep = split_names(list(silent), f"conv-silent:{seed}", holdout)[index]
        silent = {name: beats for name, beats in silent.items() if name in keep}
    return Side(side, pools, flows, silent)


@lru_cache(maxsize=1)
def industries() -> dict[str, dict]:
    """Industry vocabularies (shared by both sides), items parsed."""
    out = {}
    for name, raw in load("industries").items():
        entry = dict(raw)
        entry["items"] = tuple(make_item(item, raw) for item in raw["items"])
        out[name] = entry
    return out


def ack_texts() -> set[str]:
    """Client acknowledgements: a thread may end on one without it being unanswered."""
    return {p.text for p in all_pools()["c.ack"]}


def template_regex(text: str) -> re.Pattern:
    """A regex matching every filling of a template (slots and agreement
    alternatives), for checking which pool a rendered span came from."""
    pattern, pos = [], 0
    for m in re.finditer(r"\{\{[^}]*\}\}|\[\[[^\]]*\]\]|\(\([^)]*\)\)|\{\w+\}", text):
        pattern.append(re.escape(text[pos:m.start()]))
        token = m.group()
        if token[0] == "{" and token[1] != "{":
            pattern.append(".+?")
        else:
            pattern.append("(?:" + "|".join(re.escape(x) for x in token[2:-2].split("|")) + ")")
        pos = m.end()
    pattern.append(re.escape(text[pos:]))
    return re.compile("".join(pattern), re.DOTALL)
