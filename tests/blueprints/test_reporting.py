"""The report home and the windows pages: what is due, the buttons the rules allow, a POST
outside the rules refused with its reason (never a 500), and the prefectures' windows."""

from datetime import date, datetime

import pytest

from gmis.clock import from_settings
from gmis.db import session
from gmis.japan_time import TOKYO
from gmis.models import ReportWindow, Role
from gmis.surveys.store import reports
from tests.fixtures.web import client_of, csrf_token, page_text, post_form

# The store tests' survey (a fixture) and helpers: the pages apply the same rules.
from tests.surveys.test_reports import _accepted, survey  # noqa: F401


def _at(app, monkeypatch, shown: str):
    real = datetime.now(TOKYO).strftime("%Y-%m-%dT%H:%M:%S")
    monkeypatch.setitem(app.extensions, "gmis.clock",
                        from_settings("training", shown, real, None))


@pytest.fixture
def facility_user(make_user):
    return make_user()


def test_the_home_says_a_new_report_is_due_and_disables_the_others(
        app, monkeypatch, survey, facility_user):  # noqa: F811
    _at(app, monkeypatch, "2026-12-04T10:00")
    session.commit()
    client = client_of(app, facility_user)
    html = client.get("/reporting/function_check").get_data(as_text=True)
    text = page_text(html)
    assert "新規報告をしてください" in text
    assert "定期報告期間: 2027年1月4日〜2027年3月31日" in text
    assert html.count(" disabled ") == 2 and "「新規報告」で報告してください" in text
    # The periodic report's POST is refused just as its button is disabled.
    response = post_form(client, "/reporting/function_check/start", {"kind": "periodic"},
                         page="/reporting/function_check")
    assert response.status_code == 409
    assert "新規報告" in page_text(response.get_data(as_text=True))
    started = post_form(client, "/reporting/function_check/start", {"kind": "new"},
                        page="/reporting/function_check")
    assert started.status_code == 303
    assert started.headers["Location"].endswith("/surveys/function_check/new-20261204")
    bad = post_form(client, "/reporting/function_check/start", {"kind": "other"},
                    page="/reporting/function_check")
    assert bad.status_code == 422


def test_outside_the_window_the_periodic_button_says_when_it_is(
        app, monkeypatch, survey, facility_user):  # noqa: F811
    from tests.surveys.test_reports import BEFORE_WINDOW

    _accepted(survey, facility_user, "new-20261204", BEFORE_WINDOW, beds="19")
    session.commit()
    _at(app, monkeypatch, "2026-12-10T10:00")
    client = client_of(app, facility_user)
    text = page_text(client.get("/reporting/function_check").get_data(as_text=True))
    assert "今年度の定期報告は2027年1月4日から始まります" in text
    assert "定期報告期間(2027年1月4日〜2027年3月31日)の間だけ" in text
    response = post_form(client, "/reporting/function_check/start", {"kind": "periodic"},
                         page="/reporting/function_check")
    assert response.status_code == 409
    _at(app, monkeypatch, "2027-01-12T10:00")
    client = client_of(app, facility_user)  # a month later: signed in again
    response = post_form(client, "/reporting/function_check/start", {"kind": "periodic"},
                         page="/reporting/function_check")
    assert response.headers["Location"].endswith("/surveys/function_check/periodic-FY2026")
    fill = client.get("/surveys/function_check/periodic-FY2026")
    assert fill.status_code == 200


def test_a_draft_is_deleted_so_another_kind_can_begin(app, monkeypatch, survey,  # noqa: F811
                                                     facility_user):
    from gmis.surveys.store import responses as store
    from tests.surveys.test_reports import BEFORE_WINDOW, _open

    _accepted(survey, facility_user, "new-20261204", BEFORE_WINDOW, beds="19")
    session.commit()
    _at(app, monkeypatch, "2027-01-12T10:00")
    client = client_of(app, facility_user)
    page = "/surveys/function_check/periodic-FY2026"
    saved = post_form(client, page, {"f.beds": "20", "revision": "0"})
    assert saved.status_code in (200, 303), saved.status_code
    opened = reports.open_report(survey, f"facility:{facility_user.facility_id}")
    assert opened is not None and opened.period_key == "periodic-FY2026"
    refused = client.get("/surveys/function_check/adhoc-20270112")
    assert refused.status_code == 409 and "作成中・審査中の報告を開く" in refused.get_data(
        as_text=True)
    deleted = post_form(client, "/reporting/function_check/discard",
                        {"response_id": str(opened.id)}, page="/reporting/function_check")
    assert deleted.status_code == 303
    session.expire_all()
    assert reports.open_report(survey, f"facility:{facility_user.facility_id}") is None
    assert client.get("/surveys/function_check/adhoc-20270112").status_code == 200
    del store, _open


