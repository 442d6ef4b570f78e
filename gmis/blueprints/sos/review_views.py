"""Review of emergency supply requests by prefectures (their own) and the national office:
the queue, accept (受付完了) or return with a comment, totals per prefecture and day, CSV."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from gmis import pagination
from gmis.access import Permission, allow
from gmis.blueprints.sos import bp
from gmis.blueprints.sos.forms import AcceptForm, ReturnForm
from gmis.blueprints.sos.pages import current, detail_page, request_in_scope
from gmis.csv_export import Encoding, csv_response
from gmis.db import session
from gmis.facilities.operations import area_choices, prefecture_choices
from gmis.filters import FilterError
from gmis.models import SosStatus
from gmis.pagination import Page, page_number
from gmis.sos import exports, operations
from gmis.sos.operations import QueueFilter
from gmis.sos.rules import rules


def _choices(user) -> dict:
    return dict(args=request.args, rules=rules(), statuses=list(SosStatus),
                prefectures=prefecture_choices(user),
                areas=area_choices(user, request.args.get("pref", "")))


@bp.get("/review")
@allow(Permission.review_supplies)
def review_queue():
    user = current()
    try:
        filters = QueueFilter.from_args(request.args, user)
    except FilterError as error:
        return render_template("sos/review.html", error=error, listing=None,
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
        filters = QueueFilter.from_args(request.args, user)
        encoding = Encoding.from_argument(request.args.get("encoding"))
    except FilterError as error:  # the encoding too: an argument of the query
        return render_template("sos/review.html", error=error, listing=None, totals=[],
                               **_choices(user)), 400
    return csv_response(exports.queue_export(operations.queue(user, filters), rules()),
                        encoding, audit_action="sos.exported", audit_details=dict(request.args))
