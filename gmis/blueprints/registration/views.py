"""新規ユーザ登録申請: the public application form and its review by the prefecture."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask import session as browser_session
from flask_limiter import RateLimitExceeded
from flask_login import current_user
from sqlalchemy.exc import OperationalError

from gmis import rate_limits, web
from gmis.access import Permission, allow, public
from gmis.accounts.operations import AccountMail
from gmis.blueprints.registration.forms import RegistrationForm, RejectForm
from gmis.db import session
from gmis.pagination import page_number
from gmis.refusals import Refused
from gmis.registration import operations

bp = Blueprint("registration", __name__)

FORM_PAGE = "registration/apply.html"
#: Completion pages this browser may show: the numbers it submitted, newest last.
SUBMITTED_KEY = "registration_numbers"


@bp.errorhandler(RateLimitExceeded)
def rate_limited(error):
    if request.endpoint != "registration.apply" or request.method != "POST":
        return rate_limits.error_page()
    # The application as typed, with when it can be sent again.
    return rate_limits.form_again(
        lambda message: (render_template(FORM_PAGE, form=RegistrationForm(), error=message), 429))


@bp.errorhandler(OperationalError)
def database_down(error):
    if request.endpoint != "registration.apply" or request.method != "POST":
        return web.database_unavailable(error)
    return web.database_unavailable_form(FORM_PAGE, form=RegistrationForm())


@bp.route("/registration", methods=["GET", "POST"])
@public
def apply():
    form = RegistrationForm()
    if request.method == "GET":
        return render_template(FORM_PAGE, form=form)
    if form.lookup.data:
        # Without JavaScript, the 住所を検索 button posts the whole form: fill the address,
        # show the form again, change nothing.
        fill = form.fill_address(error_field=form.postal_code)
        return render_template(FORM_PAGE, form=form, fill=fill), 200 if fill.found else 422
    if not (form.validate() and form.check_location()):
        return render_template(FORM_PAGE, form=form, invalid=True), 422
    try:
        application = operations.submit(form.application_details())
    except Refused as error:
        return render_template(FORM_PAGE, form=form, error=error.message), error.status
    session.commit()
    browser_session[SUBMITTED_KEY] = [
        *browser_session.get(SUBMITTED_KEY, [])[-4:], application.number
    ]
    return redirect(url_for(".done", number=application.number), 303)


@bp.get("/registration/postal-address")
@public
def postal_address():
    """HTMX: the address field filled from the postal code (or with the look-up error)."""
    form = RegistrationForm(request.args, meta={"csrf": False})
    if len(form.postal_code.data) < 7:
        # Still being typed: leave the address as it is.
        return render_template("registration/_address_field.html", form=form)
    fill = form.fill_address(error_field=form.address)
    status = 200 if fill.found else 422
    return render_template("registration/_address_field.html", form=form, fill=fill), status


@bp.get("/registration/done/<number>")
@public
def done(number: str):
    # Only the browser that submitted the application sees it: numbers are guessable.
    if number not in browser_session.get(SUBMITTED_KEY, []):
        abort(404)
    application = operations.submitted_application(number)
    if application is None:
        abort(404)
    return render_template("registration/done.html", application=application)


# --- review by the prefecture and the secretariat ------------------------------------------

@bp.get("/registrations")
@allow(Permission.review_registrations)
def review_list():
    status = request.args.get("status", "pending")
    if status not in operations.STATUS_FILTERS:
        status = "pending"
    page = operations.review_page(current_user, status, page_number())
    return render_template("registration/review_list.html", page=page, status=status,
                           filters=operations.STATUS_FILTERS)


def _detail(application, status: int = 200, **context):
    context.setdefault("reject_form", RejectForm())
    return render_template(
        "registration/review_detail.html",
        application=application,
        match=operations.master_match(application),
        **context,
    ), status


@bp.get("/registrations/<int:application_id>")
@allow(Permission.review_registrations)
def review_detail(application_id: int):
    return _detail(operations.application_for_review(current_user, application_id))


@bp.post("/registrations/<int:application_id>/approve")
@allow(Permission.review_registrations)
def approve(application_id: int):
    reviewer = current_user._get_current_object()
    application = operations.application_for_review(reviewer, application_id)
    try:
        outcome = operations.approve(application, reviewer, _absolute("auth.login"),
                                     AccountMail.of(current_app))
    except Refused as error:
        return _detail(application, error.status, error=error.message)
    session.commit()
    if outcome == "existing":
        flash("承認しました。この医療機関にはすでにアカウントがあるため、ご利用中のログインIDを"
              "申請者にメールでお知らせします。", "success")
    else:
        flash("承認しました。申請者にアカウント発行のメールを送信します。", "success")
    return redirect(url_for(".review_detail", application_id=application_id), 303)


@bp.post("/registrations/<int:application_id>/reject")
@allow(Permission.review_registrations)
def reject(application_id: int):
    reviewer = current_user._get_current_object()
    application = operations.application_for_review(reviewer, application_id)
    form = RejectForm()
    if not form.validate():
        return _detail(application, 422, reject_form=form)
    try:
        operations.reject(application, reviewer, form.reason.data,
                          _absolute("registration.apply"))
    except Refused as error:
        return _detail(application, error.status, error=error.message, reject_form=form)
    session.commit()
    flash("却下しました。申請者に却下の理由をメールで送信します。", "success")
    return redirect(url_for(".review_detail", application_id=application_id), 303)


def _absolute(endpoint: str) -> str:
    # Links in e-mails use the configured base, never the (forgeable) request host.
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint)
