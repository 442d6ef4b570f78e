"""都道府県の審査 as use cases: the queue of submitted function reports with its filters and
scope, a report against what is published now, accepting and returning (with the e-mail and
the resubmission), the history, and the accepted reports' CSV rows."""

from datetime import date

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from gmis.db import session
from gmis.filters import FilterError
from gmis.models import (
    City,
    FacilityType,
    OutboxMessage,
    ResponseEvent,
    ResponseStatus,
    Role,
    SecondaryArea,
)
from gmis.publication.models import PublicListing
from gmis.refusals import Refused
from gmis.surveys import reviewing
from gmis.surveys.review_export import AcceptedFilter, accepted_export, accepted_reports
from gmis.surveys.reviewing import ReviewFilter
from tests.fixtures.review import make_report, publish_report_survey
from tests.fixtures.surveys import HOSPITAL_DAY

LINK = "https://gmis.example.jp/surveys/clinic_report/adhoc-20261201"


@pytest.fixture
def survey():
    return publish_report_survey()


@pytest.fixture
def clinic(make_user, make_facility):
    """A clinic's clerk in Tokyo."""
    return make_user(facility=make_facility("13", FacilityType.clinic))


@pytest.fixture
def reviewer(make_user):
    return make_user(role=Role.prefecture, prefecture_code="13")


def listed(user, **args):
    return session.scalars(reviewing.queue(user, ReviewFilter.from_args(args, user))).all()


def accepted(survey, user, key, reviewer, typed=None):
    report = make_report(survey, user, key, typed)
    assert reviewing.accept_report(report, reviewer)
    session.flush()
    return report


# --- the queue -----------------------------------------------------------------------------

def test_the_queue_holds_the_prefectures_submitted_reports_only(
        survey, clinic, reviewer, make_user, make_facility, answer_survey, builtin_survey):
    submitted = make_report(survey, clinic, "new-20261101")
    draft_clinic = make_user(facility=make_facility("13", FacilityType.clinic))
    make_report(survey, draft_clinic, "new-20261102", submit=False)
    osaka = make_user(facility=make_facility("27", FacilityType.clinic))
    make_report(survey, osaka, "new-20261103")
    # A response to a survey of another period kind is no report.
    hospital = make_user()
    daily = builtin_survey("hospital_daily")
    answer_survey(daily, hospital, date(2026, 12, 1), HOSPITAL_DAY)

    assert listed(reviewer) == [submitted]
    osaka_reviewer = make_user(role=Role.prefecture, prefecture_code="27")
    assert [r.facility for r in listed(osaka_reviewer)] == [osaka.facility]
    # National and the secretariat read every prefecture's.
    assert len(listed(make_user(role=Role.national))) == 2
    assert len(listed(make_user(role=Role.national), pref="27")) == 1


def test_the_queue_filters_by_kind_type_area_city_status_and_day(
        survey, reviewer, make_user, make_facility):
    areas = session.scalars(sa.select(SecondaryArea).where(
        SecondaryArea.prefecture_code == "13").order_by(SecondaryArea.code)).all()
    shinjuku = session.scalars(sa.select(City).where(City.code == "131041")).one()
    clinic = make_user(facility=make_facility("13", FacilityType.clinic,
                                              secondary_area_id=areas[0].id,
                                              city_id=shinjuku.id))
    pharmacy = make_user(facility=make_facility("13", FacilityType.pharmacy,
                                                secondary_area_id=areas[1].id))
    new = make_report(survey, clinic, "new-20261101")
    other = accepted(survey, pharmacy, "new-20261102", reviewer)
    adhoc = make_report(survey, pharmacy, "adhoc-20261201", {"parking": "no"})

    assert listed(reviewer, kind="new") == [new]
    assert listed(reviewer, kind="adhoc") == [adhoc]
    assert listed(reviewer, kind="periodic") == []
    assert listed(reviewer, type="pharmacy") == [adhoc]
    assert listed(reviewer, area=areas[0].code) == [new]
    assert listed(reviewer, city="131041") == [new]
    assert listed(reviewer, status="accepted") == [other]
    assert set(listed(reviewer, status="all")) == {new, other, adhoc}
    today = new.submitted_at.date()
    assert len(listed(reviewer, **{"from": today.isoformat(), "to": today.isoformat()})) >= 1
    assert listed(reviewer, **{"from": "2020-01-01", "to": "2020-01-31"}) == []


