"""Who may do what, and which records each user sees. Every view and every query for
organisations and records goes through this module.

A view declares its rule with ``@allow(Permission.X)`` or ``@public``; a view without a rule
is refused for everybody (see ``enforce``), so a forgotten rule fails closed.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import NoReturn

import sqlalchemy as sa
from flask import abort, current_app, make_response, redirect, request, url_for
from flask_login import current_user

from gmis import audit
from gmis.accounts import two_factor
from gmis.accounts.sessions import page_to_return_to
from gmis.db import session
from gmis.models import (
    Facility,
    FireDepartment,
    RegistrationApplication,
    ResponseStatus,
    Role,
    SosRequest,
    SurveyDraft,
    SurveyResponse,
    SurveyVersion,
    User,
    VersionStatus,
    aggregator_members,
)


class Permission(enum.StrEnum):
    view_facilities = "view_facilities"
    edit_facilities = "edit_facilities"
    review_registrations = "review_registrations"
    issue_accounts = "issue_accounts"
    change_own_password = "change_own_password"
    view_home = "view_home"
    #: Fill in surveys for one's own organisation (an aggregator: for its members).
    answer_surveys = "answer_surveys"
    #: Return or accept submitted responses within one's scope.
    review_responses = "review_responses"
    #: Read responses within one's scope (those who answer and those who review).
    view_responses = "view_responses"
    #: Upload, preview and publish survey versions (nationwide, or one's prefecture's).
    manage_surveys = "manage_surveys"
    #: File emergency supply requests (緊急配布要請) for one's facility or members.
    request_supplies = "request_supplies"
    #: Accept or return the emergency supply requests within one's scope.
    review_supplies = "review_supplies"
    #: Read and print emergency supply requests within one's scope.
    view_supply_requests = "view_supply_requests"
    #: The regional bed view (地域病床見える化) of one's prefecture (national: all).
    view_beds = "view_beds"
    #: Turn off another user's two-factor sign-in (a lost phone), so that they enrol again.
    reset_two_factor = "reset_two_factor"
    #: Set the periodic-report windows (定期報告期間) of one's own prefecture.
    set_report_windows = "set_report_windows"


_EVERY_SIGNED_IN_ROLE = set(Role)

ROLE_PERMISSIONS: dict[Role, set[Permission]] = {
    role: {Permission.view_home, Permission.change_own_password} for role in _EVERY_SIGNED_IN_ROLE
}
for _role in (Role.facility, Role.aggregator, Role.prefecture, Role.city, Role.national,
              Role.secretariat):
    ROLE_PERMISSIONS[_role].add(Permission.view_facilities)
for _role in (Role.prefecture, Role.secretariat):
    ROLE_PERMISSIONS[_role] |= {
        Permission.edit_facilities,
        Permission.review_registrations,
        Permission.issue_accounts,
    }

for _role in (Role.facility, Role.aggregator, Role.prefecture, Role.city):
    ROLE_PERMISSIONS[_role] |= {Permission.answer_surveys, Permission.view_responses}
for _role in (Role.prefecture, Role.city, Role.national, Role.secretariat):
    ROLE_PERMISSIONS[_role] |= {Permission.review_responses, Permission.view_responses}

for _role in (Role.prefecture, Role.national, Role.secretariat):
    ROLE_PERMISSIONS[_role] |= {Permission.manage_surveys, Permission.review_supplies,
                                Permission.view_supply_requests}
for _role in (Role.facility, Role.aggregator):
    ROLE_PERMISSIONS[_role] |= {Permission.request_supplies, Permission.view_supply_requests}
for _role in (Role.prefecture, Role.city, Role.fire_department, Role.national,
              Role.secretariat):
    ROLE_PERMISSIONS[_role].add(Permission.view_beds)
ROLE_PERMISSIONS[Role.secretariat].add(Permission.reset_two_factor)
ROLE_PERMISSIONS[Role.prefecture].add(Permission.set_report_windows)

PUBLIC = "public"
#: Longest part of a refused path the audit log keeps (the path is the visitor's to choose).
PATH_LIMIT = 200

#: Roles whose scope is the whole country.
NATIONWIDE_ROLES = (Role.national, Role.secretariat)


def nationwide(user: User) -> bool:
    """Whether ``user`` sees every prefecture (and may pick one in filters)."""
    return user.role in NATIONWIDE_ROLES


def can(user, permission: Permission) -> bool:
    return bool(user and user.is_authenticated and permission in ROLE_PERMISSIONS[user.role])


def public(view: Callable) -> Callable:
    """Open to everybody, signed in or not."""
    view.access_rule = PUBLIC
    return view


def allow(permission: Permission) -> Callable[[Callable], Callable]:
    def decorate(view: Callable) -> Callable:
        view.access_rule = permission
        return view

    return decorate


def enforce() -> None:
    """``before_request`` hook: apply the access rule of the view about to run."""
    if request.endpoint is None:
        return  # 404 or 405: nothing to protect
    view = current_app.view_functions[request.endpoint]
    rule = getattr(view, "access_rule", None)
    if rule == PUBLIC:
        return
    if rule is None:
        current_app.logger.error("view %s has no access rule; refused", request.endpoint)
        refuse(rule="none")
    if not current_user.is_authenticated:
        if request.headers.get("HX-Request"):
            # A fragment request must not swap the sign-in page into a corner of the screen.
            response = make_response("", 401)
            response.headers["HX-Redirect"] = url_for("auth.login", next=page_to_return_to())
            return response
        return current_app.login_manager.unauthorized()
    if request.endpoint not in ENROLMENT_ENDPOINTS and two_factor.enrolment_due(current_user):
        return _redirect(url_for("two_factor.setup"))
    if not can(current_user, rule):
        refuse(rule=str(rule))


def refuse(**details) -> NoReturn:
    """Answer 403 and note who asked for what in the audit log, where the note stays even
    though the request's transaction is rolled back."""
    audit.record_now("access.refused", endpoint=request.endpoint, method=request.method,
                     path=audit.typed(request.path, PATH_LIMIT), **details)
    abort(403)


