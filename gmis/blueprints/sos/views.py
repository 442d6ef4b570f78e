"""The request pages of 緊急配布要請 (SOS): a facility's requests, the request form (save,
system check & apply), a request's detail, print view and PDF. The review pages are in
``review_views``."""

from __future__ import annotations

import secrets

from flask import flash, redirect, render_template, request, url_for

from gmis import audit
from gmis.access import Permission, allow, can
from gmis.blueprints.sos import bp
from gmis.blueprints.sos.forms import prefilled, request_form_class
from gmis.blueprints.sos.pages import current, detail_page, failure_links, request_in_scope
from gmis.db import session, utcnow
from gmis.models import Role, SosRequest
from gmis.pdf import pdf_response_headers, render_pdf
from gmis.refusals import Refused, conflict
from gmis.sos import exports, operations
from gmis.sos.business_days import handling_notice
from gmis.sos.operations import NOT_EDITABLE, Changes
from gmis.sos.rules import rules
from gmis.surveys.store import eligibility


def _form_page(form, facility, sos_request: SosRequest | None, status: int = 200,
               notice: str | None = None):
    return render_template(
        "sos/form.html", form=form, facility=facility, sos_request=sos_request,
        rules=rules(), cut_off_notice=handling_notice(utcnow()),
        failures=failure_links(sos_request), notice=notice,
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
        saved = operations.save(sos_request, facility, current(), rules(), _changes(form),
                                int(revision) if revision.isdigit() else None,
                                request.form.get("creation_token", ""))
        passed = operations.apply(saved, current(), rules()) if applying else None
    except Refused as error:
        session.rollback()
        return _form_page(form, facility, sos_request, error.status, notice=error.message)
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
    user = current()
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
    facility = operations.requesting_facility(current(), request.args.get("facility"))
    form = request_form_class(rules())()
    if request.method == "POST":
        existing = operations.find_created(facility, current(),
                                           request.form.get("creation_token", ""))
        return _handle(form, facility, existing)
    return _form_page(form, facility, None)


@bp.route("/<int:request_id>", methods=["GET", "POST"])
@allow(Permission.view_supply_requests)
def detail(request_id: int):
    user = current()
    sos_request = request_in_scope(user, request_id)
    editable = can(user, Permission.request_supplies) and sos_request.status.editable
    if editable:
        form_class = request_form_class(rules())
        form = form_class() if request.method == "POST" else prefilled(form_class, sos_request)
        if request.method == "POST":
            return _handle(form, sos_request.facility, sos_request)
        return _form_page(form, sos_request.facility, sos_request)
    if request.method == "POST":
        raise conflict(NOT_EDITABLE)
    return detail_page(sos_request)


def _print_html(sos_request: SosRequest, for_pdf: bool) -> str:
    return render_template("sos/print.html", sos_request=sos_request, rules=rules(),
                           for_pdf=for_pdf, printed_at=utcnow())


@bp.get("/<int:request_id>/print")
@allow(Permission.view_supply_requests)
def print_view(request_id: int):
    return _print_html(request_in_scope(current(), request_id), for_pdf=False)


@bp.get("/<int:request_id>/request.pdf")
@allow(Permission.view_supply_requests)
def pdf(request_id: int):
    sos_request = request_in_scope(current(), request_id)
    document = render_pdf(_print_html(sos_request, for_pdf=True))
    audit.record("sos.printed", sos_request)
    session.commit()
    return document, 200, pdf_response_headers(exports.pdf_filename(sos_request))
