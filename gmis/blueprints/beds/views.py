"""地域病床見える化: the table of hospitals' latest figures (search as you type, sort, a summary
per area), a hospital's detail, the full-item view, and their CSV exports."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from gmis import pagination
from gmis.access import Permission, allow
from gmis.blueprints.beds import operations
from gmis.blueprints.beds.operations import FIGURES, SERVICE_LABELS, SERVICES, BedFilter, OutOfScope
from gmis.blueprints.surveys.operations import answers_view
from gmis.csv_export import Encoding, UnsupportedEncodingError, csv_response
from gmis.db import session
from gmis.facilities.operations import area_choices, prefecture_choices
from gmis.japan_time import to_tokyo
from gmis.pagination import Page, page_number
from gmis.surveys import runtime
from gmis.web import render_error

bp = Blueprint("beds", __name__, url_prefix="/beds")

PER_PAGE = 100
OUT_OF_SCOPE = "ほかの都道府県の病床情報は表示できません。"


def _user():
    return current_user._get_current_object()


@bp.errorhandler(OutOfScope)
def out_of_scope(error: OutOfScope):
    operations.refuse(_user(), str(error))
    return render_error(403, OUT_OF_SCOPE)


def _context(filters: BedFilter) -> dict:
    user = _user()
    page_args = pagination.page_args()
    return dict(filters=filters, figures=FIGURES, services=SERVICES,
                service_labels=SERVICE_LABELS, stale_before=operations.stale_before(),
                prefectures=prefecture_choices(user),
                areas=area_choices(user, filters.prefecture_code), args=request.args,
                page_args=page_args)


@bp.get("")
@allow(Permission.view_beds)
def index():
    user = _user()
    filters = BedFilter.of(request.args, user)
    survey = operations.survey_or_404()
    summary = operations.area_summary(user, survey, filters)
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
    survey = operations.survey_or_404()
    response = operations.latest_response(survey, facility)
    sections = answers_view(runtime.compiled(response.version), response) if response else []
    return render_template("beds/detail.html", facility=facility, response=response,
                           sections=sections, figures=FIGURES, services=SERVICES,
                           service_labels=SERVICE_LABELS,
                           stale_before=operations.stale_before(),
                           recent=operations.recent_responses(survey, facility))


@bp.get("/full")
@allow(Permission.view_beds)
def full():
    user = _user()
    filters = BedFilter.of(request.args, user)
    survey = operations.survey_or_404()
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
    survey = operations.survey_or_404()
    statement = operations.table_query(user, survey, filters)
    columns = operations.answer_columns(
        survey, operations.version_ids(statement),
        filters.prefecture_code or user.home_prefecture_code) if full_items else None
    stale = operations.stale_before()
    place = ["都道府県", "二次医療圏", "医療機関名", "医療機関コード", "電話番号"]
    reported = ["対象日", "報告日時", "古い情報"]
    figures = [*[label for _, _, label in FIGURES], *[f"{label}の受入" for _, label in SERVICES]]
    # The table's export: place, figures, report; the full items: place, report, every field.
    header = [*place, *reported, *columns.header] if columns is not None else [
        *place, *figures, *reported]

    def rows():
        result = session.execute(statement.execution_options(yield_per=1000))
        for row in result:
            place = [row.prefecture, row.area or "", row.name, row.code or "", row.phone]
            reported = [row.period_start.isoformat() if row.period_start else "",
                        to_tokyo(row.submitted_at),
                        "報告なし" if row.period_start is None else
                        ("古い" if row.period_start < stale else "")]
            if columns is not None:
                yield [*place, *reported, *columns.cells(row.version_id, row.answers)]
            else:
                yield [*place, *[getattr(row, key) for key, _, _ in FIGURES],
                       *[SERVICE_LABELS.get(getattr(row, field) or "", "")
                         for field, _ in SERVICES], *reported]

    name = "地域病床見える化_全項目.csv" if full_items else "地域病床見える化.csv"
    return csv_response(name, header, rows(), encoding,
                        audit_action="beds.exported", audit_details=dict(request.args))


@bp.get("/export.csv")
@allow(Permission.view_beds)
def export():
    return _export(BedFilter.of(request.args, _user()), full_items=False)


@bp.get("/full/export.csv")
@allow(Permission.view_beds)
def full_export():
    return _export(BedFilter.of(request.args, _user()), full_items=True)
