"""Request and response bodies of the HTTP API (CONTRACT §4). Deal, comment
and contact bodies are the canonical shapes of CONTRACT §1–3."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from analyzer.schema import CommentReport, ContactReport, DealReport, Finding

EXAMPLE_DEAL = {
    "id": "D-1042", "title": "Кухня на заказ", "stage": "КП отправлено", "status": "open",
    "created_at": "2026-11-20T10:00:00+03:00", "stage_entered_at": "2026-11-21T12:00:00+03:00",
    "amount": 185000, "expected_close_date": "2026-12-05",
    "manager": {"id": "m7", "name": "Анна Смирнова", "team": "Группа 1"},
    "contact": {"id": "c1", "name": "Петров Иван Сергеевич", "phones": ["+7 916 123-45-67"]},
    "comments": [{"id": "k1", "created_at": "2026-11-21T12:05:00+03:00",
                  "text": "Звонил, отправил КП на почту. Клиент думает, перезвонить 24.11 в 11:00"}],
    "tasks": [{"id": "t1", "text": "Перезвонить по КП", "due_at": "2026-11-24T11:00:00+03:00"}],
}
EXAMPLE_COMMENT = {"id": "k1", "text": "нд 2р, скинул КП в вотсап, перезв. завтра 11:00"}
EXAMPLE_CONTACT = {"id": "c1", "name": "иванова мария (истеричка)", "phones": ["89161234567"],
                   "inn": "7707083893"}


class ErrorBody(BaseModel):
    code: str = Field(examples=["invalid_token"])
    message: str = Field(examples=["токен недействителен или отозван"])


class ErrorOut(BaseModel):
    error: ErrorBody


class ItemError(BaseModel):
    index: int = Field(description="Position of the item in the request (0-based).")
    reason: str


class DealsScored(BaseModel):
    reports: list[DealReport]
    errors: list[ItemError] = Field(default_factory=list)


class CommentsScored(BaseModel):
    reports: list[CommentReport]
    errors: list[ItemError] = Field(default_factory=list)


class ContactsChecked(BaseModel):
    reports: list[ContactReport]
    errors: list[ItemError] = Field(default_factory=list)


class StoredReport(BaseModel):
    """What the widget shows: the deal's latest report and auditors' verdicts."""

    deal_id: str
    risk: float
    scores: dict[str, float]
    findings: list[Finding]
    scored_at: datetime
    models: dict[str, int]
    labels: list[LabelOut] = Field(default_factory=list)


class SampleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["qa", "supervisor", "head"] | None = Field(
        None, description="Whose sample (default: the caller's role; qa for admin).")
    date: dt.date | None = Field(None, description="The audit day (default: today).")
    rate: float | None = Field(None, ge=0, le=1, description="Quota share (default: the role's).")
    seed: int = Field(0, ge=0, le=2**31 - 1)


class SampledDeal(BaseModel):
    deal_id: str
    inclusion_probability: float
    risk: float
    manager_id: str | None = None
    reason: str


class SampleOut(BaseModel):
    id: int
    summary: dict[str, Any]
    deals: list[SampledDeal]


Verdict = Literal["confirmed", "rejected", "value"]


class LabelIn(BaseModel):
    """One auditor verdict: on a finding (confirmed/rejected), on a comment
    (value: {"completeness": 0|1|2, "off_channel": bool}) or on a deal (value:
    {"attentiveness": "pass"|"fail", …})."""

    model_config = ConfigDict(extra="forbid")

    deal_id: str = Field(min_length=1, max_length=128)
    target: Literal["finding", "comment", "deal"] = "finding"
    code: str | None = Field(None, max_length=128, examples=["comment.incomplete"])
    entity_id: str | None = Field(None, max_length=128)
    verdict: Verdict
    value: dict[str, Any] | None = None
    auditor: str | None = Field(None, max_length=128)
    key: str | None = Field(None, max_length=128, description="Idempotency key: a label sent "
                            "twice with one key is stored once (default: from its content).")

    def row(self, auditor: str | None, pi: float | None) -> dict:
        fields = self.model_dump(exclude={"key"})
        fields["auditor"] = self.auditor or auditor
        key = self.key or hashlib.sha256(json.dumps(fields, sort_keys=True, default=str)
                                         .encode()).hexdigest()[:64]
        return {**fields, "key": key, "inclusion_probability": pi}


class LabelOut(BaseModel):
    id: int
    deal_id: str
    target: str
    code: str | None
    entity_id: str | None
    verdict: str
    value: dict[str, Any] | None
    auditor: str | None
    inclusion_probability: float | None
    created_at: datetime


class LabelsStored(BaseModel):
    stored: int
    duplicates: int
    ids: list[int]


class TicketIn(BaseModel):
    deal_id: str = Field(min_length=1, max_length=128)


class TicketOut(BaseModel):
    ticket: str
    expires_in: int
    url: str


StoredReport.model_rebuild()


class RetrainIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: Literal["risk", "completeness", "off_channel", "nickname"] = Field(
        "risk", description="The model family.")


class JobOut(BaseModel):
    id: int
    kind: str
    status: Literal["queued", "running", "done", "failed"]
    stage: str | None = None
    result: dict[str, Any] | None = None


class CheckQuality(BaseModel):
    code: str
    coverage: float = Field(description="Share of the account's deals the check fires on.")
    verdicts: int
    precision: float | None = Field(description="Confirmed / judged (None: not judged yet).")


class AuditorLeniency(BaseModel):
    auditor: str
    labels: int
    confirmed: float
    median_confirmed: float
    flag: str = Field(description='"мягкий", "строгий" or empty')


class Agreement(BaseModel):
    auditors: list[str]
    directions: dict[str, dict[str, Any]]


class QualityOut(BaseModel):
    checks: list[CheckQuality]
    auditors: list[AuditorLeniency]
    agreement: list[Agreement]


def json_errors(*statuses: int) -> dict:
    """OpenAPI error responses as JSON even on routes that answer HTML or text."""
    return {s: {"model": ErrorOut, "content": {"application/json": {}}} for s in statuses}
