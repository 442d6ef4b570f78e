"""Accounts: the list of accounts in scope and issuing a new one (アカウント発行)."""

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from gmis import access
from gmis.access import Permission, allow
from gmis.accounts import issuing, two_factor
from gmis.accounts import operations as accounts
from gmis.blueprints.users.forms import IssueAccountForm
from gmis.db import session
from gmis.models import Role, User
from gmis.pagination import Page, page_number
from gmis.text import normalise

bp = Blueprint("users", __name__, url_prefix="/users")


@bp.get("")
@allow(Permission.issue_accounts)
def index():
    query = sa.select(User).where(access.user_scope(current_user))
    q = normalise(request.args.get("q"))
    if q:
        like = f"%{q}%"
        query = query.where(sa.or_(User.login_id.ilike(like), User.name.ilike(like),
                                   User.email.ilike(like)))
    page = Page.of(query.order_by(User.login_id), page_number(), per_page=50)
    return render_template("users/index.html", page=page, q=q)


def _issue_form(form: IssueAccountForm, issuer) -> tuple[Role | None, list | None]:
    roles = issuing.issuable_roles(issuer)
    form.role.choices = [("", "選択してください")] + [(r.value, r.label) for r in roles]
    role = Role(form.role.data) if form.role.data in {r.value for r in roles} else None
    choices = issuing.organisation_choices(issuer, role) if role else None
    return role, choices


@bp.route("/new", methods=["GET", "POST"])
@allow(Permission.issue_accounts)
def issue():
    issuer = current_user._get_current_object()
    # The role may come in the query string: the no-JavaScript fallback and the HTMX
    # fragment both reload the form with the chosen role.
    form = IssueAccountForm(formdata=request.args) if request.method == "GET" else (
        IssueAccountForm())
    role, choices = _issue_form(form, issuer)
    context = {"form": form, "role": role, "choices": choices}
    if request.method == "GET" and request.htmx and request.htmx.trigger_name == "role":
        return render_template("users/_organisation_field.html", **context)
    if request.method == "GET" or "refresh" in request.form:
        return render_template("users/issue.html", **context)

    valid = form.validate()
    if role is None and form.role.data:
        form.role.errors = ["選択された種別のアカウントは発行できません。"]
        valid = False
    organisation = {}
    if role is not None:
        organisation, error = issuing.resolve_organisation(issuer, role, form.organisation.data)
        if error:
            form.organisation.errors = [error]
            valid = False
    if form.login_id.data and issuing.login_id_taken(form.login_id.data):
        form.login_id.errors = list(form.login_id.errors) + ["このユーザIDはすでに使われています。"]
        valid = False
    if not valid:
        return render_template("users/issue.html", **context), 422
    user = accounts.issue_account(role=role, name=form.name.data, email=form.email.data,
                                  account_mail=accounts.AccountMail.of(current_app),
                                  login_id=form.login_id.data or None, **organisation)
    session.commit()
    flash(f"アカウント({user.login_id})を発行し、パスワード設定用のメールを{user.email}に送信しました。",
          "success")
    return redirect(url_for("users.index", q=user.login_id))


@bp.get("/<int:user_id>")
@allow(Permission.issue_accounts)
def detail(user_id: int):
    user = access.scoped_or_404(
        sa.select(User).where(User.id == user_id, access.user_scope(current_user)), user_id)
    return render_template("users/detail.html", user=user)


@bp.route("/<int:user_id>/two-factor/reset", methods=["GET", "POST"])
@allow(Permission.reset_two_factor)
def reset_two_factor(user_id: int):
    """二要素認証のリセット: asks first (GET), then turns it off (POST). The user enrols again
    at the next sign-in where the role requires it; every session of theirs ends now."""
    user = access.scoped_or_404(
        sa.select(User).where(User.id == user_id, access.user_scope(current_user)), user_id)
    if request.method == "GET" or not two_factor.is_enrolled(user):
        status = 200 if request.method == "GET" else 409
        return render_template("users/reset_two_factor.html", user=user,
                               enrolled=two_factor.is_enrolled(user)), status
    two_factor.reset(user)
    session.commit()
    flash(f"{user.login_id} の二要素認証をリセットしました。次回のログインで設定し直します。",
          "success")
    return redirect(url_for("users.detail", user_id=user.id))
