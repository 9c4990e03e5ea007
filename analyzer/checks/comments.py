"""Comment and communication checks: completeness, disrespect, off-channel
contact, contact reported but never logged, activity left uncommented."""

from __future__ import annotations

from datetime import timedelta

from analyzer.checks import check, finding
from analyzer.comments import CommentAnalysis, Evidence
from analyzer.ru import channel_name
from analyzer.schema import Comment

SLOT_NAMES = {"action": "что сделано", "result": "результат или позиция клиента",
              "next_step": "следующий шаг", "date": "срок следующего шага"}
QUOTE_LIMIT = 160


def comment_finding(code: str, comment: Comment, message: str, ev: Evidence | None = None,
                    **extra):
    fields = {"entity": "comment", "entity_id": comment.id, "field": "text", **extra}
    if ev is not None:
        fields.update(span=(ev.start, ev.end), evidence=ev.text[:QUOTE_LIMIT])
    return finding(code, message=message, trusted=True, **fields)


def incomplete(comment: Comment, a: CommentAnalysis, score: float, ctx):
    if score >= ctx.cfg("comments.incomplete_threshold", 0.5):
        return None
    missing = [SLOT_NAMES[k] for k, on in a.elements.items() if not on]
    message = "Неполный комментарий" + (": не указано — " + ", ".join(missing) if missing else "")
    if a.truncated:
        message += f" (проанализированы первые {len(a.view.original)} символов)"
    return comment_finding("comment.incomplete", comment, message, score=round(score, 3))


def _whole(a: CommentAnalysis) -> Evidence:
    return Evidence(0, len(a.view.original), a.view.original, "model")


def flagged(code: str, comment: Comment, a: CommentAnalysis, p: float, threshold: float):
    if p < threshold:
        return None
    rules = a.off_channel if code == "comms.off_channel" else a.disrespect
    ev = rules[0] if rules else _whole(a)
    if code == "comms.off_channel":
        message = f"Общение с клиентом вне каналов компании: «{ev.text[:QUOTE_LIMIT]}»"
    else:
        message = f"Неуважительно о клиенте в комментарии: «{ev.text[:QUOTE_LIMIT]}»"
    return comment_finding(code, comment, message, ev, score=round(p, 3))


def judge(comment: Comment, a: CommentAnalysis, ctx) -> list:
    """The comment-level findings of one comment (shared with `crmqa comments`)."""
    from models import comments as learned

    out = [incomplete(comment, a, learned.completeness(a), ctx),
           flagged("comment.disrespect", comment, a, learned.flag("disrespect", a),
                   ctx.cfg("comments.disrespect_threshold", 0.5)),
           flagged("comms.off_channel", comment, a, learned.flag("off_channel", a),
                   ctx.cfg("comments.off_channel_threshold", 0.5))]
    return [f for f in out if f is not None]


@check("comment.incomplete", "skills", "minor", entity="comment")
def comment_incomplete(deal, view, ctx):
    return [f for f in view.comment_findings if f.code == "comment.incomplete"]


@check("comment.disrespect", "scripts", "major", entity="comment")
def comment_disrespect(deal, view, ctx):
    return [f for f in view.comment_findings if f.code == "comment.disrespect"]


@check("comms.off_channel", "scripts", "critical", entity="comment")
def off_channel(deal, view, ctx):
    return [f for f in view.comment_findings if f.code == "comms.off_channel"]


_CLAUSE_ENDS = frozenset({",", ".", ";", "!", "?", "—", "–", ":", "("})
_ATTEMPTS = frozenset({"недозвон", "сбросить"})


def _clause(a: CommentAnalysis, i: int) -> range:
    toks = a.view.tokens
    lo = i
    while lo > 0 and toks[lo - 1].text not in _CLAUSE_ENDS:
        lo -= 1
    hi = i
    while hi + 1 < len(toks) and toks[hi + 1].text not in _CLAUSE_ENDS:
        hi += 1
    return range(lo, hi + 1)


def _done(a: CommentAnalysis, hit) -> bool:
    """The contact of this hit happened: its clause's nearest verb is in the past
    tense, or it is an attempt ("нд", "сбросил")."""
    if any(a.keys[i][0] in _ATTEMPTS for i in range(hit.start, hit.end)):
        return True
    verbs = [i for i in _clause(a, hit.start)
             if a.view.tokens[i].is_word and a.view.tokens[i].info.pos in ("VERB", "INFN")]
    if not verbs:
        return False
    nearest = min(verbs, key=lambda i: abs(i - hit.start))
    return "past" in a.view.tokens[nearest].info.grams


def reported_channels(a: CommentAnalysis) -> frozenset[str]:
    """Channels the comment says contact already went through (not planned ones)."""
    return a.derived("reported_channels",
                     lambda a: frozenset(hit.label for hit in a.channel_hits if _done(a, hit)))


@check("comms.unlogged", "scripts", "major", entity="comment")
def unlogged(deal, view, ctx):
    watched = set(ctx.cfg("comments.unlogged_channels", []) or [])
    window = timedelta(hours=ctx.cfg("comments.unlogged_window_hours", 48))
    for comment, a in view.comments:
        if comment.created_at is None:
            continue
        for channel in sorted(reported_channels(a) & watched):
            logged = any(m.channel == channel and m.created_at is not None
                         and abs(m.created_at - comment.created_at) <= window
                         for m in deal.messages)
            if not logged:
                yield comment_finding(
                    "comms.unlogged", comment,
                    f"В комментарии есть контакт с клиентом через «{channel_name(channel)}», "
                    f"но в CRM нет ни одного сообщения этого канала за ±{window.days or 1} дн.")


@check("comment.missing", "skills", "minor")
def missing(deal, view, ctx):
    window = timedelta(hours=ctx.cfg("comments.missing_window_hours", 24))
    stamps = [c.created_at for c in deal.comments if c.created_at is not None]
    events = [("звонков и сообщений", m.created_at) for m in deal.messages if m.created_at]
    events += [("смен этапа", s.entered_at) for s in sorted(deal.stage_history,
                                                            key=lambda s: s.entered_at)[1:]]
    bare: dict[str, int] = {}
    for kind, at in events:
        if not any(abs(at - t) <= window for t in stamps):
            bare[kind] = bare.get(kind, 0) + 1
    if not bare:
        return None
    parts = ", ".join(f"{n} {kind}" for kind, n in bare.items())
    return finding("comment.missing", entity_id=deal.id,
                   message=f"Действия по сделке без комментария: {parts}")
