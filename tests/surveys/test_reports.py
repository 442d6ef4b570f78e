"""The report kinds' rules as the store applies them: a new report only without an accepted
one, a periodic report only inside the prefecture's window and pre-filled from the accepted
one, an ad-hoc report any day once one was accepted, one open report at a time."""

from datetime import date, datetime

import pytest

from gmis.db import session
from gmis.japan_time import TOKYO
from gmis.models import ReportWindow
from gmis.refusals import Refused
from gmis.surveys.engine import periods
from gmis.surveys.runtime import field_types
from gmis.surveys.store import eligibility, reports, responses, submission, versions
from gmis.surveys.store.submission import Action, Result

DEFINITION = {
    "schema_version": 1, "key": "function_check", "title": "機能報告",
    "respondents": {"roles": ["facility"], "aggregators_on_behalf": False},
    "period": {"kind": "report"},
    "sections": [{"key": "s", "title": "S", "fields": [
        {"key": "beds", "type": "integer", "label": "病床数", "prefill": True},
        {"key": "note", "type": "text", "label": "備考"}]}],
}
IN_WINDOW = datetime(2027, 1, 12, 9, 0, tzinfo=TOKYO)
BEFORE_WINDOW = datetime(2026, 12, 4, 9, 0, tzinfo=TOKYO)


@pytest.fixture
def survey():
    version = versions.import_definition(DEFINITION, field_types(), source="f.yaml").version
    versions.publish(version, date(2020, 4, 1))
    session.add(ReportWindow(survey=version.survey, prefecture_code="13", fiscal_year=2026,
                             starts_on=date(2027, 1, 4), ends_on=date(2027, 3, 31)))
    session.flush()
    return version.survey


@pytest.fixture
def facility_user(make_user):
    return make_user()


def _open(survey, user, key, now):
    return responses.open_target(survey, eligibility.respondent_of(user),
                                 periods.report_period(key), now)


def _submit(target, user, **typed):
    from tests.fixtures.surveys import form_inputs

    form = dict(typed)
    revision = target.response.revision if target.response is not None else 0
    return submission.submit(target, {**form_inputs(form), "revision": str(revision)},
                             Action.SUBMIT, user=user)


def _accepted(survey, user, key, now, **typed):
    outcome = _submit(_open(survey, user, key, now), user, **typed)
    assert outcome.result == Result.SUBMITTED, outcome
    responses.accept(outcome.saved.response, user)
    outcome.saved.response.accepted_at = now
    session.flush()
    return outcome.saved.response


def test_a_new_report_is_begun_only_without_an_accepted_one(survey, facility_user):
    target = _open(survey, facility_user, "new-20261204", BEFORE_WINDOW)
    assert target.answers == {}  # a new report starts from the defaults
    _accepted(survey, facility_user, "new-20261204", BEFORE_WINDOW, beds="19")
    with pytest.raises(Refused, match="受理された報告がすでにあります"):
        _open(survey, facility_user, "new-20261205",
              datetime(2026, 12, 5, 9, 0, tzinfo=TOKYO))


def test_periodic_and_adhoc_need_an_accepted_report(survey, facility_user):
    with pytest.raises(Refused, match="新規報告"):
        _open(survey, facility_user, "periodic-FY2026", IN_WINDOW)
    with pytest.raises(Refused, match="新規報告"):
        _open(survey, facility_user, "adhoc-20270112", IN_WINDOW)


def test_periodic_only_inside_the_window_prefilled_from_the_accepted_one(survey, facility_user):
    _accepted(survey, facility_user, "new-20261204", BEFORE_WINDOW, beds="19", note="初回")
    with pytest.raises(Refused, match="2027年1月4日〜2027年3月31日") as refused:
        _open(survey, facility_user, "periodic-FY2026",
              datetime(2026, 12, 10, 9, 0, tzinfo=TOKYO))
    assert refused.value.status == 409
    target = _open(survey, facility_user, "periodic-FY2026", IN_WINDOW)
    assert target.answers == {"beds": 19}  # prefill fields only


