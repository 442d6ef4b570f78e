"""Answering surveys: whom a user answers for, the surveys and periods to answer, opening a
response to fill, and reading and reviewing a response.

Nothing here reads a request or builds a URL: the blueprint passes in what was asked for
(an aggregator's ``?facility=``, the day picked) and the links e-mails carry. What cannot be
done is raised as ``gmis.refusals.Refused``. What the fill form sends is saved through
``gmis.surveys.store.submission``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from gmis import access, mail
from gmis.access import Permission
from gmis.accounts.operations import addresses_of
from gmis.db import session, utcnow
from gmis.models import ANSWERED_STATUSES, ResponseStatus, Role, Survey, SurveyResponse, User
from gmis.refusals import forbidden, not_found
from gmis.surveys import runtime
from gmis.surveys.engine import periods
from gmis.surveys.engine.builder import CompiledSurvey
from gmis.surveys.engine.definition import PERIOD_KINDS
from gmis.surveys.engine.validation import evaluate
from gmis.surveys.store import eligibility, responses
from gmis.surveys.store.eligibility import Respondent
from gmis.surveys.store.responses import Target
from gmis.surveys.store.versions import first_starts, version_in_force

# --- who answers, for what -------------------------------------------------------------

def respondent_for(user: User, facility_arg: str | None) -> Respondent:
    """The respondent ``user`` answers for; an aggregator names a member by ``facility_arg``
    (the facility's id as sent; not found otherwise)."""
    if user.role == Role.aggregator:
        if not (facility_arg or "").isdigit():
            raise not_found()
        facility = eligibility.member_facility(user, int(facility_arg))
        if facility is None:
            raise not_found()
        return eligibility.respondent_of(user, facility)
    respondent = eligibility.respondent_of(user)
    if respondent is None:
        raise forbidden("回答できる組織が登録されていません。")
    return respondent


def parse_period(key: str) -> periods.Period | None:
    """The period a key names; the kinds' keys never look alike."""
    for kind in PERIOD_KINDS:
        period = periods.parse_period_key(kind, key)
        if period is not None:
            return period
    return None


def survey_named(key: str) -> Survey:
    """The survey with ``key``, or not found."""
    survey = session.scalars(sa.select(Survey).where(Survey.key == key)).first()
    if survey is None:
        raise not_found()
    return survey


def target_for(user: User, survey_key: str, period_key: str,
               facility_arg: str | None) -> Target:
    """What ``user`` fills for the survey and period the URL names (see ``respondent_for``
    for ``facility_arg``); not found for an unknown survey or period key, Refused as
    ``responses.open_target`` refuses."""
    period = parse_period(period_key)
    if period is None:
        raise not_found()
    survey = survey_named(survey_key)
    respondent = respondent_for(user, facility_arg)
    return responses.open_target(survey, respondent, period)


def period_on(survey: Survey, day: date) -> str:
    """The key of the survey's period that holds ``day``."""
    version = version_in_force(survey, None, day) or survey.versions[-1]
    return periods.period_for(runtime.compiled(version).definition.period.kind, day).key


# --- the surveys a respondent answers --------------------------------------------------------

@dataclass
class PeriodStatus:
    period: periods.Period
    due: datetime | None
    response: SurveyResponse | None
    now: datetime
    current: bool = False
    #: The respondent answered an earlier period (what 前日から変更なし starts from).
    answered_before: bool = False

    @property
    def action(self) -> str:
        """What following the period's link does."""
        if self.response is None:
            return "回答する"
        return {ResponseStatus.draft: "続きを入力する", ResponseStatus.returned: "修正する",
                ResponseStatus.submitted: "確認・修正する"}.get(self.response.status, "確認する")

    @property
    def status(self) -> str:
        return self.response.status.value if self.response else "unanswered"

    @property
    def label(self) -> str:
        return self.response.status.label if self.response else "未回答"

    @property
    def offers_unchanged(self) -> bool:
        """前日から変更なし: not submitted yet, and there is an earlier answer to keep."""
        return self.answered_before and self.status in ("unanswered", "draft")

    @property
    def overdue(self) -> bool:
        pending = self.response is None or self.response.status in (
            ResponseStatus.draft, ResponseStatus.returned)
        return pending and self.due is not None and self.now > self.due


#: Periods listed per survey; older ones still open are reached by date.
LISTED_PERIODS = 8


@dataclass
class ListedSurvey:
    survey: Survey
    title: str
    description: str
    periods: list[PeriodStatus]
    #: Why nothing can be answered now (a fiscal-year survey outside its window).
    closed: str | None
    #: The survey may be answered further back than the periods listed.
    more: bool = False
    #: A report survey (period kind ``report``): begun from its report home, not a period.
    report: bool = False


def surveys_in_force(prefecture_code: str, day: date) -> Iterator[tuple[Survey, CompiledSurvey]]:
    """Every survey with a version in force on ``day`` in the prefecture, compiled, by title;
    a version that no longer compiles is left out (``runtime.usable``)."""
    for survey in session.scalars(sa.select(Survey).order_by(Survey.title, Survey.id)):
        version = version_in_force(survey, prefecture_code, day)
        compiled = runtime.usable(version) if version is not None else None
        if compiled is not None:
            yield survey, compiled


def answered_surveys(respondent: Respondent, now: datetime | None = None) -> list[ListedSurvey]:
    """The surveys in force today that ``respondent`` answers, with the periods open now
    (the current one and those still open for backfilling) and their responses."""
    now = now or utcnow()
    today = periods.today(now)
    listed = []
    starts = first_starts(respondent.prefecture_code)
    for survey, compiled in surveys_in_force(respondent.prefecture_code, today):
        definition = compiled.definition
        if not eligibility.answers(definition, respondent):
            continue
        # Only periods a version was in force for (version_for_period): none that ended
        # before the survey began.
        if definition.period.kind == "report":
            listed.append(ListedSurvey(survey, definition.title, definition.description, [],
                                       None, report=True))
            continue
        began = starts[survey.id]
        open_periods = [p for p in periods.answerable_periods(definition.period, now,
                                                              LISTED_PERIODS)
                        if min(p.end, today) >= began]
        current = periods.current_period(definition.period, now)
        closed = None if open_periods else periods.answerable(definition.period, current, now)
        listed.append(ListedSurvey(survey, definition.title, definition.description,
                                   [PeriodStatus(p, periods.due_at(definition.period, p),
                                                 None, now, p == current)
                                    for p in open_periods], closed,
                                   more=definition.period.backfill_periods >= LISTED_PERIODS))
    keys = {p.period.key for item in listed for p in item.periods}
    if keys:
        found = {(r.survey_id, r.period_key): r for r in session.scalars(
            sa.select(SurveyResponse).where(
                SurveyResponse.respondent_key == respondent.key,
                SurveyResponse.survey_id.in_([item.survey.id for item in listed]),
                SurveyResponse.period_key.in_(keys)))}
        # The first period each survey was answered in (as Target.previous counts an
        # answer): later ones have an earlier answer to carry over.
        first = dict(session.execute(
            sa.select(SurveyResponse.survey_id, sa.func.min(SurveyResponse.period_start))
            .where(SurveyResponse.respondent_key == respondent.key,
                   SurveyResponse.survey_id.in_([item.survey.id for item in listed]),
                   SurveyResponse.status.in_(ANSWERED_STATUSES))
            .group_by(SurveyResponse.survey_id)).all())
        for item in listed:
            for status in item.periods:
                status.response = found.get((item.survey.id, status.period.key))
                began = first.get(item.survey.id)
                status.answered_before = began is not None and began < status.period.start
    return listed


# --- reading and reviewing a response ------------------------------------------------------

def response_in_scope(user: User, response_id: int) -> SurveyResponse:
    return access.scoped_or_404(
        access.responses(user).where(SurveyResponse.id == response_id)
        .options(joinedload(SurveyResponse.version), joinedload(SurveyResponse.survey),
                 joinedload(SurveyResponse.facility), joinedload(SurveyResponse.updated_by)),
        response_id)


def may_review(user: User, response: SurveyResponse) -> bool:
    """Reviewers act on responses in their scope, but not on their own organisation's."""
    own = eligibility.respondent_of(user)
    return access.can(user, Permission.review_responses) and (
        own is None or own.key != response.respondent_key)


def may_answer(user: User, response: SurveyResponse) -> bool:
    """Whether ``user`` fills this response (its respondent, or an aggregator's member)."""
    if not access.can(user, Permission.answer_surveys):
        return False
    if user.role == Role.aggregator:
        return response.facility_id is not None and eligibility.member_facility(
            user, response.facility_id) is not None
    own = eligibility.respondent_of(user)
    return own is not None and own.key == response.respondent_key


@dataclass(frozen=True)
class HistoryEntry:
    changed_at: datetime
    who: str
    old: str
    new: str


def field_history(compiled: CompiledSurvey, response: SurveyResponse, *,
                  drafts_included: bool = True
                  ) -> tuple[list, list[tuple[str, str, list[HistoryEntry]]]]:
    """The response's events, and per field (in the survey's order) its changes (for a
    reviewer, those after the first submission: see ``responses.history``)."""
    events, changes = responses.history(response, drafts_included=drafts_included)
    by_key: dict[str, list[HistoryEntry]] = {}
    for change in changes:
        by_key.setdefault(change.field_key, []).append(HistoryEntry(
            change.changed_at, change.user.name if change.user else "",
            responses.display(compiled, change.field_key, change.old_value),
            responses.display(compiled, change.field_key, change.new_value)))
    ordered = [(key, f.definition.label, by_key.pop(key))
               for key, f in compiled.fields.items() if key in by_key]
    ordered += [(key, key, entries) for key, entries in by_key.items()]
    return events, ordered


def answers_view(compiled: CompiledSurvey, response: SurveyResponse) -> list[tuple]:
    """(section, [(field, value)]) of the visible fields, as the response's own version
    shows them."""
    respondent = eligibility.respondent_of_response(response)
    values = responses.stored_answers(compiled, response.answers)
    evaluation = evaluate(compiled, values, respondent=respondent.expression_context(),
                          partial=True)
    return [(section, [(f, evaluation.values.get(f.key))
                       for f in compiled.section_fields(section.key)
                       if f.key in evaluation.visible])
            for section in compiled.sections]


def respondent_addresses(response: SurveyResponse) -> list[str]:
    """The e-mail addresses of the active users who answer for the response's respondent."""
    kind, _, ident = response.respondent_key.partition(":")
    organisation = {"facility": User.facility_id == response.facility_id,
                    "prefecture": sa.and_(User.role == Role.prefecture,
                                          User.prefecture_code == ident),
                    "city": User.city_id == response.city_id}.get(kind)
    return addresses_of(organisation) if organisation is not None else []


def notify_returned(response: SurveyResponse, comment: str, link: str) -> None:
    """Tell those who answer that their response was returned, and why (through the outbox);
    ``link`` is the fill page the e-mail points to."""
    title = runtime.compiled(response.version).definition.title
    period = parse_period(response.period_key)
    for address in respondent_addresses(response):
        mail.enqueue(address, "response_returned", title=title,
                     period=period.label if period else response.period_key,
                     comment=comment, link=link)
