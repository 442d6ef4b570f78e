"""前日から変更なし over HTTP: a hospital whose day is as the day before opens one
confirmation screen from its home page, sees what will be submitted, and submits it; the
screen refuses (and says why) when something cannot be carried over."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from gmis.db import session, utcnow
from gmis.models import ResponseChange, ResponseEvent, ResponseStatus, Role, SurveyResponse
from gmis.surveys.engine import periods
from tests.fixtures.surveys import HOSPITAL_DAY, supplies_week
from tests.fixtures.web import counted_queries, page_text

FLOWS = ("covid_admitted_today", "covid_discharged_today", "tests_total", "pcr_tests",
         "antigen_quantitative_tests", "antigen_qualitative_tests")


def today():
    return periods.today(utcnow())


def url(day=None, survey="hospital_daily", facility=None) -> str:
    query = f"?facility={facility}" if facility else ""
    return f"/surveys/{survey}/{(day or today()).isoformat()}/unchanged{query}"


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def item(html: str, key: str) -> str:
    """What the confirmation says of field ``key``."""
    match = re.search(rf'id="unchanged-field-{key}">(.*?)</div>', html, re.S)
    assert match, f"no item {key}"
    return page_text(match.group(1)).strip()


def confirm(client, confirmation: str, target: str | None = None, **changes):
    """Press 提出する on the confirmation page ``confirmation`` (its HTML)."""
    data = {name: hidden(confirmation, name) for name in ("csrf_token", "revision", "digest")}
    return client.post(target or url(), data={**data, **changes})


@pytest.fixture
def hospital(builtin_survey, answer_survey, make_user):
    """A hospital that answered yesterday's hospital daily survey: (user, survey)."""
    survey = builtin_survey("hospital_daily")
    user = make_user(name="病院 花子")
    answer_survey(survey, user, today() - timedelta(days=1), HOSPITAL_DAY)
    session.commit()
    return user, survey


def stored(user) -> SurveyResponse | None:
    return session.scalars(sa.select(SurveyResponse).where(
        SurveyResponse.facility_id == user.facility_id,
        SurveyResponse.period_key == today().isoformat())).first()


def test_from_home_one_screen_lists_what_is_submitted_and_submits_it_with_history(
        hospital, signed_in):
    user, _ = hospital
    client = signed_in(user)
    home = client.get("/home").get_data(as_text=True)
    assert f'href="{url()}"' in home and "前日から変更なし" in home

    shown = client.get(url())
    assert shown.status_code == 200
    page = shown.get_data(as_text=True)
    said = page_text(page)
    for section in ("基本情報", "医療提供状況", "職員の状況", "空床状況", "備考"):
        assert section in said
    yesterday = today() - timedelta(days=1)
    assert f"前回({yesterday:%m/%d})の回答から変わっていない" in said
    assert item(page, "covid_inpatients") == "入院中 5人 前回から引継ぎ"
    assert item(page, "vacant_beds") == "空床数 13床 前回から引継ぎ"
    assert item(page, "ventilators_in_use") == "うち使用中の人工呼吸器 1台 前回から引継ぎ"
    assert item(page, "covid_admitted_today") == "前日の入院 0人 変化なしの値"
    assert item(page, "tests_total") == "検査実施人数 0人 変化なしの値"
    assert item(page, "occupied_beds") == "使用中の病床数 107床 自動計算"
    assert item(page, "remarks") == "都道府県への連絡事項 未入力"
    assert "staff_absent_doctors" not in page  # hidden: nobody is short of staff
    assert "一時保存と異なる" not in page and "提出できません" not in page
    assert stored(user) is None  # looking submits nothing
    forged = client.post(url(), data={"revision": "0", "digest": hidden(page, "digest")})
    assert forged.status_code == 400 and stored(user) is None  # no CSRF token

    submitted = confirm(client, page)
    assert submitted.status_code == 303
    response = stored(user)
    assert submitted.headers["Location"] == f"/responses/{response.id}"
    assert "提出しました。" in client.get(submitted.headers["Location"]).get_data(as_text=True)
    assert response.status == ResponseStatus.submitted
    assert response.answers["covid_inpatients"] == 5 and response.answers["vacant_beds"] == 13
    assert all(response.answers[key] == 0 for key in FLOWS)
    assert response.answers["occupied_beds"] == 107
    changes = {c.field_key: (c.old_value, c.new_value, c.user_id) for c in session.scalars(
        sa.select(ResponseChange).where(ResponseChange.response_id == response.id))}
    assert changes["tests_total"] == (None, 0, user.id)
    assert changes["covid_inpatients"] == (None, 5, user.id)
    assert set(changes) == set(response.answers)
    events = session.scalars(sa.select(ResponseEvent.action)
                             .where(ResponseEvent.response_id == response.id)).all()
    assert events == ["submitted"]

    # A second press (or another tab) changes nothing and shows the submission.
    again = confirm(client, page)
    assert again.status_code == 303 and again.headers["Location"] == f"/responses/{response.id}"
    assert session.scalar(sa.select(sa.func.count()).select_from(ResponseEvent).where(
        ResponseEvent.response_id == response.id)) == 1
    # Once submitted, the period is corrected in the form; home no longer offers it.
    assert client.get(url()).status_code == 409
    assert f'href="{url()}"' not in client.get("/home").get_data(as_text=True)


