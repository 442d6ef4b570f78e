"""The latest answer of a facility to a survey, one meaning for every reader: the bed view's
table (every hospital at once, from ``latest_responses``), a hospital's detail, and the
system check of emergency supply requests, which asks only for recent answers standing as
they were given."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from gmis.db import session, utcnow
from gmis.models import Facility, Role, SurveyResponse
from gmis.surveys.engine import periods
from gmis.surveys.store import latest, responses
from tests.fixtures.surveys import HOSPITAL_DAY


def today() -> date:
    return periods.today(utcnow())


@pytest.fixture
def hospital_daily(builtin_survey):
    return builtin_survey("hospital_daily")


@pytest.fixture
def returned(make_user):
    """``returned(response)``: sent back by the prefecture for a correction."""
    reviewer = make_user(role=Role.prefecture)

    def send_back(response: SurveyResponse) -> SurveyResponse:
        assert responses.return_response(response, reviewer, "空床数をご確認ください。")
        session.flush()
        return response

    return send_back


def test_the_latest_answer_is_of_the_latest_period_and_stands_while_returned(
        hospital_daily, make_user, answer_survey, returned):
    hospital = make_user()
    facility = hospital.facility
    assert latest.response_of(hospital_daily, facility) is None
    answer_survey(hospital_daily, hospital, today() - timedelta(days=3), HOSPITAL_DAY)
    later = answer_survey(hospital_daily, hospital, today() - timedelta(days=1), HOSPITAL_DAY)
    answer_survey(hospital_daily, hospital, today(), HOSPITAL_DAY, submit=False)  # a draft
    answer_survey(hospital_daily, hospital, today() - timedelta(days=2), HOSPITAL_DAY)  # backfilled
    assert latest.response_of(hospital_daily, facility) == later

    returned(later)
    # Its figures stand until corrected: the bed view still shows them ...
    assert latest.response_of(hospital_daily, facility) == later
    # ... but it is no answer as given: the one before it is.
    found = latest.response_of(hospital_daily, facility, answered_only=True)
    assert found.period_start == today() - timedelta(days=2)

    # Only periods from ``since`` on.
    assert latest.response_of(hospital_daily, facility, since=today() - timedelta(days=1)) \
        == later
    assert latest.response_of(hospital_daily, facility, since=today() - timedelta(days=1),
                              answered_only=True) is None
    assert latest.response_of(hospital_daily, facility, since=today() - timedelta(days=3),
                              answered_only=True) == found


def test_the_list_join_reads_the_same_latest_answer_of_every_facility(
        hospital_daily, make_user, answer_survey, returned):
    reporting, returning, silent = make_user(), make_user(), make_user()
    answer_survey(hospital_daily, reporting, today(), HOSPITAL_DAY)
    answer_survey(hospital_daily, reporting, today() - timedelta(days=4), HOSPITAL_DAY)
    answer_survey(hospital_daily, returning, today() - timedelta(days=1), HOSPITAL_DAY)
    returned(answer_survey(hospital_daily, returning, today(), HOSPITAL_DAY))
    answer_survey(hospital_daily, silent, today(), HOSPITAL_DAY, submit=False)
    facilities = [user.facility for user in (reporting, returning, silent)]

    listed = dict(session.execute(latest.outerjoin_latest(
        sa.select(Facility.id, SurveyResponse.id).select_from(Facility), hospital_daily)
        .where(Facility.id.in_([f.id for f in facilities]))).all())
    by_one = {f.id: getattr(latest.response_of(hospital_daily, f), "id", None)
              for f in facilities}
    assert listed == by_one
    assert by_one[silent.facility.id] is None and None not in (
        by_one[reporting.facility.id], by_one[returning.facility.id])