@pytest.mark.parametrize(("args", "message"), [
    ({"status": "lost"}, "状態は一覧から選んでください。"),
    ({"kind": "yearly"}, "報告の種類は一覧から選んでください。"),
    ({"type": "castle"}, "種別は一覧から選んでください。"),
    ({"area": "%"}, "二次医療圏は一覧から選んでください。"),
    ({"city": "shinjuku"}, "保健所設置市・特別区は一覧から選んでください。"),
    ({"from": "2026/12/01"}, "提出日(開始)は「2026-12-01」の形で入力してください。"),
    ({"from": "2026-12-02", "to": "2026-12-01"}, "提出日(終了)は提出日(開始)以降にしてください。"),
])
def test_a_filter_that_cannot_be_used_is_refused_in_japanese(reviewer, args, message):
    with pytest.raises(FilterError) as refused:
        ReviewFilter.from_args(args, reviewer)
    assert message in refused.value.messages


def test_filters_give_back_the_arguments_that_make_them(reviewer):
    args = {"status": "returned", "kind": "adhoc", "type": "clinic", "area": "1301",
            "city": "131041", "from": "2026-12-01", "to": "2026-12-04", "survey": "x"}
    assert ReviewFilter.from_args(args, reviewer).args() == args


def test_a_city_reviews_the_reports_of_the_facilities_in_it(
        app, survey, make_user, make_facility):
    shinjuku = session.scalars(sa.select(City).where(City.code == "131041")).one()
    inside = make_user(facility=make_facility("13", FacilityType.clinic, city_id=shinjuku.id))
    outside = make_user(facility=make_facility("13", FacilityType.clinic))
    report = make_report(survey, inside, "new-20261101")
    other = make_report(survey, outside, "new-20261101")
    city = make_user(role=Role.city, city=shinjuku)

    assert listed(city) == [report]
    assert reviewing.may_decide(city, report)
    # Out of scope looks like missing (and the audit log notes who asked: a request's).
    with app.test_request_context(), pytest.raises(NotFound):
        reviewing.report_in_scope(city, other.id)


# --- the difference from what is published -----------------------------------------------

def test_a_first_report_is_all_new(survey, clinic):
    report = make_report(survey, clinic, "new-20261101")
    diff = reviewing.report_diff(report)
    assert diff.published is None
    rows = {row.key: row for row in diff.rows}
    assert {row.published for row in diff.rows} == {"(新規)"}
    assert rows["name"].label == "名称" and rows["name"].submitted == "みどり診療所"
    assert rows["parking"].submitted == "はい"
    assert rows["name"].public and not rows["contact_name"].public
    assert [row.key for row in diff.changed] == ["name", "phone", "parking", "contact_name"]


def test_a_change_is_shown_against_the_published_report_only_where_it_differs(
        survey, clinic, reviewer):
    accepted(survey, clinic, "new-20261101", reviewer)
    change = make_report(survey, clinic, "adhoc-20261201",
                         {"parking": "no", "contact_name": "厚労 次郎"})
    diff = reviewing.report_diff(change)
    assert diff.published.period_key == "new-20261101"
    assert [(r.key, r.published, r.submitted, r.public) for r in diff.changed] == [
        ("parking", "はい", "いいえ", True), ("contact_name", "厚労 花子", "厚労 次郎", False)]
    # All rows are there for the toggle that shows them.
    assert [r.key for r in diff.rows] == ["name", "phone", "parking", "contact_name"]


def test_the_published_report_is_the_latest_accepted(survey, clinic, reviewer):
    accepted(survey, clinic, "new-20261101", reviewer)
    second = accepted(survey, clinic, "adhoc-20261110", reviewer, {"name": "みどりクリニック"})
    third = make_report(survey, clinic, "adhoc-20261201", {"name": "みどりクリニック",
                                                           "parking": "no"})
    diff = reviewing.report_diff(third)
    assert diff.published == second
    assert [r.key for r in diff.changed] == ["parking"]
    # An accepted report is read against the one published before it.
    assert [r.key for r in reviewing.report_diff(second).changed] == ["name"]


# --- deciding ------------------------------------------------------------------------------

def test_accepting_makes_it_the_published_report(survey, clinic, reviewer):
    report = make_report(survey, clinic, "new-20261101")
    assert reviewing.accept_report(report, reviewer)
    session.flush()
    assert report.status == ResponseStatus.accepted and report.accepted_at is not None
    assert [e.action for e in session.scalars(sa.select(ResponseEvent).where(
        ResponseEvent.response_id == report.id))] == ["submitted", "accepted"]
    assert listed(reviewer) == []
    # It is what residents find now: its public fields, not the internal contact.
    listing = session.scalars(sa.select(PublicListing)).one()
    assert (listing.response_id, listing.name) == (report.id, "みどり診療所")
    assert "厚労 花子" not in str(listing.sections)
    # A second click changes nothing.
    accepted_at = report.accepted_at
    assert not reviewing.accept_report(report, reviewer)
    assert report.accepted_at == accepted_at


