"""The review queue, one report's page (its difference from what is published, 受理 and
差戻し, the history of the facility's reports) and the accepted reports' CSV."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from gmis import pagination
from gmis.access import Permission, allow, nationwide
from gmis.blueprints.report_review import bp
from gmis.blueprints.report_review.forms import AcceptReportForm, ReturnReportForm
from gmis.csv_export import Encoding, csv_response
from gmis.db import session
from gmis.facilities.operations import area_choices, prefecture_choices
from gmis.filters import FilterError
from gmis.models import FacilityType
from gmis.pagination import Page, page_number
from gmis.surveys import reviewing
from gmis.surveys.engine.reports import ReportKind
from gmis.surveys.review_export import AcceptedFilter, accepted_export
from gmis.surveys.reviewing import QUEUE_STATUSES, ReviewFilter
from gmis.surveys.store import eligibility
from gmis.web import correction_link


def _user():
    return current_user._get_current_object()


def _choices(user) -> dict:
    """What the filter forms offer, and what they were sent (kept when refused)."""
    prefecture_code = request.args.get("pref", "") if nationwide(user) else ""
    return dict(statuses=QUEUE_STATUSES, kinds=list(ReportKind),
                facility_types=list(FacilityType), prefectures=prefecture_choices(user),
                areas=area_choices(user, prefecture_code),
                cities=reviewing.area_cities(user, prefecture_code),
                surveys=reviewing.report_surveys(), args=request.args,
                page_args=pagination.page_args())


def _queue_page(status: int = 200, **context):
    user = _user()
    return render_template("report_review/queue.html", kind_label=reviewing.kind_label,
                           **_choices(user), **context), status


@bp.get("")
@allow(Permission.review_responses)
def queue():
    try:
        filters = ReviewFilter.from_args(request.args, _user())
    except FilterError as error:
        return _queue_page(400, error=error, listing=None)
    return _queue_page(listing=Page.of(reviewing.queue(_user(), filters), page_number()))


@bp.get("/<int:response_id>")
@allow(Permission.review_responses)
def detail(response_id: int):
    return _detail_page(reviewing.report_in_scope(_user(), response_id))


def _detail_page(report, status: int = 200, **forms):
    user = _user()
    forms.setdefault("accept_form", AcceptReportForm())
    forms.setdefault("return_form", ReturnReportForm())
    show_all = request.args.get("all") == "1"
    return render_template(
        "report_review/detail.html", report=report, kind_label=reviewing.kind_label(report),
        respondent=eligibility.respondent_of_response(report),
        diff=reviewing.report_diff(report), show_all=show_all,
        history=reviewing.facility_history(user, report),
        may_decide=reviewing.may_decide(user, report), **forms), status



@bp.post("/<int:response_id>/accept")
@allow(Permission.review_responses)
def accept(response_id: int):
    user = _user()
    report = reviewing.report_in_scope(user, response_id)
    form = AcceptReportForm()
    if not form.validate():
        return _detail_page(report, 400, accept_form=form)
    if reviewing.accept_report(report, user):
        session.commit()
        flash("受理しました。この報告の公開項目が住民向けの検索に掲載されます。", "success")
    else:
        flash("この報告は受理済みです。", "success")
    return redirect(url_for("report_review.detail", response_id=response_id), 303)


@bp.post("/<int:response_id>/return")
@allow(Permission.review_responses)
def return_report(response_id: int):
    user = _user()
    report = reviewing.report_in_scope(user, response_id)
    form = ReturnReportForm()
    if not form.validate():
        return _detail_page(report, 422, return_form=form)
    if reviewing.return_report(report, user, form.comment.data, correction_link(report)):
        session.commit()
        flash("差し戻しました。医療機関等にメールで修正を依頼しています。", "success")
    return redirect(url_for("report_review.detail", response_id=response_id), 303)


@bp.get("/accepted.csv")
@allow(Permission.review_responses)
def accepted_csv():
    """The accepted reports of one survey as CSV: cp932 for Excel unless ``encoding`` asks
    for UTF-8. A filter that cannot be read shows the queue with the message."""
    user = _user()
    try:
        filters = AcceptedFilter.from_args(request.args, user)
        encoding = Encoding.from_argument(request.args.get("encoding"))
    except FilterError as error:  # the encoding too: an argument of the query
        return _queue_page(400, error=error, listing=None)
    return csv_response(accepted_export(user, filters), encoding,
                        audit_action="survey.accepted_reports_exported",
                        audit_object=filters.survey, audit_details=filters.args())
