"""Reminders (回答督促): shortly before a survey's deadline, an e-mail to every facility
asked that has not answered the current period yet; and, when a prefecture, a city or the
national office asks for it, one to every facility in its scope that has not answered.

``send_due_reminders`` is run every few minutes (``flask --app wsgi surveys remind``, from
cron or a systemd timer). A reminder is sent once per facility and period: the
``survey_reminders`` row, unique per respondent and period, is written in the same
transaction as the outbox messages, so a second run or a second server sends nothing more.

``remind_non_responders`` (「未回答の機関に督促メールを送る」) is sent once per survey, period
and scope in the same way: its ``reminder_broadcasts`` row is unique per survey, period and
scope, so a second press, or the same press reaching a second server, sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from sqlalchemy.exc import IntegrityError

from gmis import access, audit, mail
from gmis.db import session, utcnow
from gmis.models import (
    ANSWERED_STATUSES,
    Facility,
    ReminderBroadcast,
    Role,
    Survey,
    SurveyReminder,
    SurveyResponse,
    User,
)
from gmis.surveys import runtime
from gmis.surveys.engine import periods
from gmis.surveys.engine.builder import CompiledSurvey
from gmis.surveys.store import eligibility
from gmis.surveys.store.versions import version_in_force


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


def not_answered(survey: Survey, compiled: CompiledSurvey, period: periods.Period,
                 *where: sa.ColumnElement[bool]) -> sa.Select:
    """The facilities the survey asks that have not answered ``period`` (a draft or a
    returned response is not an answer), narrowed by ``where``."""
    answered = sa.select(SurveyResponse.facility_id).where(
        SurveyResponse.survey_id == survey.id, SurveyResponse.period_key == period.key,
        SurveyResponse.status.in_(ANSWERED_STATUSES), SurveyResponse.facility_id.is_not(None))
    return (sa.select(Facility)
            .where(eligibility.asked_facilities(compiled.definition),
                   Facility.id.not_in(answered), *where)
            .order_by(Facility.id))


def _not_reminded(item: Due) -> sa.Select:
    reminded = sa.select(SurveyReminder.respondent_key).where(
        SurveyReminder.survey_id == item.survey.id,
        SurveyReminder.period_key == item.period.key)
    return not_answered(
        item.survey, item.compiled, item.period,
        (sa.literal("facility:") + sa.cast(Facility.id, sa.String)).not_in(reminded))


def addresses_of_facilities(facilities: list[Facility]) -> dict[int, list[str]]:
    """Each facility's active users' addresses, each once; the facility's own address when
    it has none. One query for all of them: a prefecture may remind hundreds at once."""
    found: dict[int, list[str]] = {f.id: [] for f in facilities}
    if facilities:
        rows = session.execute(
            sa.select(User.facility_id, User.email)
            .where(User.facility_id.in_(list(found)), User.is_active.is_(True),
                   User.email != "")
            .order_by(User.id))
        for facility_id, email in rows:
            if email not in found[facility_id]:
                found[facility_id].append(email)
    for facility in facilities:
        if not found[facility.id] and facility.email:
            found[facility.id] = [facility.email]
    return found


def _fill_link(survey: Survey, period: periods.Period) -> str:
    # Links in e-mails start from BASE_URL; a job has no request to take a host from.
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        return url_for("surveys.fill", survey_key=survey.key, period_key=period.key,
                       _external=True)


def send_due_reminders(now: datetime | None = None, lead: timedelta | None = None) -> int:
    """Queue the reminders due now; the number of facilities reminded."""
    now = now or utcnow()
    lead = lead or timedelta(minutes=current_app.config["SURVEY_REMINDER_MINUTES"])
    reminded = 0
    for item in due_soon(now, lead):
        link = _fill_link(item.survey, item.period)
        facilities = list(session.scalars(_not_reminded(item)))
        found = addresses_of_facilities(facilities)
        for facility in facilities:
            addresses = found[facility.id]
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


# --- 未回答の機関に督促メールを送る ------------------------------------------------------------

def scope_key(user: User) -> str:
    """Whose non-responders ``user`` reminds: "national", "prefecture:13" or "city:4"."""
    if access.nationwide(user):
        return "national"
    if user.role == Role.city:
        return f"city:{user.city_id}"
    return f"prefecture:{user.prefecture_code}"


@dataclass
class NonResponders:
    """Who a reminder to the non-responders of ``user``'s scope would reach."""

    survey: Survey
    compiled: CompiledSurvey
    period: periods.Period
    scope_key: str
    addresses: dict[Facility, list[str]]
    #: The reminder already sent for this survey, period and scope, if any.
    sent: ReminderBroadcast | None

    @property
    def address_count(self) -> int:
        return sum(len(found) for found in self.addresses.values())

    @property
    def unreachable(self) -> int:
        """Facilities without any address (neither users nor the facility's own)."""
        return sum(1 for found in self.addresses.values() if not found)


def _sent(survey: Survey, period: periods.Period, key: str) -> ReminderBroadcast | None:
    return session.scalars(sa.select(ReminderBroadcast).where(
        ReminderBroadcast.survey_id == survey.id, ReminderBroadcast.period_key == period.key,
        ReminderBroadcast.scope_key == key)).first()


def non_responders(user: User, survey: Survey, compiled: CompiledSurvey,
                   period: periods.Period) -> NonResponders:
    """The facilities in ``user``'s scope that have not answered ``period``, with their
    addresses, and the reminder already sent to them, if any."""
    key = scope_key(user)
    facilities = list(session.scalars(
        not_answered(survey, compiled, period, access.facility_scope(user))))
    found = addresses_of_facilities(facilities)
    return NonResponders(survey, compiled, period, key,
                         {f: found[f.id] for f in facilities}, _sent(survey, period, key))


class AlreadyReminded(Exception):
    """The non-responders of this survey, period and scope were reminded before."""

    def __init__(self, broadcast: ReminderBroadcast):
        super().__init__(broadcast.scope_key)
        self.broadcast = broadcast


def remind_non_responders(user: User, target: NonResponders) -> ReminderBroadcast:
    """Queue one reminder to every address of ``target``, once per survey, period and scope
    (AlreadyReminded otherwise), and audit it; the caller commits. The row that makes it
    once-only is written first, in the transaction of the messages: of two presses at the
    same moment, on two servers, the second fails on the unique constraint and sends nothing."""
    if target.sent is not None:
        raise AlreadyReminded(target.sent)
    broadcast = ReminderBroadcast(survey_id=target.survey.id, period_key=target.period.key,
                                  scope_key=target.scope_key, sent_by_id=user.id,
                                  respondents=len(target.addresses))
    try:
        with session.begin_nested():
            session.add(broadcast)
    except IntegrityError:
        raise AlreadyReminded(_sent(target.survey, target.period, target.scope_key)) from None
    title = target.compiled.definition.title
    due = periods.due_at(target.compiled.definition.period, target.period)
    link = _fill_link(target.survey, target.period)
    sender = user.organisation_name
    for facility, addresses in target.addresses.items():
        for address in addresses:
            mail.enqueue(address, "survey_non_responders", facility=facility, title=title,
                         period=target.period, due=due, link=link, sender=sender)
    audit.record("survey.non_responders_reminded", target.survey, user=user,
                 period=target.period.key, scope=target.scope_key,
                 respondents=len(target.addresses), addresses=target.address_count)
    return broadcast
