"""Reminders (回答督促): shortly before a survey's deadline, an e-mail to every facility
asked that has not answered the current period yet.

``send_due_reminders`` is run every few minutes (``flask --app wsgi surveys remind``, from
cron or a systemd timer). A reminder is sent once per facility and period: the
``survey_reminders`` row, unique per respondent and period, is written in the same
transaction as the outbox messages, so a second run or a second server sends nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from sqlalchemy.exc import IntegrityError

from gmis import mail
from gmis.accounts.operations import addresses_of
from gmis.db import session, utcnow
from gmis.models import (
    ANSWERED_STATUSES,
    Facility,
    Survey,
    SurveyReminder,
    SurveyResponse,
    User,
)
from gmis.surveys import eligibility, periods, runtime
from gmis.surveys.builder import CompiledSurvey
from gmis.surveys.versions import version_in_force


@dataclass(frozen=True)
class Due:
    survey: Survey
    compiled: CompiledSurvey
    period: periods.Period
    due: datetime


def due_soon(now: datetime, lead: timedelta) -> list[Due]:
    """The surveys whose current period's deadline is less than ``lead`` away."""
    found = []
    today = periods.today(now)
    for survey in session.scalars(sa.select(Survey).order_by(Survey.id)):
        version = version_in_force(survey, None, today)
        if version is None:
            continue
        compiled = runtime.compiled(version)
        if "facility" not in compiled.definition.respondents.roles:
            continue
        period = periods.current_period(compiled.definition.period, now)
        due = periods.due_at(compiled.definition.period, period)
        if due is not None and due - lead <= now < due:
            found.append(Due(survey, compiled, period, due))
    return found


def _not_answered(item: Due) -> sa.Select:
    answered = sa.select(SurveyResponse.facility_id).where(
        SurveyResponse.survey_id == item.survey.id,
        SurveyResponse.period_key == item.period.key,
        SurveyResponse.status.in_(ANSWERED_STATUSES), SurveyResponse.facility_id.is_not(None))
    reminded = sa.select(SurveyReminder.respondent_key).where(
        SurveyReminder.survey_id == item.survey.id,
        SurveyReminder.period_key == item.period.key)
    return (sa.select(Facility)
            .where(eligibility.asked_facilities(item.compiled.definition),
                   Facility.id.not_in(answered),
                   (sa.literal("facility:") + sa.cast(Facility.id, sa.String)).not_in(reminded))
            .order_by(Facility.id))


def _addresses(facility: Facility) -> list[str]:
    """The facility's active users; the facility's own address when it has none."""
    return addresses_of(User.facility_id == facility.id) or (
        [facility.email] if facility.email else [])


def send_due_reminders(now: datetime | None = None, lead: timedelta | None = None) -> int:
    """Queue the reminders due now; the number of facilities reminded."""
    now = now or utcnow()
    lead = lead or timedelta(minutes=current_app.config["SURVEY_REMINDER_MINUTES"])
    base = current_app.config["BASE_URL"]
    reminded = 0
    for item in due_soon(now, lead):
        # Links in e-mails start from BASE_URL; a job has no request to take a host from.
        with current_app.test_request_context(base_url=base):
            link = url_for("surveys.fill", survey_key=item.survey.key,
                           period_key=item.period.key, _external=True)
        for facility in session.scalars(_not_answered(item)):
            addresses = _addresses(facility)
            try:
                with session.begin_nested():
                    session.add(SurveyReminder(survey_id=item.survey.id,
                                               period_key=item.period.key,
                                               respondent_key=f"facility:{facility.id}",
                                               recipients=len(addresses)))
            except IntegrityError:
                continue  # another run reminded it a moment ago
            for address in addresses:
                mail.enqueue(address, "survey_reminder", facility=facility,
                             title=item.compiled.definition.title, period=item.period,
                             due=item.due, link=link)
            reminded += 1
        session.commit()
    return reminded
