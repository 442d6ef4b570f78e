"""Each role's home page."""

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from gmis import access
from gmis.access import Permission, allow
from gmis.blueprints.surveys.operations import answered_surveys
from gmis.db import session
from gmis.models import ApplicationStatus, Facility, FacilityType, RegistrationApplication, Role
from gmis.surveys import eligibility

bp = Blueprint("home", __name__)


def _facility_counts(user) -> list[tuple[str, int]]:
    """Facilities in the user's scope, by type."""
    rows = session.execute(
        sa.select(Facility.facility_type, sa.func.count())
        .where(access.facility_scope(user), Facility.is_active.is_(True))
        .group_by(Facility.facility_type)
    ).all()
    counts = dict(rows)
    return [(t.label, counts[t]) for t in FacilityType if t in counts]


def _pending_applications(user) -> int:
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(RegistrationApplication)
        .where(
            access.registration_scope(user),
            RegistrationApplication.status == ApplicationStatus.pending,
        )
    )


@bp.get("/home")
@allow(Permission.view_home)
def index():
    user = current_user._get_current_object()
    context = {"user": user}
    if access.can(user, Permission.view_facilities):
        context["facility_counts"] = _facility_counts(user)
    if access.can(user, Permission.review_registrations):
        context["pending_applications"] = _pending_applications(user)
    if user.role == Role.aggregator:
        context["members"] = user.aggregator.members
    elif access.can(user, Permission.answer_surveys):
        respondent = eligibility.respondent_of(user)
        if respondent is not None:
            context["due"] = [(item, item.periods[0]) for item in answered_surveys(respondent)
                              if item.periods and item.periods[0].current]
    return render_template("home/index.html", **context)
