"""Sign-in, sign-out, password reset, first password, password change."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_limiter import RateLimitExceeded
from flask_login import current_user
from sqlalchemy.exc import OperationalError

from gmis import audit, rate_limits, web
from gmis.access import Permission, allow, public
from gmis.accounts import operations, passwords, second_step, sessions, two_factor
from gmis.blueprints.auth.forms import (
    PASSWORD_INPUT_MAX,
    ChangePasswordForm,
    LoginForm,
    NewPasswordForm,
    PasswordResetRequestForm,
)
from gmis.db import session
from gmis.models import Role, TokenPurpose

bp = Blueprint("auth", __name__)


def landing_page(user) -> str:
    """Where a user starts: a fire department's only page is the bed view."""
    return url_for("beds.index" if user.role == Role.fire_department else "home.index")


def safe_next(user, target: str | None) -> str:
    """Only same-site paths, so the login page cannot bounce people to another site."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return landing_page(user)


def _password_rule_ok(form: NewPasswordForm, login_id: str) -> bool:
    problems = passwords.password_problems(form.password.data or "", login_id)
    form.password.errors = list(form.password.errors) + problems
    return not problems


#: Forms shown again, as typed, when a rate limit or a database outage refuses them.
_FORM_PAGES = {
    "auth.login": ("auth/login.html", LoginForm),
    "auth.forgot_password": ("auth/forgot_password.html", PasswordResetRequestForm),
}


def _form_page():
    return _FORM_PAGES.get(request.endpoint) if request.method == "POST" else None


@bp.errorhandler(RateLimitExceeded)
def rate_limited(error):
    page = _form_page()
    if page is None:
        return rate_limits.error_page()
    template, form_class = page
    return rate_limits.form_again(
        lambda message: (render_template(template, form=form_class(), error=message), 429))


@bp.errorhandler(OperationalError)
def database_down(error):
    page = _form_page()
    if page is None:
        return web.database_unavailable(error)
    template, form_class = page
    return web.database_unavailable_form(template, form=form_class())


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if current_user.is_authenticated and request.method == "GET":
        return redirect(landing_page(current_user))
    if request.method == "POST":
        if not form.validate():
            return render_template("auth/login.html", form=form), 422
        try:
            user = operations.authenticate(form.login_id.data, form.password.data, lockout())
        except operations.SignInError as error:
            return render_template("auth/login.html", form=form, error=error.message), error.status
        if two_factor.is_enrolled(user):
            # No session yet: the code page starts it once the code is right.
            second_step.begin(user, safe_next(user, request.args.get("next")))
            return redirect(url_for("two_factor.sign_in"))
        operations.start_session(user)
        session.commit()
        return redirect(safe_next(user, request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@allow(Permission.view_home)
def logout():
    user = current_user._get_current_object()
    audit.record("user.sign_out", user)
    sessions.sign_out(user)
    session.commit()
    flash("ログアウトしました。すべての端末でのログイン状態を終了しました。", "success")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    form = PasswordResetRequestForm()
    if request.method == "POST":
        if not form.validate():
            return render_template("auth/forgot_password.html", form=form), 422
        operations.request_password_reset(form.login_id.data, request.remote_addr or "")
        session.commit()
        # The same answer whether or not the ID exists.
        return render_template("auth/forgot_password_sent.html")
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/set/<token>", methods=["GET", "POST"])
@public
def set_password(token: str):
    token_row = operations.find_token(token)
    if token_row is None:
        return render_template("auth/token_invalid.html"), 410
    form = NewPasswordForm()
    user = token_row.user
    context = {"form": form, "user": user,
               "first_time": token_row.purpose == TokenPurpose.account_setup}
    if request.method == "POST":
        if not (form.validate() & _password_rule_ok(form, user.login_id)):
            return render_template("auth/set_password.html", **context), 422
        try:
            operations.set_password_with_token(token_row, form.password.data)
        except operations.TokenAlreadyUsed:  # the same link, sent twice at once
            session.rollback()
            return render_template("auth/token_invalid.html"), 410
        session.commit()
        flash("パスワードを設定しました。新しいパスワードでログインしてください。", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", **context)


@bp.post("/password/check")
@public
def check_password():
    """As-you-type feedback on the password rule (HTMX fragment)."""
    # Cut to a length the rule still calls too long: the check stays cheap whatever is sent.
    problems = passwords.password_problems(
        request.form.get("password", "")[:PASSWORD_INPUT_MAX],
        request.form.get("login_id", "")[:64],
    )
    status = 422 if problems and request.form.get("password") else 200
    return render_template("auth/_password_rule.html", problems=problems,
                           typed=bool(request.form.get("password"))), status


def _refuse_locked_password_change(user, form, signed_out: bool):
    """The account is locked: signed out if this form's wrong passwords locked it, else
    (locked from the sign-in page) the form is shown again with the reason."""
    if signed_out:
        sessions.sign_out(user)
        session.commit()
        flash(operations.LOCKED_BY_PASSWORD_CHANGE, "error")
        return redirect(url_for("auth.login"))
    form.current_password.errors = [
        "ログインに続けて失敗したため、しばらくの間パスワードを変更できません。"
        "時間をおいて再度お試しください。"]
    return render_template("auth/change_password.html", form=form), 429


@bp.route("/account/password", methods=["GET", "POST"])
@allow(Permission.change_own_password)
def change_password():
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    if request.method == "POST":
        valid = form.validate() & _password_rule_ok(form, user.login_id)
        try:
            if form.current_password.data and not operations.confirm_current_password(
                user, form.current_password.data, lockout()
            ):
                form.current_password.errors = ["現在のパスワードが正しくありません。"]
                valid = False
        except operations.AccountLocked as locked:
            return _refuse_locked_password_change(user, form, locked.signed_out)
        if not valid:
            return render_template("auth/change_password.html", form=form), 422
        operations.change_password(user, form.password.data)
        session.commit()
        flash("パスワードを変更しました。ほかの端末でのログインはすべて終了しました。", "success")
        return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form)


def lockout() -> operations.Lockout:
    """This app's lock-out rule, for the use cases that count an attempt."""
    return operations.Lockout.of(current_app.config)
