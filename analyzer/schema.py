"""The canonical deal, finding and report models (CONTRACT §1–§3).

Input models are lenient where the CRM is messy (ids may arrive as numbers,
unknown keys are ignored, lists may be missing) and strict where a wrong value
would make every check lie (an unknown status, a date that is not a date).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

Direction = Literal["attentiveness", "skills", "analytics", "scripts"]
Severity = Literal["info", "minor", "major", "critical"]
Entity = Literal["contact", "deal", "comment", "message", "task", "manager"]
Channel = Literal[
    "phone", "whatsapp", "telegram", "viber", "max", "vk", "instagram",
    "email", "sms", "site_chat", "meeting", "other",
]
DIRECTIONS: tuple[str, ...] = ("attentiveness", "skills", "analytics", "scripts")
SEVERITIES: tuple[str, ...] = ("info", "minor", "major", "critical")

Id = str
LOCAL_TZ = "Europe/Moscow"     # a time written without an offset is read as this zone
CHANNELS = frozenset(Channel.__args__)


def _aware(value: datetime) -> datetime:
    """Times without an offset (and bare dates) are local CRM time, never naive."""
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(LOCAL_TZ))


Time = Annotated[datetime, AfterValidator(_aware)]


class _In(BaseModel):
    """Base of every input model: ignore unknown keys, coerce numeric ids."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True,
                              str_strip_whitespace=False)


class Manager(_In):
    id: Id
    name: str | None = None
    team: str | None = None


class Document(_In):
    type: str
    created_at: Time | None = None
    name: str | None = None


class Contact(_In):
    id: Id | None = None
    name: str | None = None
    phones: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    company: str | None = None
    inn: str | None = None
    address: str | None = None

    @field_validator("phones", "emails", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        if v is None:
            return []
        if isinstance(v, (str, int)):
            return [str(v)]
        return [x for x in v if x is not None] if isinstance(v, list) else v


def _text(v: Any) -> Any:
    return "" if v is None else v


class Comment(_In):
    id: Id | None = None
    author_id: Id | None = None
    created_at: Time | None = None
    text: Annotated[str, BeforeValidator(_text)] = ""


class Message(_In):
    id: Id | None = None
    channel: Channel = "other"
    direction: Literal["in", "out"] = "out"
    created_at: Time | None = None
    text: Annotated[str, BeforeValidator(_text)] = ""

    @field_validator("channel", mode="before")
    @classmethod
    def _channel(cls, v: Any) -> Any:
        """"WhatsApp" → whatsapp; a channel we do not know (or none) → other."""
        low = str(v).strip().lower() if v is not None else "other"
        return low if low in CHANNELS else "other"
    author_id: Id | None = None


class Task(_In):
    id: Id | None = None
    type: str | None = None
    created_at: Time | None = None
    due_at: Time | None = None
    completed_at: Time | None = None
    text: str | None = None

    @property
    def is_open(self) -> bool:
        return self.completed_at is None


class StageEntry(_In):
    stage: str
    entered_at: Time


class Deal(_In):
    id: Id = Field(min_length=1)
    title: str | None = None
    pipeline: str | None = None
    stage: str | None = None
    status: Literal["open", "won", "lost"] = "open"
    created_at: Time | None = None
    stage_entered_at: Time | None = None
    closed_at: Time | None = None
    amount: float | None = None
    expected_close_date: date | None = None
    hold_reason: str | None = None
    manager: Manager | None = None
    fields: dict[str, Any] = Field(default_factory=dict)
    documents: list[Document] = Field(default_factory=list)
    contact: Contact | None = None
    comments: list[Comment] = Field(default_factory=list)
    messages: list[Message] = Field(default_factory=list)
    tasks: list[Task] = Field(default_factory=list)
    stage_history: list[StageEntry] = Field(default_factory=list)

    @field_validator("amount", mode="before")
    @classmethod
    def _amount(cls, v: Any) -> Any:
        """"185 000" and "1500,50" are amounts as CRMs export them."""
        if isinstance(v, str):
            cleaned = re.sub(r"[\s\u00a0\u202f]", "", v).replace(",", ".")
            return cleaned or None
        return v

    @field_validator("fields", mode="before")
    @classmethod
    def _fields_dict(cls, v: Any) -> Any:
        return {} if v is None else v

    @field_validator("documents", "comments", "messages", "tasks", "stage_history",
                     mode="before")
    @classmethod
    def _none_is_empty(cls, v: Any) -> Any:
        return [] if v is None else v

    @property
    def manager_id(self) -> str | None:
        return self.manager.id if self.manager else None


class Finding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    direction: Direction
    severity: Severity
    entity: Entity
    entity_id: str | None = None
    field: str | None = None
    span: tuple[int, int] | None = None
    evidence: str | None = None
    message: str
    suggestion: str | None = None
    score: float | None = None


class DealReport(BaseModel):
    """One output line of `crmqa score`."""

    deal_id: str
    manager_id: str | None
    created_at: datetime | None
    status: str
    risk: float
    scores: dict[str, float]
    findings: list[Finding]
    active_on: list[str] = Field(default_factory=list)   # local dates with any activity


class CommentIn(_In):
    """One input line of `crmqa comments`."""

    id: Id | None = None
    text: Annotated[str, BeforeValidator(_text)] = ""


class CommentReport(BaseModel):
    """One output line of `crmqa comments`."""

    id: str | None
    completeness: float
    elements: dict[str, bool]
    channels: list[str]
    findings: list[Finding]


class NormalizedContact(BaseModel):
    name: str | None
    phones: list[str]
    inn: str | None


class ContactReport(BaseModel):
    """One output line of `crmqa contacts`."""

    id: str | None
    normalized: NormalizedContact
    findings: list[Finding]


def explain(err: ValidationError, limit: int = 3) -> str:
    """A one-line, human-readable reason from a pydantic error (no input values:
    they may hold personal data)."""
    parts = []
    for e in err.errors()[:limit]:
        loc = ".".join(str(p) for p in e["loc"]) or "<root>"
        parts.append(f"{loc}: {e['msg']}")
    more = len(err.errors()) - limit
    if more > 0:
        parts.append(f"… and {more} more")
    return "; ".join(parts)
