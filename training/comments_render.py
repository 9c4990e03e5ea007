"""Filling a template into one comment while collecting what it contains.

Rendered text carries control marks until the end: \\x01...\\x02 protects a
span (channel words, dates, money) from typos and punctuation noise,
\\x03...\\x04 is the evidence span of an off-channel or disrespect phrase, and
\\x05k\\x05...\\x05 is a slot that can turn into a personal account or number
("в вотсап" -> "с личного вотсапа") when the comment is made off-channel.
"""

from __future__ import annotations

import random
import re

from training.comments_data import Entry, Side, load
from training.comments_values import VALUES

PROT_OPEN, PROT_CLOSE, EV_OPEN, EV_CLOSE, OFFER = "\x01", "\x02", "\x03", "\x04", "\x05"
PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[a-z_]+)?)\}")
OFFER_SLOT = re.compile("\x05(\\d+)\x05([^\x05]*)\x05")
INDUSTRY_SHARE = 0.45      # how often a pool phrase comes from the industry's own list
COMPANY_FORM = 0.07        # "в WhatsApp через CRM": an explicit company channel
COMPANY_PHONE = 0.06       # "позвонил с рабочего"
SURNAME_SHARE = 0.25


def protect(text: str) -> str:
    return f"{PROT_OPEN}{text}{PROT_CLOSE}"


def channels_data() -> dict:
    return load("channels")


class Comment:
    """One comment under construction: the labels its phrases add up to."""

    def __init__(self, side: Side, rng: random.Random, industry: str):
        self.side, self.rng, self.industry = side, rng, industry
        self.slots: set[str] = set()
        self.sub = False
        self.channels: set[str] = set()
        self.off = False
        self.dis = False
        self.offers: list[str] = []
        self.used: set[str] = set()

    # -- pools --------------------------------------------------------------

    def fill(self, text: str) -> str:
        text = text.replace("[", EV_OPEN).replace("]", EV_CLOSE)
        return PLACEHOLDER.sub(lambda m: self._value(m.group(1)), text)

    def add(self, entry: Entry) -> str:
        self.slots |= entry.slots
        self.sub = self.sub or entry.sub
        self.channels |= set(entry.channels)
        self.off = self.off or entry.off
        self.dis = self.dis or entry.dis
        return self.fill(entry.text)

    def pool(self, name: str) -> str:
        return self.add(self._pick(name))

    def _pick(self, name: str) -> Entry:
        if name in self.side.unions:
            members = self.side.unions[name]
            sizes = [len(self.side.pools.get(m, ())) + len(self.side.industries[self.industry].get(m, ()))
                     for m in members]
            return self._pick(self.rng.choices(members, weights=sizes)[0])
        generic = self.side.pools.get(name, ())
        own = self.side.industries[self.industry].get(name, ())
        pool = own if own and (not generic or self.rng.random() < INDUSTRY_SHARE) else generic
        fresh = [e for e in pool if e.text not in self.used] or pool   # no phrase twice
        entry = self.rng.choice(fresh)
        self.used.add(entry.text)
        return entry

    # -- values -------------------------------------------------------------

    def _value(self, key: str) -> str:
        head, _, tail = key.partition(".")
        if key in self.side.pools or key in self.side.unions:
            return self.pool(key)
        if head in ("to", "via"):
            return self.channel(tail, personal_ok=head == "to")
        if key == "ph":
            return self.phone()
        if key in VALUES:
            return protect(VALUES[key](self.rng))
        return self._word(key)

    def _word(self, key: str) -> str:
        rng, own = self.rng, self.side.industries[self.industry]
        if key in ("product", "topic"):
            return rng.choice(own[key])
        if key == "doc":
            return rng.choice(self.side.values["doc"] + own.get("doc", ()))
        if key in ("name_m", "name_f"):
            name = rng.choice(self.side.values[f"names_{key[-1]}"])
            if rng.random() < SURNAME_SHARE:
                surname = rng.choice(self.side.faker["surname"])
                name += " " + (surname + "а" if key == "name_f" and surname[-1] in "вн" else surname)
            return name
        if key in self.side.faker:
            return rng.choice(self.side.faker[key])
        if key in self.side.values:
            fresh = [v for v in self.side.values[key] if v not in self.used] or self.side.values[key]
            value = rng.choice(fresh)
            self.used.add(value)
            return self.fill(value)
        raise KeyError(f"unknown placeholder {{{key}}}")

    # -- channels -----------------------------------------------------------

    def _resolve_channel(self, which: str) -> str:
        data = channels_data()
        if which in ("msg", "any"):
            weights = data[f"{which}_weights"]
            return self.rng.choices(list(weights), weights=list(weights.values()))[0]
        return which

    def channel(self, which: str, personal_ok: bool) -> str:
        """A channel phrase. A manager's message ({to.X}) may later turn into
        a personal account; the client's side ({via.X}) never does."""
        data, rng = channels_data(), self.rng
        ch = self._resolve_channel(which)
        self.channels.add(ch)
        text = rng.choice(data["to"][ch])
        if not personal_ok:
            return protect(text)
        if ch in data["company"] and rng.random() < COMPANY_FORM:
            return protect(rng.choice(data["company"][ch]))
        if ch not in data["personal"]:
            return protect(text)
        self.offers.append(rng.choice(data["personal"][ch]))
        return f"{OFFER}{len(self.offers) - 1}{OFFER}{protect(text)}{OFFER}"

    def phone(self) -> str:
        """After a phone verb: usually nothing, sometimes " с рабочего"; can
        turn into " со своего мобильного" when the comment goes off-channel."""
        data, rng = channels_data(), self.rng
        self.channels.add("phone")
        plain = protect(rng.choice(data["phone_company"])) if rng.random() < COMPANY_PHONE else ""
        self.offers.append(rng.choice(data["phone_off"]))
        return f"{OFFER}{len(self.offers) - 1}{OFFER}{plain}{OFFER}"

    def resolve(self, text: str, chosen: int | None) -> str:
        """Render the off-capable slots; slot `chosen` as a personal account."""
        def one(m: re.Match) -> str:
            if chosen is None or int(m.group(1)) != chosen:
                return m.group(2)
            phrase = self.offers[chosen]
            lead = phrase[: len(phrase) - len(phrase.lstrip())]
            return f"{lead}{EV_OPEN}{phrase.strip()}{EV_CLOSE}"

        if chosen is not None:
            self.off = True
        return OFFER_SLOT.sub(one, text)
