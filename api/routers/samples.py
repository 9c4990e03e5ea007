"""/v1/samples: draw a role's risk-weighted audit sample from the stored reports."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.auth import READERS, Principal, allow
from api.errors import ApiError
from api.routers.deps import scorer, store
from api.schemas import ErrorOut, SampleIn, SampleOut
from api.scoring import Scorer
from api.store import Store

router = APIRouter(prefix="/v1/samples", tags=["samples"],
                   responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}})

MAY_DRAW = {"qa": {"qa"}, "supervisor": {"supervisor"}, "head": {"qa", "supervisor", "head"},
            "admin": {"qa", "supervisor", "head"}}


@router.post("", response_model=SampleOut, responses={422: {"model": ErrorOut}})
def draw_sample(body: SampleIn, who: Principal = Depends(allow(*READERS)),
                s: Store = Depends(store), sc: Scorer = Depends(scorer)) -> SampleOut:
    """Draw the sample (every deal of the period keeps a chance; π recorded per
    deal) and the population estimates; the sample is stored."""
    from crmqa import sample as sampler

    role = body.role or (who.role if who.role in MAY_DRAW["admin"] else "qa")
    if role not in MAY_DRAW[who.role]:
        raise ApiError(403, "forbidden", f"роль «{who.role}» не составляет выборку «{role}»")
    day = body.date or sc.now().date()
    lines, summary, _ = sampler.run(s.report_lines(who.account), role, day, sc.config,
                                    body.rate, body.seed)
    sample_id = s.put_sample(who.account, role, day.isoformat(), body.seed, summary, lines)
    return SampleOut(id=sample_id, summary=summary, deals=lines)
