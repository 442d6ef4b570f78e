"""Staff homes that say what to do: today's response rate, what waits for review, a
fortnight's trend, the reminder to non-responders (once), the national figures by
prefecture, fire departments on the bed view, and the aggregator's matrix of members."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from gmis.db import session, utcnow
from gmis.models import (
    Aggregator,
    ApplicationStatus,
    AuditEvent,
    City,
    FacilityType,
    OutboxMessage,
    RegistrationApplication,
    ReminderBroadcast,
    ResponseStatus,
    Role,
    SosRequest,
    SosStatus,
    SurveyResponse,
)
from gmis.surveys.engine import periods
from gmis.surveys.store.versions import version_in_force
from tests.blueprints.test_list_queries import queries_of
from tests.fixtures.factories import facility_code
from tests.fixtures.surveys import HOSPITAL_DAY
from tests.fixtures.web import client_of, csrf_token
from tests.fixtures.web import page_text as text


def today():
    return periods.today(utcnow())


@pytest.fixture
def hospital_daily(builtin_survey):
    return builtin_survey("hospital_daily")


def answered_on(survey, facility, day, status=ResponseStatus.submitted) -> SurveyResponse:
    """A response of ``facility`` for ``day`` as stored, for days older than the survey's
    backfill window (the trend reaches two weeks back)."""
    version = version_in_force(survey, facility.prefecture_code, day)
    response = SurveyResponse(
        survey=survey, version=version, respondent_key=f"facility:{facility.id}",
        facility_id=facility.id, prefecture_code=facility.prefecture_code,
        period_key=day.isoformat(), period_start=day, status=status, answers={},
        submitted_at=utcnow() if status != ResponseStatus.draft else None)
    session.add(response)
    session.flush()
    return response


@pytest.fixture
def tokyo(make_user, make_facility, hospital_daily):
    """Four hospitals of 東京都 (one in 新宿区) with users, an Osaka hospital, a clinic."""
    shinjuku = session.query(City).filter_by(code="131041").one()
    hospitals = [make_user(email=f"h{n}@example.jp",
                           facility=make_facility(name=f"都立病院{n}",
                                                  city_id=shinjuku.id if n == 0 else None))
                 for n in range(4)]
    osaka = make_user(email="osaka@example.jp",
                      facility=make_facility(prefecture_code="27", name="大阪港病院"))
    make_facility(facility_type=FacilityType.clinic, name="新宿内科クリニック")
    session.commit()
    return hospitals, osaka


def home_of(app, user) -> str:
    return text(client_of(app, user).get("/home").get_data(as_text=True))


# --- prefecture and city home -----------------------------------------------------------------

def test_a_prefecture_home_shows_today_s_rate_and_the_unanswered_count_with_a_link(
        app, tokyo, hospital_daily, make_user, answer_survey):
    hospitals, osaka = tokyo
    answer_survey(hospital_daily, hospitals[0], today(), HOSPITAL_DAY)
    answer_survey(hospital_daily, osaka, today(), HOSPITAL_DAY)  # another prefecture
    answer_survey(hospital_daily, hospitals[1], today(), HOSPITAL_DAY, submit=False)  # draft
    session.commit()
    page = client_of(app, make_user(Role.prefecture)).get("/home").get_data(as_text=True)
    assert "回答率 25% 回答済み 1 / 4件" in text(page)
    assert "病院日次調査の未回答 3 件" in text(page)
    assert 'href="/reports/hospital_daily/status#unanswered-heading"' in page


def test_a_city_home_counts_its_own_hospitals_only(app, tokyo, hospital_daily, make_user,
                                                   answer_survey):
    hospitals, _ = tokyo
    answer_survey(hospital_daily, hospitals[1], today(), HOSPITAL_DAY)  # not in 新宿区
    session.commit()
    page = home_of(app, make_user(Role.city))
    assert "回答率 0% 回答済み 0 / 1件" in page
    assert "緊急配布要請" not in page  # cities do not review supply requests


def test_pending_supply_requests_and_applications_are_counted_in_scope_and_linked(
        app, tokyo, make_user):
    hospitals, osaka = tokyo
    for user, status in [(hospitals[0], SosStatus.reviewing), (hospitals[1], SosStatus.reviewing),
                         (hospitals[2], SosStatus.accepted), (osaka, SosStatus.reviewing)]:
        session.add(SosRequest(facility=user.facility, title="要請", status=status,
                               prefecture_code=user.facility.prefecture_code,
                               applied_at=utcnow()))
    for number, (code, status) in enumerate([("13", ApplicationStatus.pending),
                                             ("13", ApplicationStatus.approved),
                                             ("27", ApplicationStatus.pending)]):
        session.add(RegistrationApplication(
            facility_type=FacilityType.clinic,
            facility_code=facility_code(code, FacilityType.clinic),
            facility_name="申請診療所", postal_code="1600023", address="東京都新宿区",
            phone="0353211111", contact_name="申請 太郎", email="a@example.jp",
            prefecture_code=code, number=f"2026112100000{number}", status=status,
            decided_at=None if status == ApplicationStatus.pending else utcnow()))
    session.commit()
    page = client_of(app, make_user(Role.prefecture)).get("/home").get_data(as_text=True)
    assert "確認待ちの緊急配布要請(都道府県・国確認中) 2 件" in text(page)
    assert 'href="/sos/review"' in page
    assert "承認待ちの新規ユーザ登録申請 1 件" in text(page)
    assert 'href="/registrations"' in page


def test_the_fortnight_chart_labels_each_day_s_rate(app, tokyo, hospital_daily, make_user):
    hospitals, osaka = tokyo
    day = today()
    # Two days ago: 3 of 4; thirteen days ago: 1 of 4; fourteen days ago is off the chart.
    for user in hospitals[:3]:
        answered_on(hospital_daily, user.facility, day - timedelta(days=2))
    answered_on(hospital_daily, hospitals[0].facility, day - timedelta(days=13))
    answered_on(hospital_daily, hospitals[1].facility, day - timedelta(days=14))
    answered_on(hospital_daily, hospitals[2].facility, day - timedelta(days=13),
                ResponseStatus.draft)
    answered_on(hospital_daily, osaka.facility, day - timedelta(days=2))
    session.commit()
    page = client_of(app, make_user(Role.prefecture)).get("/home").get_data(as_text=True)
    chart = page[page.index('<svg class="trend-chart"'):page.index("</svg>", page.index(
        '<svg class="trend-chart"'))]
    values = re.findall(r'<text class="trend-value"[^>]*>(\d+)</text>', chart)
    assert len(values) == 14
    assert values == ["25", *["0"] * 10, "75", "0", "0"]
    two_days_ago = day - timedelta(days=2)
    assert f"{two_days_ago.month}月{two_days_ago.day}日: 回答率75%(3 / 4件)" in chart
    # The same figures as a table, for screen readers and without the picture.
    assert f"{two_days_ago.month}月{two_days_ago.day}日 3 / 4 75%" in text(page)


def test_the_chart_is_one_query_whatever_the_days(app, tokyo, hospital_daily, make_user):
    hospitals, _ = tokyo
    prefecture = make_user(Role.prefecture)
    session.commit()
    client = client_of(app, prefecture)
    few = queries_of(app, client, "/home")
    for back in range(1, 14):
        for user in hospitals:
            answered_on(hospital_daily, user.facility, today() - timedelta(days=back))
    session.commit()
    assert queries_of(app, client, "/home") == few


def test_the_homes_cost_the_same_queries_with_more_facilities(
        app, tokyo, hospital_daily, make_user, make_facility, answer_survey):
    from tests.blueprints.test_list_queries import add_hospitals

    users = [make_user(Role.prefecture), make_user(Role.national), make_user(Role.city)]
    session.commit()
    clients = [client_of(app, user) for user in users]
    few = [queries_of(app, client, "/home") for client in clients]
    for user in add_hospitals(make_user, make_facility, 6):
        answer_survey(hospital_daily, user, today(), HOSPITAL_DAY)
        session.add(SosRequest(facility=user.facility, prefecture_code="13", title="要請",
                               status=SosStatus.reviewing, applied_at=utcnow()))
    session.commit()
    assert [queries_of(app, client, "/home") for client in clients] == few


# --- 未回答の機関に督促メールを送る ------------------------------------------------------------

def outbox() -> list[str]:
    return sorted(session.scalars(sa.select(OutboxMessage.recipient)))


def test_reminding_non_responders_asks_first_then_sends_once_and_is_audited(
        app, tokyo, hospital_daily, make_user, answer_survey):
    hospitals, _ = tokyo
    answer_survey(hospital_daily, hospitals[0], today(), HOSPITAL_DAY)
    make_user(facility=hospitals[1].facility, email="h1-second@example.jp")
    prefecture = make_user(Role.prefecture, name="東京 花子")
    session.commit()
    client = client_of(app, prefecture)
    url = "/home/remind/hospital_daily"
    assert 'href="/home/remind/hospital_daily"' in client.get("/home").get_data(as_text=True)

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "送信先の医療機関 3 機関" in text(confirm.get_data(as_text=True))
    assert "メールアドレス 4 件" in text(confirm.get_data(as_text=True))
    assert outbox() == []  # asking is not sending

    token = csrf_token(client, url)
    sent = client.post(url, data={"csrf_token": token})
    assert sent.status_code == 302
    assert outbox() == ["h1-second@example.jp", "h1@example.jp", "h2@example.jp",
                        "h3@example.jp"]
    message = session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.recipient == "h2@example.jp")).one()
    assert "病院日次調査" in message.subject and "都立病院2" in message.body
    assert f"/surveys/hospital_daily/{today().isoformat()}" in message.body
    broadcast = session.scalars(sa.select(ReminderBroadcast)).one()
    assert (broadcast.scope_key, broadcast.respondents, broadcast.period_key) == (
        "prefecture:13", 3, today().isoformat())
    event = session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "survey.non_responders_reminded")).one()
    assert event.user_id == prefecture.id
    assert event.details["respondents"] == 3 and event.details["addresses"] == 4

    again = client.post(url, data={"csrf_token": token})
    assert again.status_code == 409
    assert "東京 花子さんが送信済み" in text(again.get_data(as_text=True))
    assert len(outbox()) == 4  # nothing more
    home = text(client.get("/home").get_data(as_text=True))
    assert "督促メール送信済み" in home and "東京 花子" in home


def test_no_reminder_while_the_current_period_cannot_be_answered(app, tokyo, make_user):
    from gmis.surveys.runtime import field_types
    from gmis.surveys.store import versions

    # A fiscal-year survey whose reporting window is one day that is not today.
    closed_day = "01-02" if (today().month, today().day) == (1, 1) else "01-01"
    version = versions.import_definition({
        "schema_version": 1, "key": "annual_beds", "title": "年次病床報告",
        "respondents": {"roles": ["facility"], "facility_types": ["hospital"]},
        "period": {"kind": "fiscal_year", "window_start": closed_day, "window_end": closed_day},
        "sections": [{"key": "beds", "title": "病床", "fields": [
            {"key": "total", "type": "integer", "label": "病床数", "min": 0}]}],
    }, field_types(), source="annual_beds.yaml").version
    versions.publish(version, date(2020, 4, 1))
    prefecture = make_user(Role.prefecture)
    session.commit()

    refused = client_of(app, prefecture).get("/home/remind/annual_beds")
    assert refused.status_code == 409
    assert "外です。督促メールは送れません。" in text(refused.get_data(as_text=True))
    assert outbox() == []


def test_a_second_server_pressing_at_the_same_moment_sends_nothing(
        app, tokyo, hospital_daily, make_user):
    from gmis.surveys import reminders

    prefecture = make_user(Role.prefecture)
    session.commit()
    survey = hospital_daily
    version = version_in_force(survey, "13", today())
    from gmis.surveys import runtime

    compiled = runtime.compiled(version)
    period = periods.period_for("daily", today())
    with app.test_request_context():
        # Both read "not sent yet" before either wrote its row.
        first = reminders.non_responders(prefecture, survey, compiled, period)
        second = reminders.non_responders(prefecture, survey, compiled, period)
        reminders.remind_non_responders(prefecture, first)
        session.commit()
        with pytest.raises(reminders.AlreadyReminded) as refused:
            reminders.remind_non_responders(prefecture, second)
        assert refused.value.broadcast.sent_by_id == prefecture.id
        session.commit()
    assert len(outbox()) == 4
    assert session.scalar(sa.select(sa.func.count()).select_from(ReminderBroadcast)) == 1


def test_a_reminder_nobody_can_receive_is_not_sent_and_stays_available(
        app, tokyo, hospital_daily, make_user, answer_survey):
    hospitals, _ = tokyo
    for user in hospitals:
        user.email = ""
        user.facility.email = ""
    prefecture = make_user(Role.prefecture)
    session.commit()
    client = client_of(app, prefecture)
    url = "/home/remind/hospital_daily"
    refused = client.post(url, data={"csrf_token": csrf_token(client, url)},
                          follow_redirects=True)
    assert "メールアドレスが登録されていない" in text(refused.get_data(as_text=True))
    assert outbox() == []
    assert session.scalar(sa.select(sa.func.count()).select_from(ReminderBroadcast)) == 0


def test_a_prefecture_reminds_its_own_and_a_city_its_own_and_each_once(
        app, tokyo, hospital_daily, make_user):
    prefecture, city = make_user(Role.prefecture), make_user(Role.city)
    osaka = make_user(Role.prefecture, prefecture_code="27")
    session.commit()
    for user in (city, prefecture, osaka):
        client = client_of(app, user)
        url = "/home/remind/hospital_daily"
        assert client.post(url, data={"csrf_token": csrf_token(client, url)}).status_code == 302
    assert session.scalars(sa.select(ReminderBroadcast.scope_key).order_by(
        ReminderBroadcast.id)).all() == [f"city:{city.city_id}", "prefecture:13",
                                          "prefecture:27"]
    # The city's one hospital, then the prefecture's four, then Osaka's one.
    assert len(outbox()) == 6 and outbox().count("h0@example.jp") == 2
    assert outbox().count("osaka@example.jp") == 1


def test_reminding_without_the_token_or_for_a_survey_asking_no_facility_is_refused(
        app, tokyo, builtin_survey, make_user):
    builtin_survey("treatment_status")  # answered by prefectures themselves
    client = client_of(app, make_user(Role.prefecture))
    refused = client.post("/home/remind/hospital_daily")
    assert refused.status_code == 400 and "有効期限" in refused.get_data(as_text=True)
    assert client.get("/home/remind/treatment_status").status_code == 404
    assert client.get("/home/remind/no_such_survey").status_code == 404
    assert outbox() == []


# --- national home ---------------------------------------------------------------------------

def test_the_national_home_lists_47_prefectures_with_rate_unanswered_and_sos(
        app, tokyo, hospital_daily, make_user, answer_survey):
    hospitals, osaka = tokyo
    answer_survey(hospital_daily, osaka, today(), HOSPITAL_DAY)
    answer_survey(hospital_daily, hospitals[0], today(), HOSPITAL_DAY)
    session.add(SosRequest(facility=osaka.facility, prefecture_code="27", title="要請",
                           status=SosStatus.reviewing, applied_at=utcnow()))
    session.commit()
    page = client_of(app, make_user(Role.national)).get("/home").get_data(as_text=True)
    table = page[page.index('<table class="table by-prefecture">'):]
    table = table[:table.index("</table>")]
    rows = re.findall(r'<tr>\s*<th scope="row" class="sticky-col">(.+?)</th>(.*?)</tr>',
                      table, re.S)
    assert len(rows) == 47
    by_name = {name: text(cells).split() for name, cells in rows}
    assert by_name["東京都"] == ["25%", "3", "0"]
    assert by_name["大阪府"] == ["100%", "0", "1"]
    assert by_name["北海道"] == ["—", "—", "0"]
    assert "/reports/hospital_daily/status?pref=13#unanswered-heading" in table
    assert "/sos/review?pref=27" in table


def test_the_national_home_adds_up_the_bed_view(app, tokyo, hospital_daily, make_user,
                                                answer_survey):
    hospitals, osaka = tokyo
    answer_survey(hospital_daily, osaka, today(), HOSPITAL_DAY)
    answer_survey(hospital_daily, hospitals[0], today(), {**HOSPITAL_DAY, "vacant_beds": "7"})
    session.commit()
    page = home_of(app, make_user(Role.national))
    assert "空床数 20 コロナ受入可能数 6" in page
    assert "報告のある病院 2 / 5" in page


# --- fire departments ------------------------------------------------------------------------

def test_a_fire_department_lands_on_the_bed_view(app, make_user, client):
    from tests.fixtures.web import sign_in

    user = make_user(Role.fire_department)
    session.commit()
    assert sign_in(client, user).headers["Location"] == "/beds"
    assert client.get("/home").headers["Location"] == "/beds"
    assert client.get("/login").headers["Location"] == "/beds"


# --- aggregator's matrix ---------------------------------------------------------------------

@pytest.fixture
def association(make_user, make_facility, hospital_daily, builtin_survey):
    """An aggregator with two hospitals and a clinic as members (the clinic is not asked by
    the hospital daily survey; the designated-clinic survey asks designated clinics)."""
    builtin_survey("supplies_weekly")
    builtin_survey("clinic_daily")  # asks designated clinics only: none of these members
    aggregator = Aggregator(name="新宿区医師会", prefecture_code="13")
    members = [make_facility(name="会員A病院", name_kana="あ"),
               make_facility(name="会員B病院", name_kana="い"),
               make_facility(facility_type=FacilityType.clinic, name="会員C診療所",
                             name_kana="う")]
    aggregator.members.extend(members)
    user = make_user(Role.aggregator, aggregator=aggregator)
    session.commit()
    return user, members


def matrix_rows(page: str) -> dict[str, list[str]]:
    table = page[page.index('<table class="table matrix">'):]
    table = table[:table.index("</table>")]
    body = table[table.index("<tbody>"):]
    return {text(name).strip(): [text(c).strip() for c in re.findall(
        r'<td class="matrix-cell">(.*?)</td>', cells, re.S)]
        for name, cells in re.findall(r'<th scope="row" class="sticky-col">(.*?)</th>(.*?)</tr>',
                                      body, re.S)}


def test_an_aggregator_sees_members_by_due_surveys_with_status_and_an_answer_button(
        app, association, hospital_daily, answer_survey, make_user):
    user, (first, second, clinic) = association
    answer_survey(hospital_daily, make_user(facility=first), today(), HOSPITAL_DAY)
    answer_survey(hospital_daily, make_user(facility=second), today(), HOSPITAL_DAY,
                  submit=False)
    session.commit()
    page = client_of(app, user).get("/home").get_data(as_text=True)
    headers = text(page[page.index('<table class="table matrix">'):page.index("<tbody>")])
    # Columns in title order: the weekly supplies survey, then the hospital daily survey.
    assert headers.index("医療用物資の週次調査") < headers.index("病院日次調査")
    assert "病院日次調査" in headers and "提出 1 / 2" in headers.split("病院日次調査")[1]
    assert "提出 0 / 3" in headers.split("病院日次調査")[0]
    assert "日次調査" not in headers.replace("病院日次調査", "")  # no column nobody answers
    rows = matrix_rows(page)
    assert rows == {
        "会員A病院": ["○ 未回答 回答する", "✓ 提出済み 確認する"],
        "会員B病院": ["○ 未回答 回答する", "✎ 一時保存 続きを入力"],
        "会員C診療所": ["○ 未回答 回答する", "—"],  # clinics are not asked daily
    }
    fill = f"/surveys/hospital_daily/{today().isoformat()}?facility={second.id}"
    assert f'href="{fill}"' in page
    assert 'id="member"' not in page  # no dropdown picker on the home


def test_the_matrix_costs_the_same_queries_for_27_members(app, association, make_facility,
                                                          hospital_daily, answer_survey,
                                                          make_user):
    user, members = association
    session.commit()
    client = client_of(app, user)
    few = queries_of(app, client, "/home")
    aggregator = user.aggregator
    for n in range(24):
        member = make_facility(name=f"追加会員{n}")
        aggregator.members.append(member)
        if n % 2:
            answer_survey(hospital_daily, make_user(facility=member), today(), HOSPITAL_DAY)
    session.commit()
    assert len(aggregator.members) == 27
    assert queries_of(app, client, "/home") == few


def test_the_status_page_offers_the_reminder_and_comes_back_to_it(app, tokyo, make_user):
    client = client_of(app, make_user(Role.prefecture))
    status = client.get("/reports/hospital_daily/status").get_data(as_text=True)
    assert 'href="/home/remind/hospital_daily?back=status"' in status
    past = (today() - timedelta(days=1)).isoformat()
    assert "/home/remind/" not in client.get(
        f"/reports/hospital_daily/status?date={past}").get_data(as_text=True)
    url = "/home/remind/hospital_daily?back=status"
    sent = client.post(url, data={"csrf_token": csrf_token(client, url), "back": "status"})
    assert sent.headers["Location"] == "/reports/hospital_daily/status"
