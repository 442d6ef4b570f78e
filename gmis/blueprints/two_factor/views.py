"""Two-factor sign-in pages: enrolment and turning off (/account/two-factor), and the
second step of sign-in (/login/two-factor)."""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from gmis import audit
from gmis.access import Permission, allow, public
from gmis.accounts import operations, passwords, second_step, sessions, two_factor
from gmis.blueprints.auth.forms import LoginForm
from gmis.blueprints.auth.views import landing_page, lockout, safe_next
from gmis.blueprints.two_factor.forms import DisableForm, EnrolmentForm, SecondStepForm
from gmis.db import session

bp = Blueprint("two_factor", __name__)

ENTER_CODE = "確認コードを入力してください。"
SIX_DIGITS = "確認コードは、認証アプリに表示されている6桁の数字で入力してください。"
WRONG_CODE = ("確認コードが正しくありません。認証アプリに表示されている最新のコードを"
              "入力してください(一度使ったコードは使えません)。")
WRONG_RECOVERY_CODE = "リカバリーコードが正しくないか、すでに使われています。"
WRONG_PASSWORD = "現在のパスワードが正しくありません。"


# --- enrolment -------------------------------------------------------------------------

def _enrolment_secret(user) -> str:
    """The secret being enrolled. Kept on the account (not in the cookie, which is only
    signed) and used for nothing until a code confirms it; it must survive a reload of the
    page, or the QR code the user has just scanned would stop matching."""
    if not user.two_factor_secret:
        user.two_factor_secret = two_factor.new_secret()
        session.commit()
    return user.two_factor_secret


def _setup_page(user, form: EnrolmentForm, status: int = 200):
    secret = _enrolment_secret(user)
    return render_template(
        "two_factor/setup.html", form=form, qr_svg=two_factor.qr_code_svg(user, secret),
        key=two_factor.grouped_key(secret), required=two_factor.is_required(user),
    ), status


def _manage_page(user, form: DisableForm, status: int = 200):
    return render_template(
        "two_factor/manage.html", form=form, required=two_factor.is_required(user),
        remaining=two_factor.remaining_recovery_codes(user),
    ), status


@bp.route("/account/two-factor", methods=["GET", "POST"])
@allow(Permission.view_home)
def setup():
    """Enrol (a QR code, the key to type, one code to confirm), or, once enrolled, the
    state of it and the form to turn it off."""
    user = current_user._get_current_object()
    if two_factor.is_enrolled(user):
        return _manage_page(user, DisableForm())
    form = EnrolmentForm()
    if not form.is_submitted():
        return _setup_page(user, form)
    code = two_factor.normalise_code(form.code.data)
    if not form.validate() or not two_factor.looks_like_totp(code):
        form.code.errors = list(form.code.errors) or [ENTER_CODE if not code else SIX_DIGITS]
    if not form.password.data:
        form.password.errors = ["現在のパスワードを入力してください。"]
    if form.code.errors or form.password.errors:
        return _setup_page(user, form, 422)
    try:
        confirmed = operations.confirm_current_password(user, form.password.data, lockout())
    except operations.AccountLocked as locked:
        return _locked(user, locked, lambda message: _setup_page(user, _with_error(form, message),
                                                                 429))
    if not confirmed:
        audit.record_now("two_factor.failed", user, user=user, step="enrol")
        form.password.errors = [WRONG_PASSWORD]
        return _setup_page(user, form, 422)
    secret = _enrolment_secret(user)
    step = two_factor.matching_step(secret, code)
    if step is None:
        form.code.errors = [WRONG_CODE + "スマートフォンの時刻が正しいかもご確認ください。"]
        return _setup_page(user, form, 422)
    recovery_codes = two_factor.enrol(user, secret, step)
    session.commit()
    return render_template("two_factor/recovery_codes.html", codes=recovery_codes,
                           next_page=landing_page(user))


