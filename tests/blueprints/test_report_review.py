"""The review pages of function reports: the queue and its filters, another prefecture's
report never shown, the difference from what is published, accepting, returning with the
e-mail and the resubmission, and the accepted reports' CSV in cp932."""

import pytest
import sqlalchemy as sa

from gmis.db import session
from gmis.models import FacilityType, OutboxMessage, ResponseStatus, Role
from gmis.surveys import reviewing
from tests.fixtures.review import make_report, publish_report_survey
from tests.fixtures.web import client_of, page_text, post_form


@pytest.fixture
def survey():
    return publish_report_survey()


@pytest.fixture
def clinic(make_user, make_facility):
    return make_user(facility=make_facility("13", FacilityType.clinic, name="みどり診療所"))


@pytest.fixture
def reviewer(make_user):
    return make_user(role=Role.prefecture, prefecture_code="13")


def test_the_queue_lists_own_reports_and_another_prefectures_page_is_404(
        app, survey, clinic, reviewer, make_user, make_facility):
    report = make_report(survey, clinic, "new-20261101")
    osaka = make_user(facility=make_facility("27", FacilityType.clinic, name="なにわ診療所"))
    other = make_report(survey, osaka, "new-20261101")
    session.commit()
    browser = client_of(app, reviewer)
    page = browser.get("/reporting/review").get_data(as_text=True)
    assert "みどり診療所" in page and "なにわ診療所" not in page
    assert "新規報告" in page and "機能報告の審査" in page
    assert browser.get(f"/reporting/review/{report.id}").status_code == 200
    assert browser.get(f"/reporting/review/{other.id}").status_code == 404
    assert post_form(browser, f"/reporting/review/{other.id}/accept", {},
                     page="/reporting/review").status_code == 404


def test_a_malformed_filter_is_a_japanese_400(app, reviewer):
    browser = client_of(app, reviewer)
    answer = browser.get("/reporting/review?kind=yearly&from=12/01")
    assert answer.status_code == 400
    text = page_text(answer.get_data(as_text=True))
    assert "報告の種類は一覧から選んでください。" in text
    assert "提出日(開始)は「2026-12-01」の形で入力してください。" in text


def test_the_page_shows_the_changed_rows_and_all_of_them_on_request(
        app, survey, clinic, reviewer):
    first = make_report(survey, clinic, "new-20261101")
    reviewing.accept_report(first, reviewer)
    change = make_report(survey, clinic, "adhoc-20261201", {"parking": "no"})
    session.commit()
    browser = client_of(app, reviewer)
    text = page_text(browser.get(f"/reporting/review/{change.id}").get_data(as_text=True))
    assert "駐車場 基本情報 はい いいえ 変更 公開" in text
    assert "報告担当者" not in text  # unchanged: shown only with all rows
    text = page_text(browser.get(f"/reporting/review/{change.id}?all=1").get_data(as_text=True))
    assert "報告担当者 連絡先 厚労 花子 厚労 花子 非公開" in text
    assert "受理" in text and "新規報告(2026年11月1日(日))" in text


def test_accepting_and_a_second_click(app, survey, clinic, reviewer):
    report = make_report(survey, clinic, "new-20261101")
    session.commit()
    browser = client_of(app, reviewer)
    url = f"/reporting/review/{report.id}"
    assert "(新規)" in browser.get(url + "?all=1").get_data(as_text=True)
    assert post_form(browser, url + "/accept", {}, page=url).status_code == 303
    session.refresh(report)
    assert report.status == ResponseStatus.accepted and report.accepted_at is not None
    assert post_form(browser, url + "/accept", {}, page="/reporting/review").status_code == 303
    # Returning what was accepted: a Japanese 409.
    answer = post_form(browser, url + "/return", {"comment": "やはり直して"},
                       page="/reporting/review")
    assert answer.status_code == 409
    assert "「受理済み」の回答は差し戻せません。" in answer.get_data(as_text=True)


def test_returning_mails_the_facility_and_the_resubmission_comes_back(
        app, survey, clinic, reviewer):
    report = make_report(survey, clinic, "new-20261101")
    session.commit()
    browser = client_of(app, reviewer)
    url = f"/reporting/review/{report.id}"
    answer = post_form(browser, url + "/return", {"comment": ""}, page=url)
    assert answer.status_code == 422
    assert "差戻しの理由を入力してください。" in answer.get_data(as_text=True)
    assert post_form(browser, url + "/return", {"comment": "電話番号が違います。"},
                     page=url).status_code == 303
    [mail] = session.scalars(sa.select(OutboxMessage)).all()
    assert mail.recipient == clinic.email
    assert "電話番号が違います。" in mail.body
    assert "/surveys/clinic_report/new-20261101" in mail.body
    assert "この条件に当てはまる報告はありません。" in browser.get("/reporting/review").get_data(
        as_text=True)

    make_report(survey, clinic, "new-20261101", {"phone": "03-5321-2222"})
    session.commit()
    page = page_text(browser.get("/reporting/review").get_data(as_text=True))
    assert "みどり診療所" in page
    text = page_text(browser.get(url).get_data(as_text=True))
    assert "再提出" in text and "電話番号が違います。" in text


def test_the_accepted_reports_as_cp932_csv(app, survey, clinic, reviewer):
    report = make_report(survey, clinic, "new-20261101", {"name": "髙橋診療所"})
    reviewing.accept_report(report, reviewer)
    session.commit()
    browser = client_of(app, reviewer)
    answer = browser.get("/reporting/review/accepted.csv?survey=clinic_report&fy=2026")
    assert answer.status_code == 200
    assert "Windows-31J" in answer.headers["Content-Type"]
    text = answer.get_data().decode("cp932")
    header, row = text.splitlines()[:2]
    assert header.startswith("医療機関コード,名称,種別,都道府県")
    assert "髙橋診療所" in row and "新規報告" in row and "厚労 花子" in row
    refused = browser.get("/reporting/review/accepted.csv?survey=clinic_report&fy=R8")
    assert refused.status_code == 400
    assert "年度は西暦4桁(例: 2026)で入力してください。" in refused.get_data(as_text=True)