#: What a user who must enrol in two-factor sign-in first can still reach (besides the
#: public pages and static files): the enrolment page and signing out.
ENROLMENT_ENDPOINTS = frozenset({"two_factor.setup", "auth.logout"})


def _redirect(location: str):
    if request.headers.get("HX-Request"):
        # htmx would swap the page into a corner of the screen: have it navigate instead.
        response = make_response("", 403)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location)


# --- scoping -------------------------------------------------------------------------------

def facility_scope(user: User) -> sa.ColumnElement[bool]:
    """The facilities ``user`` may see, as a WHERE clause on ``Facility``."""
    match user.role:
        case Role.national | Role.secretariat:
            return sa.true()
        case Role.prefecture:
            return Facility.prefecture_code == user.prefecture_code
        case Role.city:
            return Facility.city_id == user.city_id
        case Role.facility:
            return Facility.id == user.facility_id
        case Role.aggregator:
            members = sa.select(aggregator_members.c.facility_id).where(
                aggregator_members.c.aggregator_id == user.aggregator_id
            )
            return Facility.id.in_(members)
        case Role.fire_department:
            # Fire departments read hospitals of their own prefecture (bed view) only.
            return sa.and_(
                Facility.prefecture_code == user.fire_department.prefecture_code,
                Facility.facility_type == "hospital",
            )
    return sa.false()


def facilities(user: User) -> sa.Select:
    return sa.select(Facility).where(facility_scope(user))


def registration_scope(user: User) -> sa.ColumnElement[bool]:
    """Registration applications ``user`` may review."""
    if user.role in (Role.national, Role.secretariat):
        return sa.true()
    if user.role == Role.prefecture:
        return RegistrationApplication.prefecture_code == user.prefecture_code
    return sa.false()


def may_issue_account_for(user: User, role: Role, prefecture_code: str | None) -> bool:
    """Secretariat issues any account; a prefecture only facility and fire-department
    accounts of its own prefecture."""
    if user.role == Role.secretariat:
        return True
    if user.role == Role.prefecture:
        return role in (Role.facility, Role.fire_department) and (
            prefecture_code == user.prefecture_code
        )
    return False


def scoped_or_404(query: sa.Select, record_id: int):
    """Run a scoped query for record ``record_id`` (the primary key of the query's entity).

    Out of scope looks exactly like missing to the user; but a record that exists and is
    someone else's was asked for on purpose or by a wrong link, and the audit log notes it.
    """
    record = session.scalars(query).first()
    if record is None:
        entity = query.column_descriptions[0]["entity"]
        existing = session.get(entity, record_id)
        if existing is not None:
            audit.record_now("access.out_of_scope", existing, endpoint=request.endpoint,
                             method=request.method)
        abort(404)
    return record




