"""緊急配布要請 (SOS): a facility's requests, the request form (save, system check & apply),
the review queue of prefectures and the national office, totals, CSV, print view and PDF."""

from __future__ import annotations

import secrets

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from gmis import audit
from gmis.access import Permission, allow, can
from gmis.blueprints.sos import operations
from gmis.blueprints.sos.forms import AcceptForm, ReturnForm, prefilled, request_form_class
from gmis.blueprints.sos.operations import Changes, SosRefused
from gmis.business_days import handling_notice
from gmis.db import session, utcnow
from gmis.models import Role, SosRequest
from gmis.pdf import pdf_response_headers, render_pdf
from gmis.sos.eligibility import Failure
from gmis.sos.rules import rules
from gmis.surveys import eligibility
from gmis.web import render_error

bp = Blueprint("sos", __name__, url_prefix="/sos")


@bp.errorhandler(SosRefused)
def refused(error: SosRefused):
    return render_error(error.status, str(error))


def _user():
    return current_user._get_current_object()


def _failure_links(sos_request: SosRequest | None) -> list[tuple[str, str | None]]:
    """The failed conditions of the last system check, each with the survey page to fix."""
    if sos_request is None:
        return []
    links = []
    for raw in sos_request.check_failures or []:
        failure = Failure(**raw)
        url = None
        if failure.survey_key:
            facility = sos_request.facility_id if _user().role == Role.aggregator else None
            url = (url_for("surveys.fill", survey_key=failure.survey_key,
                           period_key=failure.period_key, facility=facility)
                   if failure.period_key else url_for("surveys.index", facility=facility))
        links.append((failure.message, url))
    return links


def _form_page(form, facility, sos_request: SosRequest | None, status: int = 200,
               notice: str | None = None):
    return render_template(
        "sos/form.html", form=form, facility=facility, sos_request=sos_request,
        rules=rules(), cut_off_notice=handling_notice(utcnow()),
        failures=_failure_links(sos_request), notice=notice,
        creation_token=request.form.get("creation_token") or secrets.token_hex(16)), status


def _changes(form) -> Changes:
    return Changes(general_confirmed=bool(form.general_confirmed.data),
                   n95_confirmed=bool(form.n95_confirmed.data),
                   remark=(form.remark.data or "").strip(), quantities=form.quantities())


def _handle(form, facility, sos_request: SosRequest | None):
    """A POST of the request form: save, and apply when asked."""
    applying = request.form.get("action") == "apply"
    if not form.validate_for(applying):
        return _form_page(form, facility, sos_request, 422)
    revision = request.form.get("revision", "")
    try:
        saved = operations.save(sos_request, facility, _user(), rules(), _changes(form),
                                int(revision) if revision.isdigit() else None,
                                request.form.get("creation_token", ""))
        passed = operations.apply(saved, _user(), rules()) if applying else None
    except SosRefused as error:
        session.rollback()
        return _form_page(form, facility, sos_request, error.status, notice=str(error))
    session.commit()
    if passed is True:
        flash(f"緊急配布要請を受け付けました。都道府県にて内容を確認し、追って連絡します"
              f"(対応日: {saved.handling_date:%Y/%m/%d})。", "success")
    elif passed is False:
        flash("システムチェックでエラーがありました。下の内容を確認し、調査の回答を直してから"
              "もう一度申請してください。", "error")
    else:
        flash("保存しました。まだ申請していません。「システムチェック&申請」を押してください。",
              "success")
    return redirect(url_for("sos.detail", request_id=saved.id), 303)


@bp.get("")
@allow(Permission.request_supplies)
def index():
    user = _user()
    members = eligibility.members(user) if user.role == Role.aggregator else None
    facility_arg = request.args.get("facility")
    facility = operations.requesting_facility(user, facility_arg) \
        if members is None or facility_arg else None
    return render_template("sos/index.html", facility=facility, members=members,
                           requests=operations.facility_requests(facility) if facility else [],
                           facility_arg=facility_arg)


@bp.route("/new", methods=["GET", "POST"])
@allow(Permission.request_supplies)
def new():
    facility = operations.requesting_facility(_user(), request.args.get("facility"))
    form = request_form_class(rules())()
    if request.method == "POST":
        existing = operations.find_created(facility, _user(),
                                           request.form.get("creation_token", ""))
        return _handle(form, facility, existing)
    return _form_page(form, facility, None)


@bp.route("/<int:request_id>", methods=["GET", "POST"])
@allow(Permission.view_supply_requests)
def detail(request_id: int):
    user = _user()
    sos_request = operations.request_in_scope(user, request_id)
    editable = can(user, Permission.request_supplies) and sos_request.status.editable
    if editable:
        form_class = request_form_class(rules())
        form = form_class() if request.method == "POST" else prefilled(form_class, sos_request)
        if request.method == "POST":
            return _handle(form, sos_request.facility, sos_request)
        return _form_page(form, sos_request.facility, sos_request)
    if request.method == "POST":
        raise SosRefused("受付完了の要請は変更できません。")
    return render_template("sos/detail.html", sos_request=sos_request, rules=rules(),
                           failures=_failure_links(sos_request),
                           reviewer=can(user, Permission.review_supplies),
                           accept_form=AcceptForm(), return_form=ReturnForm())


def _print_html(sos_request: SosRequest, for_pdf: bool) -> str:
    return render_template("sos/print.html", sos_request=sos_request, rules=rules(),
                           for_pdf=for_pdf, printed_at=utcnow())


@bp.get("/<int:request_id>/print")
@allow(Permission.view_supply_requests)
def print_view(request_id: int):
    return _print_html(operations.request_in_scope(_user(), request_id), for_pdf=False)


@bp.get("/<int:request_id>/request.pdf")
@allow(Permission.view_supply_requests)
def pdf(request_id: int):
    sos_request = operations.request_in_scope(_user(), request_id)
    document = render_pdf(_print_html(sos_request, for_pdf=True))
    audit.record("sos.printed", sos_request)
    session.commit()
    filename = sos_request.title.replace("/", "-") + ".pdf"
    return document, 200, pdf_response_headers(filename)


# The review pages register on the same blueprint.
from gmis.blueprints.sos import review_views  # noqa: E402, F401
