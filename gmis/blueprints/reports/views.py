"""回答状況・回答一覧: answer status of a period, the responses of a date range and their CSV
export, for prefectures, cities and the national office. Each page is a GET form: without
JavaScript it reloads, with htmx only its results are replaced."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user

from gmis import pagination
from gmis.access import Permission, allow
from gmis.blueprints.reports import bp
from gmis.csv_export import Encoding, csv_response
from gmis.db import utcnow
from gmis.facilities.operations import area_choices, prefecture_choices
from gmis.filters import FilterError, parse_day
from gmis.models import FacilityType, ResponseStatus
from gmis.pagination import Page, page_number
from gmis.reports import exports, operations
from gmis.reports.operations import ResponseFilter, StatusFilter
from gmis.surveys.engine import periods


def _user():
    return current_user._get_current_object()


def _render(page: str, fragment: str, status: int = 200, **context):
    # A history restore after a cache miss needs the whole page, not the fragment.
    partial = request.htmx and not request.htmx.history_restore_request
    html = render_template(fragment if partial else page, **context)
    return html, status, {"Vary": "HX-Request"}


def _choices(user, prefecture_code: str) -> dict:
    """What the filter form offers, and what it was sent (kept when refused)."""
    page_args = dict(pagination.page_args(), survey_key=request.view_args["survey_key"])
    return dict(facility_types=list(FacilityType), prefectures=prefecture_choices(user),
                areas=area_choices(user, prefecture_code), args=request.args,
                page_args=page_args)


@bp.get("")
@allow(Permission.review_responses)
def index():
    return render_template("reports/index.html",
                           surveys=operations.overseen_surveys(_user()))


@bp.get("/<survey_key>/status")
@allow(Permission.review_responses)
def status(survey_key: str):
    user = _user()
    filters = StatusFilter.from_args(request.args, user)
    context = _choices(user, filters.prefecture_code)
    try:
        day = parse_day(request.args.get("date"), "日付", periods.today(utcnow()))
        target = operations.overseen(user, survey_key, day)
    except FilterError as error:
        return _render("reports/status.html", "reports/_status_results.html", 400,
                       error=error, survey_key=survey_key, target=None, **context)
    if not target.asks_facilities:
        return _render("reports/status.html", "reports/_status_results.html",
                       survey_key=survey_key, target=target, filters=filters,
                       organisations=operations.organisation_status(user, target), **context)
    result = operations.answer_status(user, target, filters)
    # The late answers of the period in the response list, with the same filters.
    late_url = url_for("reports.responses", survey_key=survey_key, late="1",
                       **{"from": target.period.start.isoformat(),
                          "to": target.period.start.isoformat()}, **filters.args())
    listing = Page.of(operations.not_answered(user, target, filters), page_number(),
                      total=result.total.not_answered)
    return _render("reports/status.html", "reports/_status_results.html",
                   survey_key=survey_key, target=target, filters=filters, result=result,
                   listing=listing, statuses=operations.statuses_of(target, listing.items),
                   late_url=late_url,
                   **context)


@bp.get("/<survey_key>/responses")
@allow(Permission.review_responses)
def responses(survey_key: str):
    user = _user()
    try:
        filters = ResponseFilter.from_args(request.args, user)
        target = operations.overseen(user, survey_key, periods.today(utcnow()))
    except FilterError as error:
        filters = StatusFilter.from_args(request.args, user)
        return _render("reports/responses.html", "reports/_response_results.html", 400,
                       error=error, survey_key=survey_key, target=None,
                       statuses=list(ResponseStatus), **_choices(user, filters.prefecture_code))
    listing = Page.of(operations.listed_responses(user, target.survey, filters), page_number())
    return _render("reports/responses.html", "reports/_response_results.html",
                   survey_key=survey_key, target=target, filters=filters, listing=listing,
                   statuses=list(ResponseStatus), **_choices(user, filters.prefecture_code))


@bp.get("/<survey_key>/export.csv")
@allow(Permission.review_responses)
def export(survey_key: str):
    """The responses of the list's filters as CSV: cp932 for Excel unless ``encoding`` asks
    for UTF-8. A filter that cannot be read shows the list page with the message."""
    user = _user()
    try:
        filters = ResponseFilter.from_args(request.args, user)
        encoding = Encoding.from_argument(request.args.get("encoding"))
        target = operations.overseen(user, survey_key, periods.today(utcnow()))
    except FilterError as error:  # the encoding too: an argument of the query
        filters = StatusFilter.from_args(request.args, user)
        return render_template("reports/responses.html", error=error,
                               survey_key=survey_key, target=None,
                               statuses=list(ResponseStatus),
                               **_choices(user, filters.prefecture_code)), 400
    return csv_response(exports.response_export(user, target.survey, filters), encoding,
                        audit_action="survey.responses_exported", audit_object=target.survey,
                        audit_details=dict(request.args))