@bp.post("/account/two-factor/disable")
@allow(Permission.view_home)
def disable():
    """Turn two-factor sign-in off, with the password and a code: a borrowed, signed-in
    browser alone cannot do it."""
    user = current_user._get_current_object()
    if not two_factor.is_enrolled(user):
        return redirect(url_for("two_factor.setup"))
    form = DisableForm()
    valid = form.validate()
    if not form.password.data:
        form.password.errors = ["現在のパスワードを入力してください。"]
    if not two_factor.normalise_code(form.code.data):
        form.code.errors = ["確認コードまたはリカバリーコードを入力してください。"]
    if not valid or form.password.errors or form.code.errors:
        return _manage_page(user, form, 422)
    try:
        # One attempt, counted before anything is checked; the code is looked at (and used
        # up) only after the password is right. One answer for either being wrong.
        confirmed = operations.counted_check(user, lambda password_hash: (
            passwords.verify_password(password_hash, form.password.data)
            and two_factor.check_code(user, form.code.data) is not None), lockout())
    except operations.AccountLocked as locked:
        return _locked(user, locked, lambda message: _manage_page(user, _with_error(form, message),
                                                                  429))
    if not confirmed:
        audit.record_now("two_factor.failed", user, user=user, step="disable")
        form.code.errors = ["現在のパスワードまたは確認コードが正しくありません。"]
        return _manage_page(user, form, 422)
    two_factor.disable(user)
    session.commit()
    flash("二要素認証を無効にしました。認証アプリを変える場合は、下の手順で設定し直してください。",
          "success")
    return redirect(url_for("two_factor.setup"))


def _with_error(form, message: str):
    form.password.errors = [message]
    return form


def _locked(user, locked: operations.AccountLocked, page):
    """The account is locked: signed out when this form's wrong attempts locked it, else
    (locked from the sign-in page) the form again with the reason."""
    if locked.signed_out:
        sessions.sign_out(user)
        session.commit()
        flash(operations.LOCKED_BY_PASSWORD_CHANGE, "error")
        return redirect(url_for("auth.login"))
    return page("ログインに続けて失敗したため、しばらくの間この操作はできません。"
                "時間をおいて再度お試しください。")


# --- the second step of sign-in -----------------------------------------------------------

def _login_again(pending: second_step.PendingSignIn, message: str, status: int):
    """Back to the password, with the ID already filled in."""
    second_step.end()
    form = LoginForm(formdata=None, login_id=pending.user.login_id)
    return render_template("auth/login.html", form=form, error=message), status


def _second_step_page(form: SecondStepForm, error: str | None = None, status: int = 200):
    return render_template("two_factor/sign_in.html", form=form, error=error), status


@bp.route("/login/two-factor", methods=["GET", "POST"])
@public  # nobody is signed in yet: the state is the pending sign-in in the cookie
def sign_in():
    pending = second_step.load()
    if pending is None:
        return redirect(url_for("auth.login"))
    form = SecondStepForm()
    minutes = current_app.config["TWO_FACTOR_PENDING_MINUTES"]
    if pending.expired:
        return _login_again(pending, f"確認コードの入力は、パスワードの入力から{minutes}分以内に"
                            "お願いします。もう一度パスワードを入力してください。", 401)
    if locked := operations.locked_message(pending.user):
        return _login_again(pending, locked, 429)
    if not form.is_submitted():
        return _second_step_page(form)
    return _check_second_step(pending, form)


def _check_second_step(pending: second_step.PendingSignIn, form: SecondStepForm):
    user = pending.user
    recovery = bool(two_factor.normalise_code(form.recovery_code.data))
    typed = form.recovery_code.data if recovery else form.code.data
    code = two_factor.normalise_code(typed)
    field = form.recovery_code if recovery else form.code
    if not form.validate() or not code or not (recovery or two_factor.looks_like_totp(code)):
        field.errors = list(field.errors) or [ENTER_CODE if not code else SIX_DIGITS]
        return _second_step_page(form, status=422)
    try:
        method = operations.second_factor_attempt(
            user, lambda: two_factor.check_code(user, typed), lockout())
    except operations.AccountLocked:
        _record_failed_code(user, recovery)
        return _login_again(pending, operations.locked_message(user), 429)
    if method is None:
        _record_failed_code(user, recovery)
        field.errors = [WRONG_RECOVERY_CODE if recovery else WRONG_CODE]
        return _second_step_page(form, status=401)
    second_step.end()
    operations.start_session(user)
    audit.record("two_factor.sign_in", user, user=user, method=method)
    session.commit()
    if method == "recovery_code":
        _warn_about_recovery_codes(user)
    return redirect(safe_next(user, pending.next))


def _record_failed_code(user, recovery: bool) -> None:
    audit.record_now("two_factor.failed", user, user=user, step="sign_in",
                     kind="recovery_code" if recovery else "totp")


def _warn_about_recovery_codes(user) -> None:
    remaining = two_factor.remaining_recovery_codes(user)
    flash(f"リカバリーコードでログインしました(残り{remaining}個)。スマートフォンを"
          "なくした場合は、二要素認証を設定し直すか、G-MIS事務局にリセットを依頼してください。",
          "error" if remaining <= 3 else "success")
