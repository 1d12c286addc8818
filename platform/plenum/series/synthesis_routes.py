"""The synthesis page of a series: demands with their origins, the proposals no demand
took yet, suggested groups, and the steps of the synthesis group (merge, split, keep a
variant, reject a suggestion), each logged with who and why."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plenum.auth.permissions import Action
from plenum.errors import N_, DomainError, NotFound, PermissionDenied, ValidationFailed
from plenum.motions.models import DECISIONS, Motion
from plenum.parsing import parse_int
from plenum.series import breakdown, decision, evaluation, forms, synthesis
from plenum.series.routes import Seen, require, seen
from plenum.series.service import phase_of
from plenum.series.synthesis import DemandInput
from plenum.web.dbsession import db
from plenum.web.forms import form_items
from plenum.web.htmx import see_other
from plenum.web.pages import render
from plenum.web.templating import flash, path_for

Items = list[tuple[str, str]]
MANAGING = ("draft", "fate", "evaluate")  # the board's steps; the others are the synthesis group's


def synthesis_page(request: Request) -> Response:
    return _page(request, seen(request))


def _page(
    request: Request,
    found: Seen,
    items: Items | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    form: str = "",
) -> Response:
    values = dict(items or [])
    series = found.at.series
    motion = db(request).get(Motion, series.motion_id) if series.motion_id else None
    found_ranks = evaluation.ranks(found.at, session=db(request))
    published = found_ranks.published
    shown = synthesis.overview(found.at, with_suggestions=found.may.synthesise, session=db(request))
    context: dict[str, Any] = {
        "at": found.at,
        "series": found.at.series,
        "may": found.may,
        "shown": shown,
        "open": phase_of(found.at.series) in synthesis.OPEN_PHASES,
        "calls_options": [
            (str(call.id), f"{call.title} ({body.name})")
            for call, body in decision.open_calls(found.at, found.principal, session=db(request))
        ]
        if found.may.manage and series.motion_id is None
        else [],
        "motion": motion,
        "decided": motion is not None and motion.status in DECISIONS,
        "ranks": found_ranks,
        "regions": evaluation.by_region(found.at, found_ranks, session=db(request))
        if published
        else [],
        "breakdowns": [
            (dimension, breakdown.rows(series, dimension, session=db(request)))
            for dimension in breakdown.DIMENSIONS
        ]
        if published
        else [],
        "option_of": {
            item.demand.option_id: item.demand.title
            for item in shown.demands
            if item.demand.option_id
        },
        "values": values,
        "ticked": set(forms.chosen_ids(items or [], "proposals")),
        "errors": errors or {},
        "form": form,
    }
    return render(request, "series/synthesis.html", context, status_code)


def _back(request: Request, found: Seen, anchor: str = "") -> Response:
    path = path_for(request, "series_synthesis", id=found.at.series.id)
    return see_other(request, path + anchor)


async def _steps(request: Request) -> Response:
    items = await form_items(request)
    response: Response = await run_in_threadpool(_step, request, items)
    return response


def _step(request: Request, items: Items) -> Response:
    found = seen(request, lock=True)
    name = request.path_params["step"]
    require(found.may.synthesise or name in MANAGING, Action.SYNTHESISE)
    values = {k: v.strip() for k, v in items}
    step = STEPS.get(name)
    if step is None:
        raise NotFound(N_("This page does not exist."))
    try:
        done = step(found, values, items, db(request))
    except (PermissionDenied, NotFound):
        raise
    except ValidationFailed as exc:
        return _page(request, found, items, exc.errors, 422, form=values.get("form_id", name))
    except DomainError as exc:
        refused = {"form": exc.message}
        return _page(request, found, items, refused, 409, form=values.get("form_id", name))
    flash(request, done)
    if name == "draft" and found.at.series.motion_id:
        return see_other(request, path_for(request, "motion", id=found.at.series.motion_id))
    return _back(request, found, "#demands")


def _merge(found: Seen, values: dict[str, str], items: Items, session: Any) -> str:
    errors: dict[str, str] = {}
    reason = forms.parse_reason(values, errors)
    target = parse_int(values.get("target")) if values.get("target") else None
    data = None
    if target is None:
        data = DemandInput(*forms.parse_demand(values, errors))
    if errors:
        raise ValidationFailed(errors)
    synthesis.merge(
        found.at,
        forms.chosen_ids(items, "proposals"),
        data,
        target,
        reason,
        found.may,
        principal=found.principal,
        session=session,
    )
    return N_("The proposals have been merged into the demand.")


def _split(found: Seen, values: dict[str, str], items: Items, session: Any) -> str:
    errors: dict[str, str] = {}
    reason = forms.parse_reason(values, errors)
    parts = [DemandInput(*forms.parse_demand(values, errors, f"_{n}")) for n in (1, 2)]
    proposal = parse_int(values.get("proposal"))
    if errors:
        raise ValidationFailed(errors)
    synthesis.split(
        found.at,
        proposal or 0,
        parts,
        reason,
        found.may,
        principal=found.principal,
        session=session,
    )
    return N_("The proposal has been split into two demands.")


def _variant(found: Seen, values: dict[str, str], items: Items, session: Any) -> str:
    errors: dict[str, str] = {}
    reason = forms.parse_reason(values, errors)
    data = DemandInput(*forms.parse_demand(values, errors))
    if errors:
        raise ValidationFailed(errors)
    synthesis.add_variant(
        found.at,
        parse_int(values.get("target")) or 0,
        data,
        forms.chosen_ids(items, "proposals"),
        reason,
        found.may,
        principal=found.principal,
        session=session,
    )
    return N_("The variant is kept beside the demand.")


def _reject(found: Seen, values: dict[str, str], items: Items, session: Any) -> str:
    errors: dict[str, str] = {}
    reason = forms.parse_reason(values, errors)
    if errors:
        raise ValidationFailed(errors)
    synthesis.reject(
        found.at,
        values.get("key", ""),
        reason,
        found.may,
        principal=found.principal,
        session=session,
    )
    return N_("The suggestion will not be made again.")


def _draft(found: Seen, values: dict[str, str], items: Items, session: Any) -> str:
    require(found.may.manage, Action.MANAGE_SERIES)
    call = parse_int(values.get("call")) or 0
    decision.draft_motion(found.at, call, found.may, principal=found.principal, session=session)
    return N_("The motion has been drafted from the demands. Check it, change it, submit it.")


def _fate(found: Seen, values: dict[str, str], items: Items, session: Any) -> str:
    require(found.may.manage, Action.MANAGE_SERIES)
    errors: dict[str, str] = {}
    reason = forms.parse_reason(values, errors)
    if errors:
        raise ValidationFailed(errors)
    demand = parse_int(values.get("demand")) or 0
    decision.record_fate(
        found.at, demand, values.get("fate", ""), reason, found.may, session=session
    )
    return N_("The fate of the demand has been recorded; everyone who took part is told.")


def _evaluate(found: Seen, values: dict[str, str], items: Items, session: Any) -> str:
    require(found.may.manage, Action.MANAGE_SERIES)
    evaluation.start(found.at, found.may, principal=found.principal, session=session)
    return N_("The members' evaluation is open: every member of the chapter can rank the demands.")


STEPS = {
    "merge": _merge,
    "split": _split,
    "variant": _variant,
    "reject": _reject,
    "draft": _draft,
    "fate": _fate,
    "evaluate": _evaluate,
}

routes = [
    Route("/series/{id:int}/synthesis", synthesis_page, name="series_synthesis"),
    Route(
        "/series/{id:int}/synthesis/{step}",
        _steps,
        methods=["POST"],
        name="series_synthesis_step",
    ),
]
