"""Who answers a survey, for whom, and whose responses each role may read."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gmis import access
from gmis.db import session
from gmis.models import (
    City,
    FacilityDesignation,
    FacilityType,
    ResponseStatus,
    Role,
    SurveyResponse,
)
from gmis.surveys.engine.definition import load_definition
from gmis.surveys.store import eligibility


def definition(**respondents):
    return load_definition({
        "schema_version": 1, "key": "who", "title": "対象確認", "period": {"kind": "ad_hoc"},
        "respondents": respondents,
        "sections": [{"key": "s", "title": "S",
                      "fields": [{"key": "n", "type": "integer", "label": "N"}]}],
    })


@pytest.mark.parametrize(("respondents", "facility", "refusal"), [
    ({}, {}, None),
    ({"facility_types": ["hospital"]}, {}, None),
    ({"facility_types": ["hospital"]}, {"facility_type": FacilityType.pharmacy},
     "薬局はこの調査の回答対象ではありません。"),
    ({"facility_types": ["clinic", "dental_clinic"]},
     {"facility_type": FacilityType.dental_clinic}, None),
    ({"prefectures": ["27"]}, {}, "この調査は、この都道府県では実施されていません。"),
    ({"prefectures": ["13", "27"]}, {}, None),
    ({"designations": ["outpatient_testing"]}, {},
     "この調査は、指定を受けた医療機関等のみが回答します。"),
    ({"designations": ["outpatient_testing"]}, {"designations": ["outpatient_testing"]}, None),
    ({"roles": ["prefecture"]}, {}, "この調査の回答対象ではありません。"),
])
def test_facilities_are_asked_by_type_designation_and_prefecture(make_facility, respondents,
                                                                 facility, refusal):
    designations = facility.pop("designations", [])
    made = make_facility(**facility)
    made.designations = [FacilityDesignation(designation=d) for d in designations]
    session.flush()
    assert eligibility.refusal(definition(**respondents),
                               eligibility.for_facility(made)) == refusal


def test_an_aggregator_answers_for_members_only_where_the_survey_allows_it(make_user,
                                                                            make_facility):
    aggregator = make_user(role=Role.aggregator)
    member, stranger = make_facility(), make_facility()
    aggregator.aggregator.members.append(member)
    session.flush()
    assert eligibility.member_facility(aggregator, member.id) == member
    assert eligibility.member_facility(aggregator, stranger.id) is None
    assert eligibility.members(aggregator) == [member]

    respondent = eligibility.respondent_of(aggregator, member)
    assert respondent.key == f"facility:{member.id}" and respondent.on_behalf
    assert eligibility.refusal(definition(), respondent) == (
        "この調査は、とりまとめ団体による代理回答の対象ではありません。")
    assert eligibility.answers(definition(aggregators_on_behalf=True), respondent)
    assert eligibility.respondent_of(aggregator) is None


def test_prefectures_and_cities_answer_when_their_role_is_listed(make_user):
    prefecture = eligibility.respondent_of(make_user(role=Role.prefecture))
    city = eligibility.respondent_of(make_user(role=Role.city))
    assert (prefecture.key, prefecture.name, prefecture.kind) == ("prefecture:13", "東京都",
                                                                  "prefecture")
    assert city.kind == "city" and city.name == "新宿区" and city.prefecture_code == "13"
    assert not eligibility.answers(definition(), prefecture)
    assert eligibility.answers(definition(roles=["prefecture", "city"]), prefecture)
    assert eligibility.answers(definition(roles=["city"]), city)
    assert not eligibility.answers(definition(roles=["city"], prefectures=["27"]), city)
    assert eligibility.respondent_of(make_user(role=Role.national)) is None
    assert eligibility.respondent_of(make_user(role=Role.fire_department)) is None


def test_expressions_see_the_respondent(make_facility, make_user):
    facility = make_facility(facility_type=FacilityType.clinic, prefecture_code="27")
    facility.designations = [FacilityDesignation(designation="pcr_testing")]
    session.flush()
    assert eligibility.for_facility(facility).expression_context() == {
        "type": "clinic", "prefecture": "27", "designations": ["pcr_testing"]}
    assert eligibility.respondent_of(make_user(role=Role.prefecture)).expression_context() == {
        "type": "prefecture", "prefecture": "13", "designations": []}


def test_each_role_reads_the_responses_of_its_own_scope(make_user, make_facility):
    from datetime import date

    from gmis.surveys.runtime import field_types
    from gmis.surveys.store import versions

    data = {"schema_version": 1, "key": "scope", "title": "範囲", "period": {"kind": "ad_hoc"},
            "sections": [{"key": "s", "title": "S",
                          "fields": [{"key": "n", "type": "integer", "label": "N"}]}]}
    version = versions.import_definition(data, field_types(), source="s.yaml").version
    shinjuku = session.scalars(sa.select(City).where(City.code == "131041")).one()
    tokyo = make_facility(city_id=shinjuku.id)
    elsewhere = make_facility()
    osaka = make_facility(prefecture_code="27")
    rows = {}
    for name, facility in (("tokyo", tokyo), ("elsewhere", elsewhere), ("osaka", osaka)):
        rows[name] = SurveyResponse(
            survey=version.survey, version=version, respondent_key=f"facility:{facility.id}",
            facility_id=facility.id, prefecture_code=facility.prefecture_code,
            city_id=facility.city_id, period_key="adhoc-2026-11-21",
            period_start=date(2026, 11, 21), status=ResponseStatus.submitted)
    # The prefecture's own response is still a draft: its own to read, nobody else's.
    rows["prefecture"] = SurveyResponse(
        survey=version.survey, version=version, respondent_key="prefecture:13",
        prefecture_code="13", period_key="adhoc-2026-11-21", period_start=date(2026, 11, 21))
    session.add_all(rows.values())
    session.flush()
    aggregator = make_user(role=Role.aggregator)
    aggregator.aggregator.members.append(osaka)
    session.flush()

    def seen(user):
        ids = set(session.scalars(sa.select(SurveyResponse.id)
                                  .where(access.response_scope(user))))
        return {name for name, row in rows.items() if row.id in ids}

    assert seen(make_user(facility=tokyo)) == {"tokyo"}
    assert seen(aggregator) == {"osaka"}
    assert seen(make_user(role=Role.prefecture)) == {"tokyo", "elsewhere", "prefecture"}
    assert seen(make_user(role=Role.city, city=shinjuku)) == {"tokyo"}
    assert seen(make_user(role=Role.fire_department)) == {"tokyo", "elsewhere"}
    assert seen(make_user(role=Role.national)) == {"tokyo", "elsewhere", "osaka"}
