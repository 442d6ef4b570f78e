"""地域病床見える化: each hospital's latest figures within the user's scope, stale rows
marked, search and sort, the detail, the full-item view and the exports."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from gmis.db import session, utcnow
from gmis.models import AuditEvent, FacilityType, FireDepartment, Role
from gmis.surveys.engine import periods
from gmis.surveys.store import latest
from tests.fixtures.surveys import HOSPITAL_DAY
from tests.fixtures.web import client_of
from tests.fixtures.web import page_text as text


def today():
    return periods.today(utcnow())


def names_in_table(html: str) -> list[str]:
    table = html[html.index('class="table stack bed-table"'):]
    return re.findall(r'<a href="/beds/hospitals/\d+">([^<]+)</a>', table)


@pytest.fixture
def hospitals(builtin_survey, answer_survey, make_user, make_facility):
    """Three Tokyo hospitals (one reporting only long ago, one never), one in Osaka, and a
    Tokyo clinic; each reporting hospital with its figures."""
    survey = builtin_survey("hospital_daily")
    made = {}
    for name, prefecture, vacant, days_ago in (("髙島平中央病院", "13", "25", 0),
                                               ("品川港南病院", "13", "3", 1),
                                               ("青梅山間病院", "13", "40", 5),
                                               ("未報告記念病院", "13", None, None),
                                               ("大阪港病院", "27", "9", 0)):
        user = make_user(facility=make_facility(name=name, prefecture_code=prefecture))
        made[name] = user.facility
        if vacant is not None:
            day = today() - timedelta(days=days_ago)
            if days_ago > 1:  # answered then: moved back to that day, as if
                response = answer_survey(survey, user, today() - timedelta(days=1),
                                         {**HOSPITAL_DAY, "vacant_beds": vacant})
                response.period_start, response.period_key = day, day.isoformat()
                session.flush()
                latest.rebuild(survey.id)
            else:
                answer_survey(survey, user, day, {**HOSPITAL_DAY, "vacant_beds": vacant})
    make_facility(facility_type=FacilityType.clinic, name="新宿内科クリニック")
    session.commit()
    return made


@pytest.fixture
def tokyo_fire(make_user):
    return make_user(Role.fire_department,
                     fire_department=FireDepartment(name="東京消防庁", prefecture_code="13"))


def test_a_fire_department_sees_exactly_its_prefectures_hospitals(app, hospitals, tokyo_fire):
    session.commit()
    html = client_of(app, tokyo_fire).get("/beds").get_data(as_text=True)
    assert sorted(names_in_table(html)) == sorted(
        ["髙島平中央病院", "品川港南病院", "青梅山間病院", "未報告記念病院"])
    assert "大阪港病院" not in html and "新宿内科クリニック" not in html


def test_another_prefecture_is_refused_and_logged(app, hospitals, tokyo_fire):
    session.commit()
    client = client_of(app, tokyo_fire)
    refused = client.get("/beds?pref=27")
    assert refused.status_code == 403
    assert "ほかの都道府県の病床情報は表示できません。" in refused.get_data(as_text=True)
    osaka = hospitals["大阪港病院"]
    assert client.get(f"/beds/hospitals/{osaka.id}").status_code == 404
    logged = session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "beds.refused")).all()
    assert len(logged) == 2 and all(e.user_id == tokyo_fire.id for e in logged)
    # A fire department sees nothing else of the system.
    assert client.get("/facilities").status_code == 403
    assert client.get("/reports").status_code == 403


def test_without_the_hospital_daily_survey_there_is_no_bed_view(app, tokyo_fire):
    session.commit()
    missing = client_of(app, tokyo_fire).get("/beds")
    assert missing.status_code == 404
    assert "ページが見つかりません。" in missing.get_data(as_text=True)


def test_figures_stale_rows_and_hospitals_without_reports(app, hospitals, tokyo_fire):
    session.commit()
    html = client_of(app, tokyo_fire).get("/beds?sort=name").get_data(as_text=True)
    rows = {}
    table = html[html.index('class="table stack bed-table"'):]
    for row in re.findall(r"<tr( class=\"stale-row\")?>(.*?)</tr>", table, re.S):
        name = re.search(r'hospitals/\d+">([^<]+)<', row[1])
        if name:
            rows[name.group(1)] = (bool(row[0]), text(row[1]))
    assert rows["髙島平中央病院"][0] is False and " 25 " in rows["髙島平中央病院"][1]
    assert rows["品川港南病院"][0] is False  # yesterday's figures are current
    assert rows["青梅山間病院"][0] is True and "古い情報" in rows["青梅山間病院"][1]
    assert rows["未報告記念病院"][0] is True and "報告なし" in rows["未報告記念病院"][1]
    summary = text(html[html.index("bed-summary"):html.index("bed-table")])
    assert "4 3 うち古い1 68" in summary  # hospitals, reported, stale, vacant beds


@pytest.mark.parametrize(("sort", "expected"), [
    ("-vacant", ["青梅山間病院", "髙島平中央病院", "品川港南病院", "未報告記念病院"]),
    ("vacant", ["品川港南病院", "髙島平中央病院", "青梅山間病院", "未報告記念病院"]),
])
def test_sorting_by_a_figure(app, hospitals, tokyo_fire, sort, expected):
    session.commit()
    html = client_of(app, tokyo_fire).get(f"/beds?sort={sort}").get_data(as_text=True)
    assert names_in_table(html) == expected


def test_search_by_name_as_a_fragment_and_a_bad_sort(app, hospitals, tokyo_fire):
    session.commit()
    client = client_of(app, tokyo_fire)
    found = client.get("/beds?q=港南", headers={"HX-Request": "true"})
    fragment = found.get_data(as_text=True)
    assert found.status_code == 200 and "<html" not in fragment
    assert names_in_table(fragment) == ["品川港南病院"]
    odd = client.get("/beds?sort=drop%20table&q=" + "あ" * 500)
    assert odd.status_code == 200
    assert "並べ替えの指定が正しくないため" in odd.get_data(as_text=True)


def test_search_by_secondary_area(app, hospitals, tokyo_fire):
    session.commit()
    area = hospitals["品川港南病院"].secondary_area
    html = client_of(app, tokyo_fire).get(f"/beds?area={area.code}").get_data(as_text=True)
    assert "品川港南病院" in names_in_table(html) and area.name in html


def test_national_users_see_every_prefecture(app, hospitals, make_user):
    national = make_user(Role.national)
    session.commit()
    html = client_of(app, national).get("/beds").get_data(as_text=True)
    assert "大阪港病院" in names_in_table(html) and "都道府県ごとの合計" in html
    osaka = client_of(app, national).get("/beds?pref=27").get_data(as_text=True)
    assert names_in_table(osaka) == ["大阪港病院"]


def test_the_detail_shows_the_latest_answers_and_how_to_call(app, hospitals, tokyo_fire):
    session.commit()
    hospital = hospitals["髙島平中央病院"]
    page = client_of(app, tokyo_fire).get(f"/beds/hospitals/{hospital.id}").get_data(
        as_text=True)
    html = text(page)
    figures = text(page[page.index('class="bed-figures"'):page.index("</dl>", page.index(
        'class="bed-figures"'))])
    assert "空床数 25" in figures and "救急の受入 通常" in figures  # first, before the rest
    assert "に電話する" in html and "空床数 25床" in html and "ECMOの保有台数" in html


def test_the_export_matches_the_table(app, hospitals, tokyo_fire):
    session.commit()
    client = client_of(app, tokyo_fire)
    exported = client.get("/beds/export.csv?sort=name")
    rows = list(csv.reader(io.StringIO(exported.get_data().decode("cp932"), newline="")))
    header, data = rows[0], rows[1:]
    assert header[:3] == ["都道府県", "二次医療圏", "医療機関名"]
    html = client.get("/beds?sort=name").get_data(as_text=True)
    assert [row[2] for row in data] == names_in_table(html)
    by_name = {row[2]: dict(zip(header, row, strict=True)) for row in data}
    assert by_name["髙島平中央病院"]["空床数"] == "25"
    assert by_name["青梅山間病院"]["古い情報"] == "古い"
    assert by_name["未報告記念病院"]["古い情報"] == "報告なし"
    full = client.get("/beds/full/export.csv")
    full_rows = list(csv.reader(io.StringIO(full.get_data().decode("cp932"), newline="")))
    assert "ECMOの保有台数" in full_rows[0] and len(full_rows) == len(rows)
    page = text(client.get("/beds/full").get_data(as_text=True))
    assert "ECMOの保有台数" in page and "髙島平中央病院" in page
    exports = session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "beds.exported")).all()
    assert len(exports) == 2
