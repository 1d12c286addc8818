"""Pages of a survey's evaluation and its exports: the results (broken down by a GET
form that needs no JavaScript), the free-text answers, and CSV and XLSX files."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plenum.auth.permissions import Action
from plenum.surveys import export
from plenum.surveys.access import SurveyPlace
from plenum.surveys.results import available, results, texts
from plenum.surveys.seen import require, seen
from plenum.surveys.service import question_of
from plenum.surveys.smallest import SMALLEST
from plenum.web.dbsession import db
from plenum.web.pages import render

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def results_page(request: Request) -> Response:
    seen_here = seen(request)
    at, may = seen_here.at, seen_here.may
    require(may.results, Action.SEE_SURVEY_RESULTS)
    by = request.query_params.get("by", "")
    context: dict[str, Any] = {
        "at": at,
        "survey": at.survey,
        "may": may,
        "shown": results(at, session=db(request), by=by),
        "smallest": SMALLEST,
    }
    return render(request, "surveys/results.html", context)


def texts_page(request: Request) -> Response:
    seen_here = seen(request)
    at, may = seen_here.at, seen_here.may
    require(may.raw and available(at.survey), Action.SEE_RAW_ANSWERS)
    session = db(request)
    question = question_of(at, request.path_params["question"], session=session)
    page = request.query_params.get("page", "1")
    listed = texts(
        at,
        question,
        session=session,
        search=request.query_params.get("q", ""),
        page=int(page) if page.isdigit() else 1,
    )
    context = {"at": at, "survey": at.survey, "shown": listed}
    return render(request, "surveys/texts.html", context)


def _rows(request: Request) -> tuple[SurveyPlace, list[list[export.Cell]], str]:
    seen_here = seen(request)
    at, may = seen_here.at, seen_here.may
    require(may.export and may.results, Action.EXPORT_SURVEY)
    session = db(request)
    if request.query_params.get("raw") == "1":
        require(may.raw and not at.survey.anonymous, Action.SEE_RAW_ANSWERS)
        return at, export.raw_rows(at, session=session), "raw"
    return at, export.aggregate_rows(at, session=session), "results"


def _download(
    request: Request, made: Callable[[list[list[export.Cell]], str], bytes], ext: str, kind: str
) -> Response:
    at, rows, what = _rows(request)
    slug = re.sub(r"[^a-z0-9]+", "-", at.survey.title.casefold()).strip("-")[:40] or "survey"
    name = f"survey-{at.survey.id}-{slug}-{what}.{ext}"
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",
    }
    return Response(made(rows, at.survey.title), media_type=kind, headers=headers)


def export_csv(request: Request) -> Response:
    return _download(request, lambda rows, _title: export.as_csv(rows), "csv", "text/csv")


def export_xlsx(request: Request) -> Response:
    return _download(request, export.as_xlsx, "xlsx", XLSX)


routes: list[BaseRoute] = [
    Route("/surveys/{id:int}/results", results_page, name="survey_results"),
    Route(
        "/surveys/{id:int}/results/texts/{question:int}", texts_page, name="survey_results_texts"
    ),
    Route("/surveys/{id:int}/export.csv", export_csv, name="survey_export_csv"),
    Route("/surveys/{id:int}/export.xlsx", export_xlsx, name="survey_export_xlsx"),
]
