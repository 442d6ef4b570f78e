"""Responses: saving drafts and submissions with their history, the review steps, double
submissions and two people saving at once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from gmis.db import session, utcnow
from gmis.models import (
    AuditEvent,
    ResponseChange,
    ResponseEvent,
    ResponseStatus,
    SurveyResponse,
)
from gmis.refusals import Refused
from gmis.surveys.engine import periods
from gmis.surveys.runtime import field_types
from gmis.surveys.store import eligibility, responses, versions
from gmis.surveys.store.responses import Conflict
from tests.fixtures.surveys import form_inputs

BEDS = {
    "schema_version": 1, "key": "bed_count", "title": "病床数の報告",
    "period": {"kind": "daily", "backfill_periods": 3},
    "sections": [{"key": "beds", "title": "病床", "fields": [
        {"key": "total", "type": "integer", "label": "病床数", "min": 0, "max": 2000,
         "required": True, "prefill": True},
        {"key": "vacant", "type": "integer", "label": "空床数", "min": 0, "default": 0},
        {"key": "used", "type": "integer", "label": "使用中", "compute": "total - vacant"},
        {"key": "note", "type": "text", "label": "備考", "prefill": False},
    ]}],
}


def today() -> date:
    return periods.today(utcnow())


@pytest.fixture
def survey():
    def publish(definition=BEDS, effective=date(2020, 4, 1)):
        version = versions.import_definition(definition, field_types(), source="t.yaml").version
        versions.publish(version, effective)
        return version.survey
    return publish


@pytest.fixture
def hospital(make_user):
    return make_user()


def target_for(survey, user, day=None):
    period = periods.period_for("daily", day or today())
    return responses.open_target(survey, eligibility.for_facility(user.facility), period)


def answer(target, **typed):
    return responses.read_answers(target, form_inputs(typed), set(typed) if typed else set())


def changes_of(response):
    return [(c.field_key, c.old_value, c.new_value) for c in session.scalars(
        sa.select(ResponseChange).where(ResponseChange.response_id == response.id)
        .order_by(ResponseChange.id))]


def events_of(response):
    return [(e.action, e.comment) for e in session.scalars(
        sa.select(ResponseEvent).where(ResponseEvent.response_id == response.id)
        .order_by(ResponseEvent.id))]


def test_a_first_save_creates_the_draft_with_its_changes_and_an_audit_record(survey, hospital):
    target = target_for(survey(), hospital)
    saved = responses.save(target, answer(target, total="120", vacant="20"), user=hospital,
                           revision=0)
    response = saved.response
    assert saved.changed and response.status == ResponseStatus.draft
    assert response.answers == {"total": 120, "vacant": 20, "used": 100}
    assert response.respondent_key == f"facility:{hospital.facility_id}"
    assert changes_of(response) == [("total", None, 120), ("vacant", None, 20),
                                    ("used", None, 100)]
    assert events_of(response) == [("created", "")]
    audit = session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "survey.response_saved")).one()
    assert audit.user_id == hospital.id and audit.object_id == str(response.id)


def test_an_untouched_new_form_leaves_no_draft_behind(survey, hospital):
    target = target_for(survey({**BEDS, "sections": [{**BEDS["sections"][0], "fields": [
        {"key": "total", "type": "integer", "label": "病床数"}]}]}), hospital)
    saved = responses.save(target, answer(target, total=""), user=hospital, revision=0)
    assert saved == responses.Saved(None, changed=False)
    assert session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 0


def test_saving_what_is_stored_writes_nothing(survey, hospital):
    target = target_for(survey(), hospital)
    first = responses.save(target, answer(target, total="5"), user=hospital, revision=0)
    again = responses.save(target, answer(target, total="５"), user=hospital,
                           revision=first.response.revision)
    assert not again.changed
    assert len(changes_of(first.response)) == 3 and first.response.revision == 1


def test_a_new_response_starts_from_defaults_and_the_latest_earlier_answers(survey, hospital,
                                                                            make_user):
    beds = survey()
    for days_ago, total in ((3, 80), (1, 90)):
        earlier = target_for(beds, hospital, today() - timedelta(days=days_ago))
        responses.save(earlier, answer(earlier, total=str(total), vacant="7", note="古い"),
                       user=hospital, revision=0)
    other = make_user()
    elsewhere = target_for(beds, other, today() - timedelta(days=1))
    responses.save(elsewhere, answer(elsewhere, total="999"), user=other, revision=0)

    fresh = target_for(beds, hospital)
    assert fresh.response is None
    # total is marked prefill; vacant is not and starts from its default; note neither.
    assert fresh.answers == {"total": 90, "vacant": 0}
    assert target_for(beds, make_user()).answers == {"vacant": 0}


def test_a_response_created_meanwhile_is_loaded_not_duplicated(survey, hospital, make_user):
    beds = survey()
    first, second = target_for(beds, hospital), target_for(beds, hospital)
    responses.save(first, answer(first, total="10"), user=hospital, revision=0)

    # The double click: the same answers once more, against a page without a response.
    same = responses.save(second, answer(second, total="10"), user=hospital, revision=0)
    assert not same.changed and same.response.id == first.response.id
    assert session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 1

    colleague = make_user(facility=hospital.facility, name="同僚 花子")
    third = target_for(beds, colleague)
    third.response = None  # opened before the first save
    with pytest.raises(Conflict) as conflict:
        responses.save(third, answer(third, total="11"), user=colleague, revision=0)
    (difference,) = conflict.value.differences
    assert (difference.label, difference.theirs, difference.yours) == ("病床数", "10", "11")


def test_a_save_racing_another_on_the_same_revision_is_a_conflict(survey, hospital):
    target = target_for(survey(), hospital)
    response = responses.save(target, answer(target, total="10"), user=hospital,
                              revision=0).response
    # Another request saves between this one's read and write.
    session.execute(sa.update(SurveyResponse).where(SurveyResponse.id == response.id)
                    .values(revision=2, answers={"total": 12, "vacant": 0, "used": 12})
                    .execution_options(synchronize_session=False))
    with pytest.raises(Conflict) as conflict:
        responses.save(target, answer(target, total="15"), user=hospital, revision=1)
    assert [(d.key, d.theirs, d.yours) for d in conflict.value.differences] == [
        ("total", "12", "15")]
    assert session.get(SurveyResponse, response.id).answers["total"] == 12


def test_input_that_cannot_be_used_is_not_stored_and_the_earlier_value_stays(survey,
                                                                             hospital):
    target = target_for(survey(), hospital)
    response = responses.save(target, answer(target, total="50", vacant="5"), user=hospital,
                              revision=0).response
    bad = answer(target, total="2001", vacant="6")
    assert bad.invalid == {"total"}
    assert bad.evaluation.errors["total"] == ["0〜2,000の範囲で入力してください。"]
    responses.save(target, bad, user=hospital, revision=response.revision)
    assert response.answers == {"total": 50, "vacant": 6, "used": 44}


def test_submitted_returned_resubmitted_accepted(survey, hospital, make_user):
    reviewer = make_user(role="prefecture")
    target = target_for(survey(), hospital)
    complete = responses.read_answers(target, {"f.total": "30"}, {"total"}, partial=False)
    response = responses.save(target, complete, user=hospital, revision=0, submit=True).response
    assert response.status == ResponseStatus.submitted and response.submitted_at

    with pytest.raises(Refused, match="差戻しの理由を入力してください。"):
        responses.return_response(response, reviewer, "  ")
    assert responses.return_response(response, reviewer, " 空床数を確認してください。 ")
    assert not responses.return_response(response, reviewer, "空床数を確認してください。")
    assert response.return_comment == "空床数を確認してください。"
    with pytest.raises(Refused, match="「差戻し」の回答は受理できません。"):
        responses.accept(response, reviewer)

    fixed = responses.read_answers(target, {"f.vacant": "3"}, {"vacant"}, partial=False)
    responses.save(target, fixed, user=hospital, revision=response.revision, submit=True)
    assert response.status == ResponseStatus.submitted and response.return_comment == ""
    assert responses.accept(response, reviewer) and not responses.accept(response, reviewer)
    assert events_of(response) == [("submitted", ""), ("returned", "空床数を確認してください。"),
                                   ("resubmitted", ""), ("accepted", "")]

    with pytest.raises(Refused, match="受理済みの回答は変更できません。"):
        responses.save(target, answer(target, total="31"), user=hospital,
                       revision=response.revision)


def test_a_draft_of_a_submitted_response_is_a_correction_until_submitted(survey, hospital):
    target = target_for(survey(), hospital)
    whole = responses.read_answers(target, {"f.total": "30"}, {"total"}, partial=False)
    response = responses.save(target, whole, user=hospital, revision=0, submit=True).response
    # An autosave of the same answers (a second tab) is harmless.
    assert not responses.save(target, answer(target, total="30"), user=hospital,
                              revision=response.revision).changed
    # A change is kept apart: the submitted answers stay what others read.
    assert responses.save(target, answer(target, total="29"), user=hospital,
                          revision=response.revision).changed
    assert response.answers["total"] == 30 and response.correction["total"] == 29
    assert response.status == ResponseStatus.submitted
    assert events_of(response) == [("submitted", "")]
    corrected = responses.read_answers(target, {"f.total": "29"}, {"total"}, partial=False)
    responses.save(target, corrected, user=hospital, revision=response.revision, submit=True)
    assert response.answers["total"] == 29 and response.correction is None
    assert events_of(response)[-1] == ("corrected", "")


def test_what_cannot_be_opened(survey, hospital, make_user):
    beds = survey()
    with pytest.raises(Refused, match="まだ始まっていない期間") as refused:
        target_for(beds, hospital, today() + timedelta(days=1))
    assert refused.value.status == 403
    with pytest.raises(Refused, match="回答できるのは"):
        target_for(beds, hospital, today() - timedelta(days=4))
    with pytest.raises(Refused, match="調査の版がありません") as refused:
        target_for(survey({**BEDS, "key": "later"}, today() + timedelta(days=7)), hospital)
    assert refused.value.status == 404

    # A response sent back for a period now closed may still be answered again.
    old_day = today() - timedelta(days=3)
    old = target_for(beds, hospital, old_day)
    whole = responses.read_answers(old, {"f.total": "1"}, {"total"}, partial=False)
    response = responses.save(old, whole, user=hospital, revision=0, submit=True).response
    responses.return_response(response, make_user(role="prefecture"), "確認してください")
    response.period_start = old_day - timedelta(days=30)
    response.period_key = (old_day - timedelta(days=30)).isoformat()
    session.flush()
    reopened = target_for(beds, hospital, old_day - timedelta(days=30))
    assert reopened.response == response


def test_the_latest_response_follows_submissions_but_not_backfilled_days(survey, hospital):
    from gmis.models import LatestResponse
    from gmis.surveys.store import latest

    bed_count = survey()

    def submit(day):
        target = target_for(bed_count, hospital, day)
        answers = responses.read_answers(target, {"f.total": "100"}, None, partial=False)
        return responses.save(target, answers, user=hospital, revision=0, submit=True).response

    def current():
        return session.scalars(sa.select(LatestResponse)).one()

    yesterday = submit(today() - timedelta(days=1))
    assert current().response_id == yesterday.id
    todays = submit(today())
    assert current().response_id == todays.id
    submit(today() - timedelta(days=2))  # a backfilled day does not replace today's
    assert current().response_id == todays.id and current().period_start == today()
    assert latest.rebuild(bed_count.id) == 1 and current().response_id == todays.id


def test_a_week_under_way_when_its_survey_began_is_answered_but_not_the_weeks_before(
        survey, hospital):
    from datetime import datetime

    from gmis.japan_time import TOKYO
    from gmis.surveys.answering import answered_surveys

    weekly = survey({**BEDS, "key": "weekly_beds", "period": {"kind": "weekly",
                                                              "backfill_periods": 2}},
                    effective=date(2026, 12, 2))  # a Wednesday
    thursday = datetime(2026, 12, 3, 10, 0, tzinfo=TOKYO)
    respondent = eligibility.for_facility(hospital.facility)
    this_week = periods.period_for("weekly", date(2026, 12, 3))
    assert responses.open_target(weekly, respondent, this_week, now=thursday).version
    last_week = periods.period_for("weekly", date(2026, 11, 25))
    with pytest.raises(Refused, match="回答できる調査の版がありません"):
        responses.open_target(weekly, respondent, last_week, now=thursday)
    [listed] = [item for item in answered_surveys(respondent, thursday)
                if item.survey.id == weekly.id]
    assert [p.period.key for p in listed.periods] == [this_week.key]
