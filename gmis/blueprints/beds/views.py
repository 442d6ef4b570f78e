"""地域病床見える化: the table of hospitals' latest figures (search as you type, sort, a summary
per area), a hospital's detail, the full-item view, and their CSV exports."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_login import current_user

from gmis import pagination
from gmis.access import Permission, allow
from gmis.beds import exports, operations
from gmis.beds.operations import FIGURES, SERVICE_LABELS, SERVICES, BedFilter
from gmis.blueprints.beds import bp
from gmis.csv_export import Encoding, UnsupportedEncodingError, csv_response
from gmis.facilities.operations import area_choices, prefecture_choices
from gmis.pagination import Page, page_number
from gmis.surveys import runtime
from gmis.surveys.answering import answers_view
from gmis.surveys.store import latest
from gmis.web import render_error

PER_PAGE = 100


def _user():
    return current_user._get_current_object()


def _stale_days() -> int:
    return current_app.config["BED_STALE_DAYS"]


def _context(filters: BedFilter) -> dict:
    user = _user()
    page_args = pagination.page_args()
    return dict(filters=filters, figures=FIGURES, services=SERVICES,
                service_labels=SERVICE_LABELS, stale_before=operations.stale_before(_stale_days()),
                prefectures=prefecture_choices(user),
                areas=area_choices(user, filters.prefecture_code), args=request.args,
                page_args=page_args)


@bp.get("")
@allow(Permission.view_beds)
def index():
    user = _user()
    filters = BedFilter.from_args(request.args, user)
    survey = operations.bed_survey()
    summary = operations.area_summary(user, survey, filters, _stale_days())
    listing = Page.of(operations.table_query(user, survey, filters), page_number(),
                      per_page=PER_PAGE, rows=True, total=sum(s.hospitals for s in summary))
    context = dict(listing=listing, summary=summary, **_context(filters))
    partial = request.htmx and not request.htmx.history_restore_request
    html = render_template("beds/_results.html" if partial else "beds/index.html", **context)
    return html, 200, {"Vary": "HX-Request"}


@bp.get("/hospitals/<int:facility_id>")
@allow(Permission.view_beds)
def detail(facility_id: int):
    user = _user()
    facility = operations.hospital_in_scope(user, facility_id)
    survey = operations.bed_survey()
    response = latest.response_of(survey, facility)
    sections = answers_view(runtime.compiled(response.version), response) if response else []
    return render_template("beds/detail.html", facility=facility, response=response,
                           sections=sections, figures=FIGURES, services=SERVICES,
                           service_labels=SERVICE_LABELS,
                           stale_before=operations.stale_before(_stale_days()),
                           recent=operations.recent_responses(survey, facility))


@bp.get("/full")
@allow(Permission.view_beds)
def full():
    user = _user()
    filters = BedFilter.from_args(request.args, user)
    survey = operations.bed_survey()
    listing = Page.of(operations.table_query(user, survey, filters), page_number(),
                      per_page=50, rows=True)
    columns = operations.answer_columns(
        survey, {row.version_id for row in listing.items if row.version_id},
        filters.prefecture_code or user.home_prefecture_code)
    cells = {row.id: columns.cells(row.version_id, row.answers) for row in listing.items}
    return render_template("beds/full.html", listing=listing, header=columns.header,
                           cells=cells, **_context(filters))


def _export(filters: BedFilter, full_items: bool):
    user = _user()
    try:
        encoding = Encoding.from_argument(request.args.get("encoding"))
    except UnsupportedEncodingError as error:
        return render_error(400, str(error))
    survey = operations.bed_survey()
    statement = operations.table_query(user, survey, filters)
    columns = operations.answer_columns(
        survey, operations.version_ids(statement),
        filters.prefecture_code or user.home_prefecture_code) if full_items else None
    export = exports.bed_export(statement, columns, operations.stale_before(_stale_days()))
    return csv_response(export, encoding, audit_action="beds.exported",
                        audit_details=dict(request.args))


@bp.get("/export.csv")
@allow(Permission.view_beds)
def export():
    return _export(BedFilter.from_args(request.args, _user()), full_items=False)


@bp.get("/full/export.csv")
@allow(Permission.view_beds)
def full_export():
    return _export(BedFilter.from_args(request.args, _user()), full_items=True)
