"""Reminders before a deadline: to the facilities asked that have not answered, once."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from gmis.db import session
from gmis.japan_time import TOKYO
from gmis.models import FacilityType, OutboxMessage, SurveyReminder
from gmis.surveys.engine import periods
from gmis.surveys.reminders import send_due_reminders
from tests.fixtures.surveys import HOSPITAL_DAY


def at(hour: int, minute: int = 0) -> datetime:
    """Today at hour:minute in Tokyo (as the aware datetime the app stores)."""
    day = periods.today(datetime.now(TOKYO))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TOKYO)


def outbox() -> list[OutboxMessage]:
    return list(session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_an_hour_before_13_00_the_hospitals_that_have_not_answered_are_reminded_once(
        app, builtin_survey, make_user, make_facility, answer_survey):
    survey = builtin_survey("hospital_daily")
    late = make_user(email="late@example.jp", facility=make_facility(name="遅延病院"))
    done = make_user(facility=make_facility(name="提出済病院"))
    no_user = make_facility(name="利用者なし病院", email="office@example.jp")
    make_facility(facility_type=FacilityType.clinic)  # not asked
    answer_survey(survey, done, periods.today(at(9)), HOSPITAL_DAY)
    session.commit()

    with app.test_request_context():
        assert send_due_reminders(now=at(11, 59), lead=timedelta(minutes=60)) == 0  # too early
        assert send_due_reminders(now=at(12, 5), lead=timedelta(minutes=60)) == 2
        assert send_due_reminders(now=at(12, 30), lead=timedelta(minutes=60)) == 0  # once
        assert send_due_reminders(now=at(13, 0), lead=timedelta(minutes=60)) == 0  # past due

    messages = outbox()
    assert [m.recipient for m in messages] == ["late@example.jp", "office@example.jp"]
    first = messages[0]
    assert "病院日次調査" in first.subject and "回答期限が近づいています" in first.subject
    assert "遅延病院" in first.body and f"{at(13):%Y/%m/%d} 13:00" in first.body
    assert f"/surveys/hospital_daily/{periods.today(at(12)).isoformat()}" in first.body
    keys = set(session.scalars(sa.select(SurveyReminder.respondent_key)))
    assert keys == {f"facility:{late.facility_id}", f"facility:{no_user.id}"}


def test_the_command_line_reports_how_many_were_reminded(runner):
    result = runner.invoke(args=["surveys", "remind"])
    assert result.exit_code == 0
    assert "件の医療機関に回答の督促メールを送りました。" in result.output


def test_every_must_leave_time_between_rounds(runner):
    result = runner.invoke(args=["surveys", "remind", "--every", "5"])
    assert result.exit_code == 2 and "30" in result.output