def test_a_prefecture_sets_its_own_window_and_bad_dates_are_refused(
        app, survey, make_user):  # noqa: F811
    osaka = make_user(role=Role.prefecture, prefecture_code="27")
    session.commit()
    client = client_of(app, osaka)
    url = "/reporting/windows?year=2026"
    form = {"survey": "function_check", "fiscal_year": "2026"}
    for starts, ends, message in [("2027-03-01", "2027-01-04", "終了日は開始日と同じか"),
                                  ("2027-01-04", "2027-04-02", "令和8年度"),
                                  ("2027/01/x", "2027-03-31", "開始日を「2027-01-04」の形で")]:
        response = post_form(client, "/reporting/windows",
                             {**form, "starts_on": starts, "ends_on": ends}, page=url)
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and message in html
        assert f'value="{starts}"' in html  # as typed
    response = post_form(client, "/reporting/windows",
                         {**form, "starts_on": "2027-01-10", "ends_on": "2027-03-15"}, page=url)
    assert response.status_code == 303
    session.expire_all()
    mine = reports.window_for(survey, "27", 2026)
    assert (mine.starts_on, mine.ends_on) == (date(2027, 1, 10), date(2027, 3, 15))
    tokyo = reports.window_for(survey, "13", 2026)
    assert (tokyo.starts_on, tokyo.ends_on) == (date(2027, 1, 4), date(2027, 3, 31))


def test_national_reads_every_prefectures_window(app, survey, make_user):  # noqa: F811
    national = make_user(role=Role.national)
    session.commit()
    client = client_of(app, national)
    text = page_text(client.get("/reporting/windows?year=2026").get_data(as_text=True))
    assert "東京都 2027年1月4日〜2027年3月31日" in text and "大阪府 未設定" in text
    token = csrf_token(client, "/reporting/windows")
    refused = client.post("/reporting/windows", data={
        "csrf_token": token, "survey": "function_check", "fiscal_year": "2026",
        "starts_on": "2027-01-04", "ends_on": "2027-03-31"})
    assert refused.status_code == 403
    assert session.query(ReportWindow).count() == 1


def test_an_adhoc_report_lists_what_it_changed(app, monkeypatch, survey,  # noqa: F811
                                               facility_user):
    from tests.surveys.test_reports import BEFORE_WINDOW, _open, _submit

    _accepted(survey, facility_user, "new-20261204", BEFORE_WINDOW, beds="19", note="初回")
    outcome = _submit(_open(survey, facility_user, "adhoc-20261204", BEFORE_WINDOW),
                      facility_user, beds="18")
    session.commit()
    client = client_of(app, facility_user)
    text = page_text(client.get(f"/responses/{outcome.saved.response.id}").get_data(
        as_text=True))
    assert "変更した項目" in text and "病床数 19 18" in text


def test_the_facility_home_and_the_surveys_list_link_the_report_home(
        app, monkeypatch, survey, facility_user):  # noqa: F811
    _at(app, monkeypatch, "2026-12-04T10:00")
    session.commit()
    client = client_of(app, facility_user)
    home = client.get("/home").get_data(as_text=True)
    assert "機能情報の報告" in home and 'href="/reporting/function_check"' in home
    assert "新規報告をしてください" in page_text(home)
    listed = client.get("/surveys").get_data(as_text=True)
    assert 'href="/reporting/function_check"' in listed
    assert "/surveys/function_check/periodic-FY2026" not in listed
