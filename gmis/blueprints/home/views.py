"""Each role's home page, and the reminder to non-responders it offers those who oversee."""

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from gmis import access
from gmis.access import Permission, allow
from gmis.blueprints.home import bp
from gmis.db import session, utcnow
from gmis.filters import FilterError
from gmis.models import ApplicationStatus, Facility, FacilityType, RegistrationApplication, Role
from gmis.refusals import conflict
from gmis.reports import matrix, overview
from gmis.reports.operations import overseen
from gmis.surveys import reminders, reporting
from gmis.surveys.answering import answered_surveys
from gmis.surveys.engine import periods
from gmis.surveys.store import eligibility


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


def _oversight(user) -> dict:
    """What a prefecture, a city or the national office has to act on today."""
    context = {"today": overview.surveys_today(user)}
    pending = {}
    if access.can(user, Permission.review_supplies):
        pending = overview.pending_supply_requests(user)
        context["pending_supplies"] = sum(pending.values())
    if access.nationwide(user):
        context["prefecture_rows"] = overview.by_prefecture(context["today"], pending)
        context["beds"] = overview.bed_totals(user, current_app.config["BED_STALE_DAYS"])
    return context


@bp.get("/home")
@allow(Permission.view_home)
def index():
    user = current_user._get_current_object()
    if user.role == Role.fire_department:
        # The bed view is all a fire department uses: its home is that page.
        return redirect(url_for("beds.index"))
    context = {"user": user}
    if access.can(user, Permission.view_facilities):
        context["facility_counts"] = _facility_counts(user)
    if access.can(user, Permission.review_registrations):
        context["pending_applications"] = _pending_applications(user)
    if access.can(user, Permission.review_responses):
        context.update(_oversight(user))
    if user.role == Role.aggregator:
        context["matrix"] = matrix.member_matrix(user)
    elif access.can(user, Permission.answer_surveys):
        respondent = eligibility.respondent_of(user)
        if respondent is not None:
            listed = answered_surveys(respondent)
            context["due"] = [(item, item.periods[0]) for item in listed
                              if item.periods and item.periods[0].current]
            # 機能情報の報告: what each report survey asks of the facility now.
            context["report_homes"] = [reporting.open_home(user, item.survey.key)
                                       for item in listed if item.report]
    return render_template("home/index.html", **context)


def _non_responders(user, survey_key: str) -> reminders.NonResponders:
    """The current period's non-responders of a survey that asks facilities (404 for any
    other survey, 409 while the period cannot be answered)."""
    now = utcnow()
    try:
        target = overseen(user, survey_key, periods.today(now))
    except FilterError:
        abort(404)  # no version in force today: nothing to remind of
    if not target.asks_facilities:
        abort(404)
    closed = periods.answerable(target.compiled.definition.period, target.period, now)
    if closed is not None:
        # The current period cannot be answered now: nobody is to be reminded of it.
        raise conflict(f"{closed}督促メールは送れません。")
    return reminders.non_responders(user, target.survey, target.compiled, target.period)


@bp.route("/home/remind/<survey_key>", methods=["GET", "POST"])
@allow(Permission.review_responses)
def remind(survey_key: str):
    """未回答の機関に督促メールを送る: GET asks for confirmation (how many facilities and
    addresses), POST sends, once per survey, period and scope."""
    user = current_user._get_current_object()
    target = _non_responders(user, survey_key)
    if request.method == "GET" or target.sent is not None:
        return render_template("home/remind.html", target=target,
                               back=request.args.get("back", "")), \
            409 if request.method == "POST" else 200
    if not target.addresses:
        flash("未回答の医療機関はありません。督促メールは送っていません。", "success")
        return redirect(url_for("home.index"))
    if not target.address_count:
        # Nothing would be sent: keep the once-per-period reminder for when addresses exist.
        flash("未回答の医療機関にはメールアドレスが登録されていないため、督促メールは"
              "送っていません。", "error")
        return redirect(url_for("home.index"))
    try:
        broadcast = reminders.remind_non_responders(user, target)
    except reminders.AlreadyReminded as already:
        session.rollback()
        target.sent = already.broadcast
        return render_template("home/remind.html", target=target, back=""), 409
    session.commit()
    flash(f"未回答の{broadcast.respondents:,}機関({target.address_count:,}件のアドレス)に"
          "督促メールを送りました。", "success")
    if request.form.get("back") == "status":
        return redirect(url_for("reports.status", survey_key=survey_key))
    return redirect(url_for("home.index"))