def test_a_draft_is_replaced_and_what_differs_from_it_is_marked(hospital, answer_survey,
                                                                 signed_in):
    user, survey = hospital
    answer_survey(survey, user, today(), {**HOSPITAL_DAY, "covid_inpatients": "7",
                                          "tests_total": "35"}, submit=False)
    session.commit()
    client = signed_in(user)
    page = client.get(url()).get_data(as_text=True)
    assert "一時保存中の回答と異なる項目" in page_text(page)
    differs = "一時保存と異なる(一時保存: {})"
    assert item(page, "covid_inpatients") == "入院中 5人 前回から引継ぎ " + differs.format("7人")
    assert item(page, "tests_total") == "検査実施人数 0人 変化なしの値 " + differs.format("35人")
    assert item(page, "covid_admitted_today") == (
        "前日の入院 0人 変化なしの値 " + differs.format("2人"))
    assert item(page, "outpatient_status") == "外来 通常どおり 前回から引継ぎ"
    assert item(page, "vacant_beds") == "空床数 13床 前回から引継ぎ"
    assert hidden(page, "revision") == str(stored(user).revision)

    assert confirm(client, page).status_code == 303
    response = stored(user)
    assert response.status == ResponseStatus.submitted
    assert (response.answers["covid_inpatients"], response.answers["tests_total"]) == (5, 0)
    old_new = {c.field_key: (c.old_value, c.new_value) for c in session.scalars(
        sa.select(ResponseChange).where(ResponseChange.response_id == response.id,
                                        ResponseChange.field_key == "covid_inpatients"))}
    assert old_new == {"covid_inpatients": (7, 5)}


def test_a_confirmation_that_no_longer_holds_is_shown_again_not_submitted(
        hospital, answer_survey, signed_in):
    user, survey = hospital
    client = signed_in(user)
    page = client.get(url()).get_data(as_text=True)
    # Meanwhile somebody else saves a draft of today (another tab, a colleague).
    answer_survey(survey, user, today(), {"covid_inpatients": "9"}, submit=False)
    session.commit()
    conflict = confirm(client, page)
    assert conflict.status_code == 409
    again = conflict.get_data(as_text=True)
    assert "一時保存が更新されました" in again
    assert "一時保存: 9人" in again
    assert stored(user).status == ResponseStatus.draft

    # Yesterday is corrected after the screen was opened: what would be submitted changed.
    page = again
    answer_survey(survey, user, today() - timedelta(days=1),
                  {**HOSPITAL_DAY, "covid_inpatients": "6"})
    session.commit()
    changed = confirm(client, page)
    assert changed.status_code == 409
    assert "提出する内容が変わりました" in changed.get_data(as_text=True)
    assert item(changed.get_data(as_text=True), "covid_inpatients").startswith("入院中 6人")
    assert stored(user).status == ResponseStatus.draft


BLOCKED = """
schema_version: 1
key: ward_flow
title: 病棟の入退院
respondents: {facility_types: [hospital]}
period: {kind: daily, backfill_periods: 1}
sections:
  - key: ward
    title: 病棟
    fields:
      - {key: beds, type: integer, label: 病床数, unit: 床, required: true, prefill: true}
      - {key: admitted, type: integer, label: 入院, unit: 人, required: true,
         unchanged_value: 0}
      - {key: transfers, type: integer, label: 転院, unit: 人, required: true}
rules:
  - {key: someone_admitted, expression: "admitted >= 1 || beds == 0",
     message: 病床がある日は入院が1人以上です。, fields: [admitted]}
  - {key: ward_open, expression: "beds > 0", message: 病床数が0の病棟は報告できません。}
"""


def test_what_cannot_be_carried_over_is_named_with_a_way_to_the_form(
        runner, tmp_path, make_user, answer_survey, signed_in):
    path = tmp_path / "ward_flow.yaml"
    path.write_text(BLOCKED, encoding="utf-8")
    result = runner.invoke(args=["surveys", "import", str(path), "--publish",
                                 "--effective-from", "2020-04-01"])
    assert result.exit_code == 0, result.output
    from gmis.models import Survey

    survey = session.scalars(sa.select(Survey).where(Survey.key == "ward_flow")).one()
    user = make_user()
    answer_survey(survey, user, today() - timedelta(days=1),
                  {"beds": "40", "admitted": "3", "transfers": "1"})
    session.commit()
    client = signed_in(user)

    shown = client.get(url(survey="ward_flow"))
    assert shown.status_code == 200
    page = shown.get_data(as_text=True)
    said = page_text(page)
    assert "このままでは提出できません(2件)" in said
    assert "転院: 入力してください。" in said
    assert "入院: 病床がある日は入院が1人以上です。" in said
    fill = f"/surveys/ward_flow/{today().isoformat()}"
    assert f'href="{fill}?section=ward#field-transfers"' in page
    assert 'name="digest"' not in page and "提出する</button>" not in page
    assert f'href="{fill}"' in page

    # Posting anyway (an old tab) stores nothing.
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    refused = client.post(url(survey="ward_flow"), data={"csrf_token": token, "revision": "0",
                                                         "digest": "x"})
    assert refused.status_code == 422
    assert session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse).where(
        SurveyResponse.period_key == today().isoformat())) == 0


