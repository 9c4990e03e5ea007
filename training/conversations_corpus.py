"""A labeled corpus of CRM conversation threads between a sales manager and a
client (messengers, e-mail, site chat), for checking them against the sales
script.

Each thread lists its messages with, per manager message, the script steps
(greeting, needs, offer, objections, closing) and forbidden phrases (rudeness,
not_my_job, dont_know, promise, ty_formal) it contains and the character span
showing each; per thread the steps and forbidden kinds present and the client
messages left unanswered. Threads are built from flows (templates of who says
what, training/data/conversations/flows.yaml) changed by a thread kind:

* `full` — every step; `skip` — a random non-empty subset of steps missing
  (sometimes replaced by a hard negative: a bare hello, a vague next step);
* `forbidden` — one or two forbidden kinds injected (~15 % of threads);
* `unanswered_tail` — the last client message(s) get no reply;
  `unanswered_mid` — a client question in mid-thread is ignored;
* `silent` — the manager never answers.

The family is `<kind>.<flow>`. Labels come from the phrases actually rendered
(training/conversations_render.py), never from the family's intent. Pools,
flows and the split are described in training/data/README.md. Everything was
written from general knowledge of Russian sales talk; no dev, test or
production data was read.
"""

from __future__ import annotations

import random
from functools import lru_cache

from faker import Faker

from training.conversations_data import (
    CHANNELS,
    KINDS,
    STAGES,
    STEPS,
    Side,
    build_side,
    industries,
)
from training.conversations_inject import inject_forbidden, inject_hard
from training.conversations_plan import (
    Beat,
    Spec,
    assign_topics,
    drop_orphan_objections,
    drop_step,
    insert_qa,
    parse_flow,
)
from training.conversations_render import Thread, render
from training.conversations_shape import (
    add_bursts,
    cut_tail,
    drop_repeated_acks,
    fit_length,
    fix_tail,
    ignore_question,
    silent_plan,
)
from training.conversations_text import round_price

__all__ = ["CHANNELS", "FAMILY_KINDS", "KINDS", "STAGES", "STEPS", "generate", "generate_split"]

FAMILY_KINDS = {"full": 0.29, "skip": 0.30, "forbidden": 0.15, "unanswered_tail": 0.12,
                "unanswered_mid": 0.08, "silent": 0.06}
CHANNEL_WEIGHTS = {"whatsapp": 0.3, "telegram": 0.2, "max": 0.09, "vk": 0.07, "email": 0.17,
                   "site_chat": 0.17}
PERSONAS = {"polite": 0.4, "terse": 0.25, "annoyed": 0.15, "haggling": 0.2}
CASUAL_SHARE = (0.15, 0.5, 0.8)
P_SECOND_KIND, P_STALE_STAGE = 0.2, 0.1
SIDE_OFFSET = {"all": 0, "train": 1, "test": 2}


@lru_cache(maxsize=1)
def _faker() -> Faker:
    return Faker("ru_RU")


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _kind_plan(n: int, rng: random.Random) -> list[str]:
    """Thread kinds in their shares (largest remainder), shuffled."""
    raw = {kind: n * share for kind, share in FAMILY_KINDS.items()}
    counts = {kind: int(value) for kind, value in raw.items()}
    rest = sorted(raw, key=lambda k: raw[k] - counts[k], reverse=True)
    for kind in rest[:n - sum(counts.values())]:
        counts[kind] += 1
    plan = [kind for kind, count in counts.items() for _ in range(count)]
    rng.shuffle(plan)
    return plan


def _missing(kind: str, rng: random.Random) -> tuple[str, ...]:
    """Steps a thread leaves out: none for `full`, a non-empty subset for
    `skip`, sometimes a subset for the other kinds."""
    if kind in ("full", "silent") or (kind != "skip" and rng.random() >= 0.35):
        return ()
    p = 0.4 if kind == "skip" else 0.3
    while True:
        missing = tuple(s for s in STEPS if rng.random() < p)
        if missing:
            return missing


def _forbidden(kind: str, index: int, rng: random.Random) -> tuple[str, ...]:
    if kind != "forbidden":
        return ()
    first = KINDS[index % len(KINDS)]
    if rng.random() < P_SECOND_KIND:
        second = rng.choice([k for k in KINDS if k not in (first, "ty_formal")])
        return (first, second)
    return (first,)


def build_plan(side: Side, rng: random.Random, spec: Spec):
    if spec.kind == "silent":
        return silent_plan(side.silent[spec.flow], rng, spec)
    plan = parse_flow(side.flows[spec.flow])
    for step in spec.missing:
        drop_step(plan, step, rng, spec.email)
    drop_orphan_objections(plan)
    if not any(b.role == "m" for b in plan):         # every manager beat was a dropped step
        plan[:] = [Beat("c", ["c.inquiry"]), Beat("m", ["h.offer_generic"]),
                   Beat("c", ["c.react"]), Beat("m", ["h.vague_close"])]
    assign_topics(plan, spec, rng)
    for _ in range(rng.choice((0, 0, 1, 1, 1, 2, 3))):
        insert_qa(plan, rng, spec)
    inject_hard(plan, rng, spec)
    inject_forbidden(plan, rng, spec)
    add_bursts(plan, rng, spec)
    if spec.kind == "unanswered_tail":
        cut_tail(plan, rng)
    else:
        if spec.kind == "unanswered_mid":
            ignore_question(plan, rng, spec)
        fix_tail(plan)
    drop_repeated_acks(plan)
    fit_length(plan, rng, spec)
    return plan


