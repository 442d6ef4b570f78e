"""What the fill form sends, through the one entry point: each action's outcome, type errors
and rule errors kept apart, and every value checked once on one request."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from gmis.db import session, utcnow
from gmis.models import ResponseStatus
from gmis.refusals import Kind
from gmis.surveys.engine import periods
from gmis.surveys.runtime import field_types
from gmis.surveys.store import eligibility, responses, versions
from gmis.surveys.store.submission import Action, Result, submit
from tests.fixtures.surveys import form_inputs

RANGE = "0〜2,000の範囲で入力してください。"
VACANT_RULE = "空床数は病床数以下にしてください。"

BEDS = {
    "schema_version": 1, "key": "bed_count", "title": "病床数の報告",
    "period": {"kind": "daily", "backfill_periods": 3},
    "sections": [{"key": "beds", "title": "病床", "fields": [
        {"key": "total", "type": "integer", "label": "病床数", "min": 0, "max": 2000,
         "required": True},
        {"key": "vacant", "type": "integer", "label": "空床数", "min": 0},
        {"key": "used", "type": "integer", "label": "使用中", "compute": "total - vacant"},
    ]}],
    "rules": [{"key": "vacant_at_most_total", "expression": "vacant <= total",
               "message": VACANT_RULE, "fields": ["vacant"]}],
}


@pytest.fixture
def hospital(make_user):
    return make_user()


@pytest.fixture
def target(hospital):
    version = versions.import_definition(BEDS, field_types(), source="t.yaml").version
    versions.publish(version, date(2020, 4, 1))
    period = periods.period_for("daily", periods.today(utcnow()))
    return responses.open_target(version.survey, eligibility.for_facility(hospital.facility),
                                 period)


def form(revision=0, **typed):
    return {**form_inputs(typed), "revision": str(revision)}


def test_a_draft_with_a_value_out_of_range_is_saved_and_says_so_as_a_type_error(target,
                                                                              hospital):
    first = submit(target, form(total="50", vacant="5"), Action.SAVE, user=hospital)
    assert first.result is Result.SAVED and first.changed
    assert first.type_errors == {} and first.rule_errors == {}

    outcome = submit(target, form(first.saved.response.revision, total="2001", vacant="6"),
                     Action.SAVE, user=hospital)
    assert outcome.result is Result.SAVED
    assert outcome.type_errors == {"total": [RANGE]} and outcome.rule_errors == {}
    # The input is kept as typed; the stored answer stays what it was.
    response = outcome.saved.response
    assert response.answers == {"total": 50, "vacant": 6, "used": 44}
    assert response.pending_inputs == {"total": {"f.total": "2001"}}


def test_a_submission_with_rule_errors_is_not_submitted_but_its_draft_is_kept(target,
                                                                             hospital):
    outcome = submit(target, form(vacant="30"), Action.SUBMIT, user=hospital)
    assert outcome.result is Result.NOT_SUBMITTED
    assert outcome.type_errors == {}
    assert outcome.rule_errors == {"total": ["入力してください。"]}
    assert outcome.saved.response.status == ResponseStatus.draft
    assert outcome.saved.response.answers == {"vacant": 30}

    again = submit(target, form(outcome.saved.response.revision, total="20", vacant="30"),
                   Action.SUBMIT, user=hospital)
    assert again.result is Result.NOT_SUBMITTED
    assert again.rule_errors == {"vacant": [VACANT_RULE]} and again.type_errors == {}


def test_type_and_rule_errors_of_one_field_are_told_apart(target, hospital):
    outcome = submit(target, form(total="10", vacant="-1"), Action.SUBMIT, user=hospital)
    assert outcome.result is Result.NOT_SUBMITTED
    # A value the type refuses is not judged by the rules that use it.
    assert list(outcome.type_errors) == ["vacant"] and outcome.rule_errors == {}
    assert outcome.answers.evaluation.errors == outcome.type_errors


def test_a_clean_submission_is_submitted_and_a_repeated_one_changes_nothing(target,
                                                                           hospital):
    outcome = submit(target, form(total="10", vacant="3"), Action.SUBMIT, user=hospital)
    assert outcome.result is Result.SUBMITTED and outcome.changed
    response = outcome.saved.response
    assert response.status == ResponseStatus.submitted
    assert response.answers == {"total": 10, "vacant": 3, "used": 7}
    session.commit()
    repeated = submit(target, form(response.revision, total="10", vacant="3"),
                      Action.SUBMIT, user=hospital)
    assert repeated.result is Result.SUBMITTED and not repeated.changed


def test_a_save_over_somebody_elses_is_a_conflict_with_the_differences(target, hospital):
    saved = submit(target, form(total="10"), Action.SAVE, user=hospital).saved
    outcome = submit(target, form(saved.response.revision - 1, total="12"), Action.SAVE,
                     user=hospital)
    assert outcome.result is Result.CONFLICT and not outcome.changed
    assert [(d.key, d.theirs, d.yours) for d in outcome.conflict.differences] == [
        ("total", "10", "12")]
    assert saved.response.answers["total"] == 10


def test_an_accepted_response_is_refused(target, hospital, make_user):
    submitted = submit(target, form(total="10"), Action.SUBMIT, user=hospital).saved
    responses.accept(submitted.response, make_user())
    outcome = submit(target, form(submitted.response.revision, total="11"), Action.SAVE,
                     user=hospital)
    assert outcome.result is Result.REFUSED
    assert outcome.refused.kind is Kind.CONFLICT
    assert outcome.refused.message == "受理済みの回答は変更できません。"


def test_discarding_drops_the_correction_of_a_submitted_response(target, hospital):
    submitted = submit(target, form(total="10"), Action.SUBMIT, user=hospital).saved
    corrected = submit(target, form(submitted.response.revision, total="11"), Action.SAVE,
                       user=hospital)
    assert corrected.result is Result.SAVED and submitted.response.correction is not None
    outcome = submit(target, {}, Action.DISCARD, user=hospital)
    assert outcome.result is Result.DISCARDED and outcome.changed
    assert outcome.answers is None and submitted.response.correction is None
    assert not submit(target, {}, Action.DISCARD, user=hospital).changed


@pytest.fixture
def checks(target, monkeypatch):
    """How many times each value was checked by its field type, and how many times the
    answers were evaluated (visibility, required fields, rules)."""
    counted = Counter()
    for key, compiled in target.compiled.fields.items():
        validate = compiled.type.validate

        def counting(value, key=key, validate=validate):
            counted[key, repr(value)] += 1
            return validate(value)
        monkeypatch.setattr(compiled.type, "validate", counting)
    evaluate = responses.evaluate

    def counting_evaluate(*args, **kwargs):
        counted["evaluate"] += 1
        return evaluate(*args, **kwargs)
    monkeypatch.setattr(responses, "evaluate", counting_evaluate)
    return counted


@pytest.mark.parametrize("action", [Action.SAVE, Action.SUBMIT])
def test_each_value_is_checked_once_on_one_request(target, hospital, checks, action):
    stored = submit(target, form(total="50", vacant="5"), Action.SAVE, user=hospital).saved
    checks.clear()
    # An unusable input puts the earlier value back, and what depends on it is worked
    # out again: without checking anything a second time.
    outcome = submit(target, form(stored.response.revision, total="2001", vacant="6"), action,
                     user=hospital)
    assert outcome.type_errors == {"total": [RANGE]}
    assert checks["evaluate"] == 1
    assert {check: count for check, count in checks.items() if check != "evaluate"} == {
        ("total", "2001"): 1, ("vacant", "6"): 1}