def test_adhoc_any_day_numbered_after_the_days_accepted_ones(survey, facility_user):
    _accepted(survey, facility_user, "new-20261204", BEFORE_WINDOW, beds="19")
    respondent = eligibility.respondent_of(facility_user)
    day = date(2026, 12, 4)
    from gmis.surveys.engine.reports import ReportKind

    assert reports.next_key(survey, respondent, ReportKind.ad_hoc, day).key == "adhoc-20261204"
    _accepted(survey, facility_user, "adhoc-20261204", BEFORE_WINDOW, beds="18")
    assert reports.next_key(survey, respondent, ReportKind.ad_hoc,
                            day).key == "adhoc-20261204-2"
    with pytest.raises(Refused):  # not a day's key: yesterday's, or a sequence skipped
        _open(survey, facility_user, "adhoc-20261203", BEFORE_WINDOW)
    with pytest.raises(Refused):
        _open(survey, facility_user, "adhoc-20261204-3", BEFORE_WINDOW)
    target = _open(survey, facility_user, "adhoc-20261204-2", BEFORE_WINDOW)
    assert target.answers == {"beds": 18}  # the latest accepted report's


def test_one_open_report_at_a_time(survey, facility_user):
    _accepted(survey, facility_user, "new-20261204", BEFORE_WINDOW, beds="19")
    target = _open(survey, facility_user, "periodic-FY2026", IN_WINDOW)
    _submit(target, facility_user, beds="20")
    with pytest.raises(reports.ReportOpen, match="定期報告") as refused:
        _open(survey, facility_user, "adhoc-20270112", IN_WINDOW)
    assert refused.value.response.period_key == "periodic-FY2026"


def test_a_returned_report_is_resubmitted_after_the_window(survey, facility_user, monkeypatch):
    _accepted(survey, facility_user, "new-20261204", BEFORE_WINDOW, beds="19")
    outcome = _submit(_open(survey, facility_user, "periodic-FY2026", IN_WINDOW),
                      facility_user, beds="20")
    responses.return_response(outcome.saved.response, facility_user, "病床数を確認")
    after = datetime(2027, 4, 10, 9, 0, tzinfo=TOKYO)
    monkeypatch.setattr(responses, "utcnow", lambda: after)
    again = _submit(_open(survey, facility_user, "periodic-FY2026", after), facility_user,
                    beds="21")
    assert again.result == Result.SUBMITTED


def test_a_draft_begun_in_the_window_is_not_submitted_after_it(survey, facility_user,
                                                               monkeypatch):
    _accepted(survey, facility_user, "new-20261204", BEFORE_WINDOW, beds="19")
    target = _open(survey, facility_user, "periodic-FY2026", IN_WINDOW)
    from tests.fixtures.surveys import form_inputs

    draft = submission.submit(target, {**form_inputs({"beds": "20"}), "revision": "0"},
                              Action.SAVE, user=facility_user)
    assert draft.result == Result.SAVED
    window = reports.window_for(survey, "13", 2026)
    window.ends_on = date(2027, 2, 26)  # the prefecture shortened it meanwhile
    session.flush()
    after = datetime(2027, 3, 1, 9, 0, tzinfo=TOKYO)
    monkeypatch.setattr(responses, "utcnow", lambda: after)
    outcome = _submit(_open(survey, facility_user, "periodic-FY2026", after), facility_user,
                      beds="20")
    assert outcome.result == Result.REFUSED
    assert "定期報告期間(2027年1月4日〜2027年2月26日)が終わった" in outcome.refused.message


def test_an_accepted_report_is_not_changed(survey, facility_user):
    accepted = _accepted(survey, facility_user, "new-20261204", BEFORE_WINDOW, beds="19")
    target = _open(survey, facility_user, "new-20261204", BEFORE_WINDOW)
    outcome = _submit(target, facility_user, beds="30")
    assert outcome.result == Result.REFUSED and outcome.refused.status == 409
    assert accepted.answers == {"beds": 19}
