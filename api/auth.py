"""Who is calling: an API token (hashed in the store, one account, one role),
a widget ticket (signed, short-lived, one deal), or amoCRM's one-time
X-Auth-Token on the widget page.

    @router.get("/x", dependencies=[...])
    def x(who: Principal = Depends(allow("qa", "admin"))): ...
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

from fastapi import Request

from api.errors import ApiError

TICKET_PREFIX = "t1."
READERS = ("qa", "supervisor", "head", "admin")
EVERYONE = (*READERS, "widget")


@dataclass(frozen=True, slots=True)
class Principal:
    account: str
    role: str
    token_id: int | None = None
    deal_id: str | None = None        # a ticket reaches only its own deal
    user: str | None = None

    def may_see(self, deal_id: str) -> bool:
        return self.deal_id is None or self.deal_id == deal_id


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_ticket(key: bytes, account: str, deal_id: str, ttl: int, user: str | None = None,
                now: float | None = None) -> str:
    payload = _b64(json.dumps({"a": account, "d": deal_id, "u": user,
                               "e": int((time.time() if now is None else now) + ttl)}).encode())
    mac = _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())
    return f"{TICKET_PREFIX}{payload}.{mac}"


def read_ticket(key: bytes, ticket: str, now: float | None = None) -> Principal | None:
    try:
        payload, mac = ticket.removeprefix(TICKET_PREFIX).split(".")
        good = _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(mac, good):
            return None
        data = json.loads(_unb64(payload))
        if data["e"] < (time.time() if now is None else now):
            return None
        return Principal(account=str(data["a"]), role="widget", deal_id=str(data["d"]),
                         user=data.get("u"))
    except (ValueError, KeyError, TypeError):
        return None


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise ApiError(401, "bad_authorization", "ожидался заголовок Authorization: Bearer <токен>")
    return value.strip()


def identify(request: Request, credential: str | None) -> Principal:
    if not credential:
        raise ApiError(401, "unauthorized")
    if credential.startswith(TICKET_PREFIX):
        who = read_ticket(request.app.state.signing_key, credential)
    else:
        row = request.app.state.store.token(credential)
        who = row and Principal(account=row.account, role=row.role, token_id=row.id)
    if who is None:
        raise ApiError(401, "invalid_token", "токен недействителен или отозван")
    return who


def caller(request: Request) -> Principal:
    """Who sent `request` (401 as an ApiError when nobody valid)."""
    return identify(request, _bearer(request))


def allow(*roles: str):
    """A dependency: the caller, who must hold one of `roles` (one dependency,
    not two: FastAPI's solving costs per level on every request)."""
    async def check(request: Request) -> Principal:
        who = caller(request)
        if who.role not in roles:
            raise ApiError(403, "forbidden", f"роль «{who.role}» не может выполнить этот запрос")
        return who
    return check


def visible(who: Principal, deal_id: str) -> None:
    """Another account's deal, or a ticket for another deal: not found (404),
    so a caller cannot even learn that it exists."""
    if not who.may_see(deal_id):
        raise ApiError(404, "not_found", "сделка не найдена")
