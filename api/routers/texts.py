"""/v1/comments/score and /v1/contacts/check: one text or card at a time."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request

from api.auth import READERS, Principal, allow
from api.routers.deps import as_list, scorer
from api.schemas import EXAMPLE_COMMENT, EXAMPLE_CONTACT, CommentsScored, ContactsChecked, ErrorOut
from api.scoring import Scorer

router = APIRouter(prefix="/v1", responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut},
                                            413: {"model": ErrorOut}})

CommentBody = Annotated[dict[str, Any] | list[Any], Body(
    description="{id, text} or a list of them (CONTRACT §3).", examples=[EXAMPLE_COMMENT])]
ContactBody = Annotated[dict[str, Any] | list[Any], Body(
    description="A client card (CONTRACT §1 `contact`) or a list of them.",
    examples=[EXAMPLE_CONTACT])]


@router.post("/comments/score", response_model=CommentsScored, tags=["comments"])
async def score_comments(request: Request, body: CommentBody, who: Principal = Depends(allow(*READERS)),
                   sc: Scorer = Depends(scorer)) -> CommentsScored:
    """Completeness, slots, channels and comment findings per comment."""
    reports, errors = sc.comments(as_list(body, request.app.state.settings.max_items))
    return CommentsScored(reports=reports, errors=errors)


@router.post("/contacts/check", response_model=ContactsChecked, tags=["contacts"])
async def check_contacts(request: Request, body: ContactBody, who: Principal = Depends(allow(*READERS)),
                   sc: Scorer = Depends(scorer)) -> ContactsChecked:
    """Client-card checks: name, nicknames, phones, INN; normalised values."""
    reports, errors = sc.contacts(as_list(body, request.app.state.settings.max_items))
    return ContactsChecked(reports=reports, errors=errors)
