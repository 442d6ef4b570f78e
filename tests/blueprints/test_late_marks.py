"""期限後 where people look: the facility's survey list and response page, the reviewers'
response list (with its 期限後のみ filter), the answer status and the CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, time, timedelta

import pytest

from gmis.db import session, utcnow
from gmis.japan_time import TOKYO, to_tokyo
from gmis.models import FacilityType, Role
from gmis.surveys.engine import periods
from tests.fixtures.surveys import HOSPITAL_DAY
from tests.fixtures.web import client_of
from tests.fixtures.web import page_text as text


def yesterday():
    return periods.today(utcnow()) - timedelta(days=1)


@pytest.fixture
def answered(builtin_survey, make_user, make_facility, answer_survey):
    """Yesterday's hospital daily survey of two Tokyo hospitals, both answered today: one
    late as it stands, the other as if it had come in the morning before 13:00."""
    survey = builtin_survey("hospital_daily")
    late_user = make_user(facility=make_facility(name="髙島平中央病院"))
    in_time_user = make_user(facility=make_facility(name="新宿白十字病院"))
    late = answer_survey(survey, late_user, yesterday(), HOSPITAL_DAY)
    in_time = answer_survey(survey, in_time_user, yesterday(), HOSPITAL_DAY)
    assert late.late and in_time.late  # both came after yesterday's 13:00
    in_time.late = False
    in_time.submitted_at = datetime.combine(yesterday(), time(9, 30), TOKYO)
    make_facility(facility_type=FacilityType.hospital, name="未回答病院")
    session.commit()
    return late, in_time, late_user, in_time_user


def badges(html: str) -> int:
    return html.count('class="badge status-late">期限後<')


def test_the_facility_sees_its_late_answer_with_when_it_was_sent(app, answered):
    late, in_time, late_user, in_time_user = answered
    listing = client_of(app, late_user).get("/surveys").get_data(as_text=True)
    assert badges(listing) == 1
    assert f"期限後 提出 {to_tokyo(late.submitted_at)}" in text(listing)

    assert badges(client_of(app, in_time_user).get("/surveys").get_data(as_text=True)) == 0


def test_the_response_page_marks_a_late_answer_for_facility_and_prefecture(
        app, answered, make_user):
    late, in_time, late_user, in_time_user = answered
    prefecture = make_user(Role.prefecture)
    session.commit()
    for client in (client_of(app, late_user), client_of(app, prefecture)):
        page = client.get(f"/responses/{late.id}").get_data(as_text=True)
        assert badges(page) == 1
        assert f"提出日時 {to_tokyo(late.submitted_at)} 期限後" in text(page)
    page = client_of(app, prefecture).get(f"/responses/{in_time.id}").get_data(as_text=True)
    assert badges(page) == 0 and "提出日時 " + to_tokyo(in_time.submitted_at) in text(page)


def test_the_response_list_marks_late_answers_and_filters_them(app, answered, make_user):
    prefecture = make_user(Role.prefecture)
    session.commit()
    client = client_of(app, prefecture)
    day = yesterday().isoformat()
    every = client.get(f"/reports/hospital_daily/responses?from={day}&to={day}")
    html = every.get_data(as_text=True)
    assert "髙島平中央病院" in html and "新宿白十字病院" in html and badges(html) == 1
    assert 'id="late" name="late" value="1" hx-get' in html  # the filter, not yet checked

    only = client.get(f"/reports/hospital_daily/responses?from={day}&to={day}&late=1")
    html = only.get_data(as_text=True)
    assert "2件" not in text(html) and "1件" in text(html)
    assert "髙島平中央病院" in html and "新宿白十字病院" not in html
    assert 'name="late" value="1" checked' in html

    fragment = client.get(f"/reports/hospital_daily/responses?from={day}&to={day}&late=1",
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<form" not in fragment and "新宿白十字病院" not in fragment


def test_a_late_filter_that_means_nothing_lists_everything(app, answered, make_user):
    prefecture = make_user(Role.prefecture)
    session.commit()
    day = yesterday().isoformat()
    response = client_of(app, prefecture).get(
        f"/reports/hospital_daily/responses?from={day}&to={day}&late=%E3%81%AF%E3%81%84")
    assert response.status_code == 200 and "新宿白十字病院" in response.get_data(as_text=True)


def test_the_answer_status_counts_late_answers_beside_answered(app, answered, make_user):
    prefecture = make_user(Role.prefecture)
    session.commit()
    client = client_of(app, prefecture)
    day = yesterday().isoformat()
    html = client.get(f"/reports/hospital_daily/status?date={day}").get_data(as_text=True)
    assert "回答済み 2 / 3件(67%)" in text(html)
    assert "回答済みのうち期限後 1 件" in text(html)
    # Each tally row: answered, and how many of them late, in one cell.
    assert re.search(r"<th scope=\"row\">病院</th>\s*<td class=\"num\">2<br>"
                     r"<span class=\"late-of\">期限後 1</span></td>", html)
    link = re.search(r'<a href="([^"]+)">期限後の回答を一覧で見る</a>', html).group(1)
    listed = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "髙島平中央病院" in listed and "新宿白十字病院" not in listed


def test_the_answer_status_of_a_day_without_late_answers(app, answered, make_user):
    late, *_ = answered
    late.late = False
    prefecture = make_user(Role.prefecture)
    session.commit()
    html = client_of(app, prefecture).get(
        f"/reports/hospital_daily/status?date={yesterday().isoformat()}").get_data(as_text=True)
    assert "回答済みのうち期限後 0 件" in text(html) and "期限後の回答を一覧で見る" not in html
    assert "late-of" not in html


def test_the_export_has_a_late_column_before_the_answers(app, answered, make_user):
    prefecture = make_user(Role.prefecture)
    session.commit()
    day = yesterday().isoformat()
    response = client_of(app, prefecture).get(
        f"/reports/hospital_daily/export.csv?from={day}&to={day}&encoding=utf-8")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))
    header = rows[0]
    assert header[7:9] == ["提出日時", "期限後"] and header.index("期限後") < header.index("版")
    by_name = {row[3]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_name["髙島平中央病院"]["期限後"] == "○"
    assert by_name["新宿白十字病院"]["期限後"] == ""

    late_only = client_of(app, prefecture).get(
        f"/reports/hospital_daily/export.csv?from={day}&to={day}&encoding=utf-8&late=1")
    names = [row[3] for row in csv.reader(io.StringIO(
        late_only.get_data().decode("utf-8-sig"), newline=""))][1:]
    assert names == ["髙島平中央病院"]


def test_the_status_of_a_survey_prefectures_answer_marks_theirs_late(
        app, builtin_survey, make_user, answer_survey):
    from tests.survey_defs.test_consultation_centre import ORDINARY_DAY as CONSULTATIONS

    consultations = builtin_survey("consultation_centre")
    tokyo, shinjuku = make_user(Role.prefecture), make_user(Role.city)
    late = answer_survey(consultations, shinjuku, yesterday(), CONSULTATIONS)
    session.commit()
    html = client_of(app, tokyo).get(
        f"/reports/consultation_centre/status?date={yesterday().isoformat()}").get_data(
        as_text=True)
    row = f"新宿区 保健所設置市・特別区 提出済み {to_tokyo(late.submitted_at)} 期限後"
    assert row in text(html)
    assert badges(html) == 1  # 東京都 has not answered: nothing to be late for