def _people(fake: Faker, rng: random.Random, email: bool, b2b: bool) -> tuple[dict, str, str]:
    m_gender, c_gender = rng.choice("mf"), rng.choice("mf")
    suffix = {"m": "male", "f": "female"}
    first = getattr(fake, f"first_name_{suffix[m_gender]}")()
    last = getattr(fake, f"last_name_{suffix[m_gender]}")()
    c_first = getattr(fake, f"first_name_{suffix[c_gender]}")()
    c_middle = getattr(fake, f"middle_name_{suffix[c_gender]}")()
    c_last = getattr(fake, f"last_name_{suffix[c_gender]}")()
    formal_name = email and rng.random() < 0.7
    slots = {"me": first, "me_full": f"{first} {last}",
             "client": f"{c_first} {c_middle}" if formal_name else c_first,
             "cname": c_first, "cname_full": f"{c_first} {c_last}",
             "ccompany": fake.company() if b2b else "", "city": fake.city_name().split(" (")[0],
             "street": fake.street_name(), "colleague": fake.first_name_female()}
    return slots, m_gender, c_gender


def _thread_context(side: Side, rng: random.Random, fake: Faker, spec: Spec, name: str) -> Thread:
    ind = industries()[name]
    item = rng.choice(ind["items"])
    brand, rival = rng.sample(ind["brands"], 2)
    slots, m_gender, c_gender = _people(fake, rng, spec.email, ind["b2b"])
    slots.update({"co": brand, "brand": brand.strip("«»").replace(" ", ""), "rival": rival,
                  "item": item.nom, "item_gen": item.gen, "item_dat": item.dat, "item_acc": item.acc,
                  "task": rng.choice(item.tasks), "qty": rng.choice(item.qty),
                  "goal": rng.choice(ind["goal"]), "meet": rng.choice(ind["meet"]),
                  "doc": rng.choice(("КП", "коммерческое предложение", "предложение"))})
    lo, hi = ind["price"]
    return Thread(rng=rng, side=side, email=spec.email,
                  casual_share=rng.choice(CASUAL_SHARE), persona=spec.persona, industry=ind, item=item,
                  slots=slots, price=round_price(rng.uniform(lo, hi)), m_gender=m_gender,
                  c_gender=c_gender, b2b=ind["b2b"])


def _stage(steps: list[str], rng: random.Random) -> str:
    """The deal's CRM stage, as far as the talk got (sometimes not updated)."""
    if rng.random() < P_STALE_STAGE:
        return rng.choice(STAGES)
    if "closing" in steps:
        return rng.choice(("Переговоры", "Согласование договора", "Ожидание оплаты"))
    if "objections" in steps:
        return "Переговоры"
    if "offer" in steps:
        return "КП отправлено"
    return "Квалификация" if "needs" in steps else "Новая заявка"


def _thread(side: Side, rng: random.Random, fake: Faker, tid: str, kind: str,
            forbidden: tuple[str, ...]) -> dict:
    name = rng.choice(sorted(industries()))
    channel = "email" if "ty_formal" in forbidden else _weighted(rng, CHANNEL_WEIGHTS)
    flows = sorted(side.silent if kind == "silent" else side.flows)
    spec = Spec(kind=kind, flow=rng.choice(flows), email=channel == "email",
                persona=_weighted(rng, PERSONAS), topics=tuple(industries()[name]["topics"]),
                b2b=industries()[name]["b2b"], missing=_missing(kind, rng), forbidden=forbidden)
    plan = build_plan(side, rng, spec)
    th = _thread_context(side, rng, fake, spec, name)
    if channel == "site_chat":
        th.casual_share = min(th.casual_share, 0.3)
    messages, unanswered = render(plan, th)
    out_msgs = [m for m in messages if m["direction"] == "out"]
    steps = sorted({s for m in out_msgs for s in m["steps"]})
    return {"id": tid, "channel": channel, "stage": _stage(steps, rng), "industry": name,
            "family": f"{kind}.{spec.flow}", "messages": messages, "steps": steps,
            "forbidden": sorted({k for m in out_msgs for k in m["forbidden"]}),
            "unanswered": unanswered}


def _generate(side: Side, seed: int, n: int, start: int = 1) -> list[dict]:
    rng = random.Random(f"conversations:{seed}:{side.name}")
    fake = _faker()
    fake.seed_instance(seed * 7919 + SIDE_OFFSET[side.name])
    kinds = _kind_plan(n, rng)
    out, n_forbidden = [], 0
    for i, kind in enumerate(kinds):
        forbidden = _forbidden(kind, n_forbidden, rng)
        n_forbidden += kind == "forbidden"
        out.append(_thread(side, rng, fake, f"cv-{seed}-{start + i:05d}", kind, forbidden))
    return out


def generate(seed: int = 0, n: int = 600) -> list[dict]:
    """`n` labeled threads from every pool and flow, deterministic for a seed."""
    return _generate(build_side(seed, "all"), seed, n)


def generate_split(seed: int = 0, n: int = 600,
                   holdout: float = 0.3) -> tuple[list[dict], list[dict]]:
    """(train, test) with n - round(n * holdout) and round(n * holdout)
    threads. Test threads use only the held-out half of every phrase pool and
    the held-out flows (template families) and silent variants, with a
    different Faker seed; ids continue across the two lists."""
    n_test = round(n * holdout)
    train = _generate(build_side(seed, "train", holdout), seed, n - n_test)
    test = _generate(build_side(seed, "test", holdout), seed, n_test, start=n - n_test + 1)
    return train, test
