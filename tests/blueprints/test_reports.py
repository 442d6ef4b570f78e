"""回答状況・回答一覧: who has answered, counted by area and type, the contacts of those who
have not, and the responses of a date range, each within the user's scope."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from gmis.db import session, utcnow
from gmis.models import City, FacilityType, Role
from gmis.surveys.engine import periods
from tests.fixtures.surveys import HOSPITAL_DAY, SURVEY_DEFS, form_inputs
from tests.fixtures.web import client_of
from tests.fixtures.web import page_text as text


def today():
    return periods.today(utcnow())


@pytest.fixture
def hospital_daily(builtin_survey):
    return builtin_survey("hospital_daily")


@pytest.fixture
def tokyo(make_user, make_facility, hospital_daily):
    """Two hospitals of 東京都 with their users, a clinic (not asked) and an Osaka hospital."""
    first = make_user(facility=make_facility(name="髙島平中央病院", phone="0339761111",
                                             email="info@takashimadaira.example.jp"))
    second = make_user(facility=make_facility(name="新宿白十字病院"))
    make_facility(facility_type=FacilityType.clinic, name="新宿内科クリニック")
    osaka = make_user(facility=make_facility(prefecture_code="27", name="大阪港病院"))
    session.commit()
    return first, second, osaka


def test_a_prefecture_sees_a_hospital_move_from_not_answered_to_answered(
        app, tokyo, hospital_daily, make_user, answer_survey):
    first, second, _ = tokyo
    prefecture = make_user(Role.prefecture)
    session.commit()
    client = client_of(app, prefecture)

    before = text(client.get("/reports/hospital_daily/status").get_data(as_text=True))
    assert "回答済み 0 / 2件(0%)" in before
    assert "髙島平中央病院" in before and "新宿白十字病院" in before
    assert "03-3976-1111" in before and "info@takashimadaira.example.jp" in before
    assert "大阪港病院" not in before and "新宿内科クリニック" not in before

    # The hospital submits today's survey through its own fill page.
    hospital = client_of(app, first)
    url = f"/surveys/hospital_daily/{today().isoformat()}"
    page = hospital.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    done = hospital.post(url, data={"csrf_token": token, "revision": "0", "section": "",
                                    "action": "submit",
                                    **form_inputs(HOSPITAL_DAY)})
    assert done.status_code == 303, done.get_data(as_text=True)

    after = client.get("/reports/hospital_daily/status").get_data(as_text=True)
    assert "回答済み 1 / 2件(50%)" in text(after)
    unanswered = after[after.index("未回答の医療機関"):]
    assert "新宿白十字病院" in unanswered and "髙島平中央病院" not in unanswered


def test_drafts_and_returned_responses_count_as_not_answered(app, tokyo, hospital_daily,
                                                             make_user, answer_survey):
    first, second, _ = tokyo
    answer_survey(hospital_daily, first, today(), {"total_beds": "100"}, submit=False)
    prefecture = make_user(Role.prefecture)
    session.commit()
    html = text(client_of(app, prefecture).get("/reports/hospital_daily/status")
                .get_data(as_text=True))
    assert "回答済み 0 / 2件" in html and "うち一時保存 1件" in html
    assert "一時保存" in html


def test_counts_by_area_and_type_and_the_filters(app, tokyo, hospital_daily, make_user,
                                                 answer_survey):
    first, second, _ = tokyo
    answer_survey(hospital_daily, first, today(), HOSPITAL_DAY)
    prefecture = make_user(Role.prefecture)
    session.commit()
    client = client_of(app, prefecture)
    html = client.get("/reports/hospital_daily/status").get_data(as_text=True)
    area = first.facility.secondary_area
    # The count, then (after the 13:00 deadline, so by the time of day the test runs) its
    # 期限後 share.
    assert re.search(rf"<th scope=\"row\">{area.name}</th>\s*<td class=\"num\">1[<]", html)
    assert re.search(r"<th scope=\"row\">病院</th>\s*<td class=\"num\">1[<]", html)

    # Filters: by type (a clinic is not asked at all), and as an htmx fragment.
    clinics = client.get("/reports/hospital_daily/status?type=clinic",
                         headers={"HX-Request": "true"})
    fragment = clinics.get_data(as_text=True)
    assert "<html" not in fragment
    assert "この条件に当てはまる回答対象の医療機関はありません。" in fragment


def test_national_users_count_by_prefecture_and_may_pick_one(app, tokyo, make_user):
    national = make_user(Role.national)
    session.commit()
    client = client_of(app, national)
    html = client.get("/reports/hospital_daily/status").get_data(as_text=True)
    assert "都道府県別" in html and "東京都" in html and "大阪府" in html
    assert "回答済み 0 / 3件" in text(html)
    osaka = text(client.get("/reports/hospital_daily/status?pref=27").get_data(as_text=True))
    assert "回答済み 0 / 1件" in osaka and "二次医療圏別" in osaka


def test_a_city_sees_only_the_facilities_in_it(app, tokyo, make_user, make_facility):
    shinjuku = session.query(City).filter_by(code="131041").one()
    make_facility(name="新宿区立病院", city_id=shinjuku.id)
    city = make_user(Role.city)
    session.commit()
    html = text(client_of(app, city).get("/reports/hospital_daily/status").get_data(
        as_text=True))
    assert "回答済み 0 / 1件" in html and "新宿区立病院" in html
    assert "髙島平中央病院" not in html


def test_a_past_day_and_a_bad_date(app, tokyo, hospital_daily, make_user, answer_survey):
    first, _, _ = tokyo
    yesterday = today() - timedelta(days=1)
    answer_survey(hospital_daily, first, yesterday, HOSPITAL_DAY)
    prefecture = make_user(Role.prefecture)
    session.commit()
    client = client_of(app, prefecture)
    past = text(client.get(f"/reports/hospital_daily/status?date={yesterday.isoformat()}")
                .get_data(as_text=True))
    assert "回答済み 1 / 2件" in past
    bad = client.get("/reports/hospital_daily/status?date=2026-13-45&type=hospital")
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "日付は「2026-12-01」の形で入力してください。" in html
    assert 'value="2026-13-45"' in html  # what was typed stays
    assert '<option value="hospital" selected>' in html


def test_responses_of_a_date_range(app, tokyo, hospital_daily, make_user, answer_survey):
    first, second, osaka = tokyo
    for days_ago in (0, 1, 5):
        answer_survey(hospital_daily, first, today() - timedelta(days=days_ago), HOSPITAL_DAY)
    answer_survey(hospital_daily, second, today(), {"total_beds": "80"}, submit=False)
    answer_survey(hospital_daily, osaka, today(), HOSPITAL_DAY)
    prefecture = make_user(Role.prefecture)
    session.commit()
    client = client_of(app, prefecture)
    start = (today() - timedelta(days=2)).isoformat()
    html = client.get(f"/reports/hospital_daily/responses?from={start}&to={today()}")
    listed = text(html.get_data(as_text=True))
    assert "2件" in listed and listed.count("髙島平中央病院") == 2
    assert "大阪港病院" not in listed and "新宿白十字病院" not in listed  # a draft, by default
    # A draft is the hospital's own until submitted: not listed even when asked for.
    drafts = text(client.get(f"/reports/hospital_daily/responses?status=draft&to={today()}")
                  .get_data(as_text=True))
    assert "新宿白十字病院" not in drafts


@pytest.mark.parametrize(("query", "message"), [
    ("from=yesterday", "開始日は「2026-12-01」の形で入力してください。"),
    ("from=2026-12-10&to=2026-12-01", "終了日は開始日以降にしてください。"),
    ("from=2024-01-01&to=2026-01-01", "期間は366日以内にしてください。"),
])
def test_bad_ranges_are_refused_in_japanese(app, hospital_daily, make_user, query, message):
    prefecture = make_user(Role.prefecture)
    session.commit()
    response = client_of(app, prefecture).get(f"/reports/hospital_daily/responses?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_facilities_and_fire_departments_may_not_look(app, hospital_daily, make_user):
    for role in (Role.facility, Role.aggregator, Role.fire_department):
        user = make_user(role)
        session.commit()
        client = client_of(app, user)
        assert client.get("/reports/hospital_daily/status").status_code == 403
        assert client.get("/reports").status_code == 403


def test_an_unknown_survey_is_not_found(app, make_user):
    prefecture = make_user(Role.prefecture)
    session.commit()
    assert client_of(app, prefecture).get("/reports/nothing/status").status_code == 404


def test_a_hospitals_home_shows_todays_survey_with_its_deadline_and_status(
        app, tokyo, hospital_daily, answer_survey):
    first, _, _ = tokyo
    client = client_of(app, first)
    home = text(client.get("/home").get_data(as_text=True))
    assert "今回の回答" in home and "病院日次調査" in home and "未回答" in home
    assert f"締切 {today():%Y/%m/%d} 13:00" in home
    answer_survey(hospital_daily, first, today(), HOSPITAL_DAY)
    session.commit()
    assert "提出済み" in text(client.get("/home").get_data(as_text=True))


def test_a_day_further_back_is_opened_by_date(app, tokyo, hospital_daily):
    first, _, _ = tokyo
    client = client_of(app, first)
    day = (today() - timedelta(days=3)).isoformat()
    opened = client.get(f"/surveys/hospital_daily/on?date={day}")
    assert opened.status_code == 303
    assert opened.headers["Location"].endswith(f"/surveys/hospital_daily/{day}")
    bad = client.get("/surveys/hospital_daily/on?date=3日前")
    assert bad.status_code == 400
    assert "日付を「2026-12-01」の形で入力してください。" in bad.get_data(as_text=True)


def csv_rows(response, encoding="cp932"):
    import csv
    import io

    return list(csv.reader(io.StringIO(response.get_data().decode(encoding), newline="")))


def test_the_export_reads_back_with_the_same_values_in_cp932(
        app, hospital_daily, make_user, make_facility, answer_survey):
    from gmis.models import AuditEvent

    takashima = make_user(facility=make_facility(name="髙島平中央病院"))
    yoshida = make_user(facility=make_facility(name="𠮷田記念病院"))
    for user in (takashima, yoshida):
        answer_survey(hospital_daily, user, today(), {**HOSPITAL_DAY,
                                                      "remarks": "=HYPERLINK(\"x\")"})
    prefecture = make_user(Role.prefecture, name="東京 都子")
    session.commit()
    client = client_of(app, prefecture)
    response = client.get(f"/reports/hospital_daily/export.csv?from={today()}&to={today()}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv; charset=Windows-31J")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    header, data, notice = rows[0], rows[1:-1], rows[-1]
    assert header[:4] == ["対象期間", "都道府県", "二次医療圏", "回答者"]
    assert "空床数" in header and "使用中の病床数" in header
    by_name = {row[3]: dict(zip(header, row, strict=False)) for row in data}
    assert set(by_name) == {"髙島平中央病院", "〓田記念病院"}
    row = by_name["髙島平中央病院"]
    assert row["対象期間"] == today().isoformat() and row["状態"] == "提出済み"
    assert row["空床数"] == "13" and row["使用中の病床数"] == "107"
    assert row["PCR検査実施の可否"] == "可能"
    assert row["都道府県への連絡事項"].startswith("'=")  # neutralised for Excel
    assert "U+20BB7" in notice[0] and "〓" in notice[0]
    exported = session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "survey.responses_exported")).one()
    assert exported.user_id == prefecture.id


def test_the_export_in_utf8_keeps_every_character(app, hospital_daily, make_user,
                                                  make_facility, answer_survey):
    yoshida = make_user(facility=make_facility(name="𠮷田記念病院"))
    answer_survey(hospital_daily, yoshida, today(), HOSPITAL_DAY)
    prefecture = make_user(Role.prefecture)
    session.commit()
    response = client_of(app, prefecture).get(
        f"/reports/hospital_daily/export.csv?encoding=utf-8&to={today()}")
    rows = csv_rows(response, "utf-8-sig")
    assert [row[3] for row in rows[1:]] == ["𠮷田記念病院"]


def test_a_range_over_two_versions_exports_each_in_its_own_columns(
        app, hospital_daily, make_user, answer_survey, runner, tmp_path):
    first = make_user()
    answer_survey(hospital_daily, first, today() - timedelta(days=1), HOSPITAL_DAY)
    definition = (SURVEY_DEFS / "hospital_daily.yaml").read_text(encoding="utf-8")
    changed = tmp_path / "hospital_daily.yaml"
    changed.write_text(definition.replace(
        "      - key: remarks\n", "      - key: oxygen_shortage\n        type: yes_no\n"
        "        label: 酸素の供給に不安がある\n      - key: remarks\n", 1), encoding="utf-8")
    session.commit()
    result = runner.invoke(args=["surveys", "import", str(changed), "--publish"])
    assert result.exit_code == 0, result.output
    answer_survey(hospital_daily, first, today(), {**HOSPITAL_DAY, "oxygen_shortage": "yes"})
    prefecture = make_user(Role.prefecture)
    session.commit()
    response = client_of(app, prefecture).get(
        f"/reports/hospital_daily/export.csv?from={today() - timedelta(days=1)}&to={today()}")
    rows = csv_rows(response)
    header = rows[0]
    by_day = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_day[today().isoformat()]["酸素の供給に不安がある"] == "はい"
    assert by_day[today().isoformat()]["版"] == "2"
    old = by_day[(today() - timedelta(days=1)).isoformat()]
    assert old["版"] == "1" and old["酸素の供給に不安がある"] == "" and old["空床数"] == "13"


def test_a_bad_encoding_is_refused_on_the_list_page(app, hospital_daily, make_user):
    prefecture = make_user(Role.prefecture)
    session.commit()
    response = client_of(app, prefecture).get(
        "/reports/hospital_daily/export.csv?encoding=latin-1&type=hospital")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "文字コードは" in html and '<option value="hospital" selected>' in html


def test_responses_filtered_by_area_and_type(app, tokyo, hospital_daily, make_user,
                                             answer_survey):
    first, second, _ = tokyo
    answer_survey(hospital_daily, first, today(), HOSPITAL_DAY)
    prefecture = make_user(Role.prefecture)
    session.commit()
    client = client_of(app, prefecture)
    area = first.facility.secondary_area.code
    in_area = text(client.get(f"/reports/hospital_daily/responses?area={area}&type=hospital")
                   .get_data(as_text=True))
    assert "髙島平中央病院" in in_area
    clinics = text(client.get("/reports/hospital_daily/responses?type=clinic")
                   .get_data(as_text=True))
    assert "この条件に当てはまる回答はありません。" in clinics


def test_prefecture_surveys_list_who_of_the_prefectures_and_cities_has_answered(
        app, builtin_survey, make_user, answer_survey):
    from tests.survey_defs.test_consultation_centre import ORDINARY_DAY as CONSULTATIONS
    from tests.survey_defs.test_treatment_status import ORDINARY_DAY as TREATMENT

    treatment = builtin_survey("treatment_status")
    consultations = builtin_survey("consultation_centre")
    tokyo = make_user(Role.prefecture)
    shinjuku = make_user(Role.city)
    answer_survey(treatment, tokyo, today(), TREATMENT)
    answer_survey(consultations, shinjuku, today(), CONSULTATIONS)
    national = make_user(Role.national)
    session.commit()

    nationwide = text(client_of(app, national).get("/reports/treatment_status/status")
                      .get_data(as_text=True))
    assert "回答済み 1 / 47" in nationwide
    assert "二次医療圏" not in nationwide  # facility filters do not apply
    assert "東京都 都道府県 提出済み" in nationwide and "大阪府 都道府県 未回答" in nationwide

    own = text(client_of(app, tokyo).get("/reports/consultation_centre/status")
               .get_data(as_text=True))
    assert "東京都 都道府県 未回答" in own and "新宿区 保健所設置市・特別区 提出済み" in own
    assert "大阪府" not in own and "横浜市" not in own


def test_an_aggregators_home_leads_to_answering_and_requesting_for_members(app, make_user,
                                                                            make_facility):
    aggregator = make_user(Role.aggregator)
    aggregator.aggregator.members.append(make_facility())
    session.commit()
    home = client_of(app, aggregator).get("/home").get_data(as_text=True)
    assert 'href="/surveys">会員医療機関に代わって回答する' in home
    assert 'href="/sos">会員医療機関の緊急配布要請' in home
