"""Script compliance of the logged conversation: missing steps, forbidden
phrases, client messages left without a reply in time."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from analyzer import conversation as conv
from analyzer.checks import check, finding
from analyzer.script import Script, load_script


@dataclass
class Thread:
    """What the checks need of a deal's conversation, computed once per deal."""

    script: Script
    channel: str | None
    manager_messages: int
    steps: dict[str, conv.Evidence] = field(default_factory=dict)
    forbidden: list[conv.Evidence] = field(default_factory=list)
    unanswered: list[conv.Unanswered] = field(default_factory=list)

    def required(self, stage: str | None) -> list[str]:
        return self.script.required_steps(stage, self.channel)

    def judged(self) -> bool:
        return self.manager_messages >= int(self.script.required.get("min_manager_messages", 3))

    def score(self, stage: str | None) -> float:
        """Share of the stage's required steps the conversation shows (1.0 when
        there is nothing to judge)."""
        need = self.required(stage)
        if not need or not self.judged():
            return 1.0
        return sum(s in self.steps for s in need) / len(need)


def thread_of(deal, ctx) -> Thread:
    from models.steps import model

    script = load_script(ctx.config)
    texts = [m for m in deal.messages if m.channel not in ("phone", "meeting")]
    ours = conv.manager_messages(texts)
    channels = Counter(m.channel for m in texts)
    t = Thread(script, channels.most_common(1)[0][0] if channels else None, len(ours))
    classify = model()
    for i, m in enumerate(ours):
        steps, bad = conv.analyse_message(m, script, first=i == 0, model=classify)
        for ev in steps:
            if ev.kind not in t.steps or ev.score > t.steps[ev.kind].score:
                t.steps[ev.kind] = ev
        t.forbidden += bad
    t.unanswered = conv.unanswered(deal.messages, script, ctx.now)
    return t


@check("script.step_missing", "scripts", "major")
def step_missing(deal, view, ctx):
    t = view.thread
    if not t.judged():
        return
    for step in t.required(deal.stage):
        if step not in t.steps:
            yield finding("script.step_missing", entity_id=deal.id, field="messages",
                          evidence=step,
                          message=f"В переписке с клиентом нет шага скрипта «{t.script.title(step)}» "
                                  f"(этап «{deal.stage}»)")


@check("script.forbidden", "scripts", "critical", entity="message")
def forbidden(deal, view, ctx):
    t = view.thread
    for ev in t.forbidden:
        yield finding("script.forbidden", entity_id=ev.message_id, field="text",
                      span=(ev.start, ev.end), evidence=ev.text,
                      message=f"Запрещённая фраза ({t.script.title(ev.kind)}): «{ev.text}»")


def _when(t, tz: str) -> str:
    return t.astimezone(ZoneInfo(tz)).strftime("%d.%m %H:%M")


@check("comms.no_reply", "scripts", "major", entity="message")
def no_reply(deal, view, ctx):
    tz = ctx.cfg("timezone", "Europe/Moscow")
    for u in view.thread.unanswered:
        m = u.message
        late = (f"ответ только {_when(u.replied_at, tz)}" if u.replied_at
                else "ответа в CRM нет")
        yield finding("comms.no_reply", entity_id=m.id, field="text",
                      evidence=m.text[:120] or None,
                      message=f"Клиент написал {_when(m.created_at, tz)} ({m.channel}), "
                              f"ответ нужен был до {_when(u.due, tz)}: {late}")