def test_without_an_earlier_answer_there_is_nothing_to_keep(builtin_survey, make_user,
                                                            signed_in):
    builtin_survey("hospital_daily")
    user = make_user()
    session.commit()
    client = signed_in(user)
    assert url() not in client.get("/home").get_data(as_text=True)
    assert url() not in client.get("/surveys").get_data(as_text=True)
    refused = client.get(url())
    assert refused.status_code == 409
    assert "前回の回答がないため" in refused.get_data(as_text=True)
    assert "前日から変更なし" not in client.get(
        f"/surveys/hospital_daily/{today().isoformat()}").get_data(as_text=True)


def test_an_aggregator_keeps_a_members_day_but_not_another_facilitys(
        builtin_survey, answer_survey, make_user, make_facility, signed_in):
    survey = builtin_survey("hospital_daily")
    member_user = make_user()
    answer_survey(survey, member_user, today() - timedelta(days=1), HOSPITAL_DAY)
    aggregator = make_user(role=Role.aggregator)
    aggregator.aggregator.members.append(member_user.facility)
    stranger = make_facility()
    session.commit()
    client = signed_in(aggregator)
    member = member_user.facility_id

    listing = client.get(f"/surveys?facility={member}").get_data(as_text=True)
    assert f'href="{url(facility=member)}"' in listing.replace("&amp;", "&")
    page = client.get(url(facility=member)).get_data(as_text=True)
    assert "代理回答" in page
    assert f'action="{url(facility=member)}"' in page.replace("&amp;", "&")
    assert confirm(client, page, url(facility=member)).status_code == 303
    response = stored(member_user)
    assert response.status == ResponseStatus.submitted and response.answered_on_behalf
    assert client.get(url(facility=stranger.id)).status_code == 404
    assert client.get(url()).status_code == 404  # an aggregator always names a member


def test_the_fill_page_shows_yesterdays_answer_beside_each_field_from_one_query(
        app, hospital, signed_in):
    user, _ = hospital
    client = signed_in(user)
    fill = f"/surveys/hospital_daily/{today().isoformat()}"
    yesterday = f"{today() - timedelta(days=1):%m/%d}"
    with counted_queries(app) as statements:
        page = client.get(fill + "?section=covid_patients").get_data(as_text=True)
    assert f"前回({yesterday}): 5人" in page  # carried over: also in the input
    assert f"前回({yesterday}): 2人" in page  # a flow: only beside the empty input
    assert re.search(r'name="f\.covid_admitted_today"[^>]*value=""', page)
    assert f'href="{url()}"' in page
    # The previous response is read once for the page, whatever the number of fields.
    previous = [s for s in statements if "FROM survey_responses" in s and "period_start <" in s]
    assert len(previous) == 1
    basic = client.get(fill).get_data(as_text=True)
    assert f"前回({yesterday}): 指定を受けている" in basic


def test_a_weekly_table_keeps_its_stock_and_counts_no_use(builtin_survey, answer_survey,
                                                          make_user, signed_in):
    survey = builtin_survey("supplies_weekly")
    user = make_user()
    answer_survey(survey, user, today() - timedelta(days=7), supplies_week())
    session.commit()
    client = signed_in(user)
    week = periods.period_for("weekly", today()).key
    target = f"/surveys/supplies_weekly/{week}/unchanged"
    assert f'href="{target}"' in client.get("/home").get_data(as_text=True)

    page = client.get(target).get_data(as_text=True)
    assert "<h1>前回から変更なし</h1>" in page
    supplies = item(page, "supplies")
    assert "サージカルマスク: 在庫量 5,000、1週間の使用量 0、在庫の見通し 4週間以上" in supplies
    assert supplies.endswith("前回から引継ぎ・変化なしの値")
    assert item(page, "contact_name") == "担当者名 物品管理課 山田 前回から引継ぎ"

    assert confirm(client, page, target).status_code == 303
    answers = session.scalars(sa.select(SurveyResponse.answers).where(
        SurveyResponse.facility_id == user.facility_id,
        SurveyResponse.period_key == week)).one()
    assert answers["supplies"]["n95_mask"] == {
        "stock": 5000, "weekly_use": 0, "outlook": "4_weeks_or_more", "procurement": "normal"}


def test_a_previous_day_never_submitted_is_not_repeated(builtin_survey, make_user, signed_in):
    from tests.fixtures.surveys import submit_answers

    survey = builtin_survey("hospital_daily")
    user = make_user()
    submit_answers(survey, user, today() - timedelta(days=1), HOSPITAL_DAY, submit=False)
    session.commit()
    client = signed_in(user)
    assert url() not in client.get("/home").get_data(as_text=True)
    refused = client.get(url())
    assert refused.status_code == 409
    assert "前回の回答が提出されていないため" in refused.get_data(as_text=True)