def test_returning_tells_the_facility_and_the_resubmission_is_back_in_the_queue(
        survey, clinic, reviewer):
    report = make_report(survey, clinic, "new-20261101")
    assert reviewing.return_report(report, reviewer, " 電話番号を確認してください。 ", LINK)
    session.flush()
    assert report.status == ResponseStatus.returned
    [mail] = session.scalars(sa.select(OutboxMessage)).all()
    assert mail.recipient == clinic.email and "差し戻されました" in mail.subject
    assert "電話番号を確認してください。" in mail.body and LINK in mail.body
    assert listed(reviewer) == [] and listed(reviewer, status="returned") == [report]
    # The same click again sends nothing more.
    assert not reviewing.return_report(report, reviewer, "電話番号を確認してください。", LINK)
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1

    make_report(survey, clinic, "new-20261101", {"phone": "03-5321-2222"})
    assert listed(reviewer) == [report] and report.status == ResponseStatus.submitted
    history = reviewing.facility_history(reviewer, report)
    assert [(h.label, h.who, h.comment) for h in history] == [
        ("再提出", clinic.name, ""), ("差戻し", reviewer.name, "電話番号を確認してください。"),
        ("提出", clinic.name, "")]


def test_deciding_what_is_not_submitted_is_refused(survey, clinic, reviewer):
    report = make_report(survey, clinic, "new-20261101")
    reviewing.return_report(report, reviewer, "先に直してください。", LINK)
    with pytest.raises(Refused) as refused:
        reviewing.accept_report(report, reviewer)
    assert refused.value.status == 409
    assert refused.value.message == "「差戻し」の回答は受理できません。"
    with pytest.raises(Refused) as refused:
        reviewing.return_report(report, reviewer, "別の理由", LINK)
    assert refused.value.status == 409
    assert refused.value.message == "「差戻し」の回答は差し戻せません。"


def test_history_lists_every_report_of_the_facility(survey, clinic, reviewer):
    first = accepted(survey, clinic, "new-20261101", reviewer)
    second = make_report(survey, clinic, "adhoc-20261201", {"parking": "no"})
    history = reviewing.facility_history(reviewer, second)
    assert [(h.report, h.label) for h in history] == [
        (second, "提出"), (first, "受理"), (first, "提出")]
    assert history[1].report_label == "新規報告(2026年11月1日(日))"


# --- the accepted reports' CSV ----------------------------------------------------------------

def test_the_export_holds_the_published_report_of_each_facility(
        survey, clinic, reviewer, make_user, make_facility):
    accepted(survey, clinic, "new-20261101", reviewer)
    accepted(survey, clinic, "adhoc-20261110", reviewer, {"name": "みどりクリニック"})
    make_report(survey, clinic, "adhoc-20261201", {"name": "まだ審査中"})
    osaka = make_user(facility=make_facility("27", FacilityType.clinic))
    accepted(survey, osaka, "new-20261101", make_user(role=Role.prefecture,
                                                      prefecture_code="27"))

    filters = AcceptedFilter.from_args({}, reviewer)
    assert filters.survey == survey
    export = accepted_export(reviewer, filters)
    rows = list(export.rows)
    assert export.header[:3] == ["医療機関コード", "名称", "種別"]
    assert "名称" in export.header[11:] and "報告担当者" in export.header[11:]
    assert len(rows) == 1
    row = dict(zip(export.header, rows[0], strict=True))
    assert row["報告の種類"] == "随時報告" and row["種別"] == "診療所"
    assert rows[0][11:] == ["みどりクリニック", "03-5321-1111", "はい", "厚労 花子"]
    # Within a fiscal year that had none, nothing.
    assert session.scalars(accepted_reports(
        reviewer, AcceptedFilter.from_args({"fy": "2025"}, reviewer))).all() == []
    assert len(session.scalars(accepted_reports(
        reviewer, AcceptedFilter.from_args({"fy": "2026"}, reviewer))).all()) == 1


@pytest.mark.parametrize(("args", "message"), [
    ({"survey": "no_such"}, "報告の調査を一覧から選んでください。"),
    ({"fy": "R8"}, "年度は西暦4桁(例: 2026)で入力してください。"),
])
def test_an_export_filter_that_cannot_be_used_is_refused(survey, reviewer, args, message):
    with pytest.raises(FilterError) as refused:
        AcceptedFilter.from_args(args, reviewer)
    assert refused.value.messages == [message]