def response_scope(user: User) -> sa.ColumnElement[bool]:
    """The survey responses ``user`` may read, as a WHERE clause on ``SurveyResponse``: a
    facility its own, an aggregator its members', a prefecture everything answered in it
    (facilities, cities and its own), a city its own and its facilities', a fire department
    its prefecture's hospitals (as for facilities), national and secretariat all.

    A draft (一時保存) is its respondent's own until submitted: reviewers read only what
    was submitted, and their own organisation's drafts."""
    match user.role:
        case Role.national | Role.secretariat:
            return _submitted()
        case Role.prefecture:
            return sa.and_(SurveyResponse.prefecture_code == user.prefecture_code,
                           _submitted(or_answered_by=f"prefecture:{user.prefecture_code}"))
        case Role.city:
            return sa.and_(SurveyResponse.city_id == user.city_id,
                           _submitted(or_answered_by=f"city:{user.city_id}"))
        case Role.facility | Role.aggregator:
            return SurveyResponse.facility_id.in_(
                sa.select(Facility.id).where(facility_scope(user)))
        case Role.fire_department:
            return sa.and_(SurveyResponse.facility_id.in_(
                sa.select(Facility.id).where(facility_scope(user))), _submitted())
    return sa.false()


def _submitted(or_answered_by: str | None = None) -> sa.ColumnElement[bool]:
    """Responses past the draft stage, and the drafts of respondent ``or_answered_by``."""
    past_draft = SurveyResponse.status != ResponseStatus.draft
    if or_answered_by is None:
        return past_draft
    return sa.or_(past_draft, SurveyResponse.respondent_key == or_answered_by)


def responses(user: User) -> sa.Select:
    return sa.select(SurveyResponse).where(response_scope(user))


def survey_version_scope(user: User) -> sa.ColumnElement[bool]:
    """The survey versions ``user`` may look at: national and secretariat all of them; a
    prefecture the published national versions (which it may extend) and its own."""
    if user.role in (Role.national, Role.secretariat):
        return sa.true()
    if user.role == Role.prefecture:
        return sa.or_(
            sa.and_(SurveyVersion.prefecture_code.is_(None),
                    SurveyVersion.status == VersionStatus.published),
            SurveyVersion.prefecture_code == user.prefecture_code,
        )
    return sa.false()


def survey_publish_scope(user: User) -> sa.ColumnElement[bool]:
    """The survey versions ``user`` may publish: national versions by national and the
    secretariat, a prefecture's versions by that prefecture only."""
    if user.role in (Role.national, Role.secretariat):
        return SurveyVersion.prefecture_code.is_(None)
    if user.role == Role.prefecture:
        return SurveyVersion.prefecture_code == user.prefecture_code
    return sa.false()


def survey_owner(user: User) -> str | None:
    """Whose surveys ``user`` builds and publishes: None for the national office (national
    and the secretariat), else the prefecture's code. Only those who manage surveys ask."""
    return None if user.role in (Role.national, Role.secretariat) else user.prefecture_code


def survey_draft_scope(user: User) -> sa.ColumnElement[bool]:
    """The survey builder drafts ``user`` may open: those of their own organisation (the
    national office's, or their prefecture's), whoever of it started them."""
    if user.role in (Role.national, Role.secretariat):
        return SurveyDraft.prefecture_code.is_(None)
    if user.role == Role.prefecture:
        return SurveyDraft.prefecture_code == user.prefecture_code
    return sa.false()


def sos_request_scope(user: User) -> sa.ColumnElement[bool]:
    """The emergency supply requests ``user`` may read: a facility's (or an aggregator's
    members') own, a prefecture's facilities', all for national and the secretariat."""
    match user.role:
        case Role.national | Role.secretariat:
            return sa.true()
        case Role.prefecture:
            return SosRequest.prefecture_code == user.prefecture_code
        case Role.facility | Role.aggregator:
            return SosRequest.facility_id.in_(sa.select(Facility.id).where(facility_scope(user)))
    return sa.false()


def sos_requests(user: User) -> sa.Select:
    return sa.select(SosRequest).where(sos_request_scope(user))


def user_scope(user: User) -> sa.ColumnElement[bool]:
    """The accounts ``user`` may list: a prefecture sees the accounts of its own prefecture's
    facilities, fire departments and prefecture office; the secretariat sees all."""
    if user.role == Role.secretariat:
        return sa.true()
    if user.role == Role.prefecture:
        code = user.prefecture_code
        return sa.or_(
            User.prefecture_code == code,
            User.facility_id.in_(sa.select(Facility.id).where(Facility.prefecture_code == code)),
            User.fire_department_id.in_(
                sa.select(FireDepartment.id).where(FireDepartment.prefecture_code == code)
            ),
        )
    return User.id == user.id
