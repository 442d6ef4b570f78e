"""Review of emergency supply requests by prefectures (their own) and the national office:
the queue, accept (受付完了) or return with a comment, totals per prefecture and day, CSV."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from gmis import pagination
from gmis.access import Permission, allow, nationwide
from gmis.blueprints.sos import bp
from gmis.blueprints.sos.forms import AcceptForm, ReturnForm
from gmis.blueprints.sos.pages import current, detail_page, request_in_scope
from gmis.csv_export import Encoding, UnsupportedEncodingError, csv_response
from gmis.db import session
from gmis.facilities.operations import area_choices, prefecture_choices
from gmis.filters import FilterError, parse_day
from gmis.models import SosStatus
from gmis.pagination import Page, page_number
from gmis.sos import exports, operations
from gmis.sos.operations import QueueFilter
from gmis.sos.rules import rules


def _filters(args, user) -> QueueFilter:
    status = args.get("status", SosStatus.reviewing.value)
    item = args.get("item", "")
    area = args.get("area", "")
    code = args.get("pref", "") if nationwide(user) else ""
    start = parse_day(args.get("from"), "対応日(開始)")
    end = parse_day(args.get("to"), "対応日(終了)")
    if start and end and end < start:
        raise FilterError("対応日(終了)は対応日(開始)以降にしてください。")
    return QueueFilter(
        status=SosStatus(status) if status in SosStatus.__members__ else None,
        start=start, end=end, item=item if rules().item(item) else "",
        area_code=area if area.isdigit() else "",
        prefecture_code=code if len(code) == 2 and code.isdigit() else "")


def _choices(user) -> dict:
    return dict(args=request.args, rules=rules(), statuses=list(SosStatus),
                prefectures=prefecture_choices(user),
                areas=area_choices(user, request.args.get("pref", "")))


@bp.get("/review")
@allow(Permission.review_supplies)
def review_queue():
    user = current()
    try:
        filters = _filters(request.args, user)
    except FilterError as error:
        return render_template("sos/review.html", error=str(error), listing=None,
                               totals=[], **_choices(user)), 400
    listing = Page.of(operations.queue(user, filters), page_number())
    page_args = pagination.page_args()
    return render_template("sos/review.html", listing=listing, page_args=page_args,
                           totals=operations.totals(user, filters), **_choices(user))


@bp.post("/<int:request_id>/accept")
@allow(Permission.review_supplies)
def accept(request_id: int):
    user = current()
    sos_request = request_in_scope(user, request_id)
    if AcceptForm().validate():
        operations.accept(sos_request, user)
        session.commit()
        flash("受付完了にしました。医療機関にメールで知らせます。", "success")
    return redirect(url_for("sos.detail", request_id=request_id), 303)


@bp.post("/<int:request_id>/return")
@allow(Permission.review_supplies)
def return_request(request_id: int):
    user = current()
    sos_request = request_in_scope(user, request_id)
    form = ReturnForm()
    if not form.validate():
        return detail_page(sos_request, return_form=form, status=422)
    operations.return_request(sos_request, user, form.comment.data.strip())
    session.commit()
    flash("差し戻しました。医療機関にメールで知らせます。", "success")
    return redirect(url_for("sos.detail", request_id=request_id), 303)


@bp.get("/review/export.csv")
@allow(Permission.review_supplies)
def review_export():
    user = current()
    try:
        filters = _filters(request.args, user)
        encoding = Encoding.from_argument(request.args.get("encoding"))
    except (FilterError, UnsupportedEncodingError) as error:
        return render_template("sos/review.html", error=str(error), listing=None, totals=[],
                               **_choices(user)), 400
    return csv_response(exports.CSV_FILENAME, exports.queue_header(rules()),
                        exports.queue_rows(operations.queue(user, filters), rules()), encoding,
                        audit_action="sos.exported", audit_details=dict(request.args))
