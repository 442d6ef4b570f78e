"""Review of emergency supply requests by prefectures (their own) and the national office:
the queue, accept (受付完了) or return with a comment, totals per prefecture and day, CSV."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from gmis import pagination
from gmis.access import Permission, allow, nationwide
from gmis.blueprints.facilities.operations import area_choices, prefecture_choices
from gmis.blueprints.sos import operations
from gmis.blueprints.sos.forms import AcceptForm, ReturnForm
from gmis.blueprints.sos.operations import QueueFilter
from gmis.blueprints.sos.views import _failure_links, bp
from gmis.csv_export import Encoding, UnsupportedEncodingError, csv_response
from gmis.db import session
from gmis.filters import FilterError, parse_day
from gmis.japan_time import to_tokyo
from gmis.models import SosStatus
from gmis.pagination import Page, page_number
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
    user = current_user._get_current_object()
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
    user = current_user._get_current_object()
    sos_request = operations.request_in_scope(user, request_id)
    if AcceptForm().validate():
        operations.accept(sos_request, user)
        session.commit()
        flash("受付完了にしました。医療機関にメールで知らせます。", "success")
    return redirect(url_for("sos.detail", request_id=request_id), 303)


@bp.post("/<int:request_id>/return")
@allow(Permission.review_supplies)
def return_request(request_id: int):
    user = current_user._get_current_object()
    sos_request = operations.request_in_scope(user, request_id)
    form = ReturnForm()
    if not form.validate():
        return render_template("sos/detail.html", sos_request=sos_request, rules=rules(),
                               failures=_failure_links(sos_request), reviewer=True,
                               accept_form=AcceptForm(), return_form=form), 422
    operations.return_request(sos_request, user, form.comment.data.strip())
    session.commit()
    flash("差し戻しました。医療機関にメールで知らせます。", "success")
    return redirect(url_for("sos.detail", request_id=request_id), 303)


@bp.get("/review/export.csv")
@allow(Permission.review_supplies)
def review_export():
    user = current_user._get_current_object()
    try:
        filters = _filters(request.args, user)
        encoding = Encoding.from_argument(request.args.get("encoding"))
    except (FilterError, UnsupportedEncodingError) as error:
        return render_template("sos/review.html", error=str(error), listing=None, totals=[],
                               **_choices(user)), 400
    statement = operations.queue(user, filters)
    items = rules().items
    header = ["タイトル", "対応状況", "申請日時", "対応日", "都道府県", "医療機関コード",
              "医療機関名", *[f"{i.label}({i.unit})" for i in items], "備考", "差戻しの理由"]

    def rows():
        for found in session.scalars(statement.execution_options(yield_per=500)):
            yield [found.title, found.status.label, to_tokyo(found.applied_at),
                   found.handling_date.isoformat() if found.handling_date else "",
                   found.prefecture.name, found.facility.code or "", found.facility.name,
                   *[found.quantity(i.key) or "" for i in items], found.remark,
                   found.return_comment]

    return csv_response("緊急配布要請.csv", header, rows(), encoding,
                        audit_action="sos.exported", audit_details=dict(request.args))
