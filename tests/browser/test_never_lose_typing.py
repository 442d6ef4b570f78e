"""Nothing typed is lost on a phone: type, leave, come back, and the value is there; a warning
before leaving input that is not saved yet; sections switch without waiting for the server.

The live server's data is shared by the browser tests: each test here answers a period that
no other test answers (the live facility's weekly supplies answer of this week, submitted
by the fixture, is corrected here with a remark only, which no other test reads)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from gmis.db import utcnow
from gmis.surveys.engine import periods
from tests.browser.conftest import PHONE
from tests.browser.test_survey_form import settled, sign_in

pytestmark = pytest.mark.browser


def day_url(survey_key: str, days_ago: int) -> str:
    return f"/surveys/{survey_key}/{periods.today(utcnow()) - timedelta(days=days_ago)}"


def week_url(weeks_ago: int) -> str:
    day = periods.today(utcnow()) - timedelta(weeks=weeks_ago)
    return f"/surveys/supplies_weekly/{periods.period_for('weekly', day).key}"


def saved(page, text: str = "一時保存しました") -> None:
    """The draft saved itself (a change saves about two seconds later)."""
    expect(page.locator("#autosave-status")).to_contain_text(text, timeout=8000)


def leave_and_come_back(page, url: str) -> None:
    page.goto("/home")
    expect(page).to_have_url(re.compile(r"/home$"))
    page.goto(url)
    settled(page)


def cell(page, row: str, column: str):
    return page.locator(f'[name="f.supplies.{row}.{column}"]')


def test_a_half_filled_table_row_is_kept(page, live_server):
    sign_in(page, live_server)
    url = week_url(1)
    page.goto(url)
    settled(page)
    cell(page, "n95_mask", "stock").fill("120")
    cell(page, "n95_mask", "weekly_use").fill("40")
    cell(page, "n95_mask", "weekly_use").press("Tab")
    saved(page)

    leave_and_come_back(page, url)
    expect(cell(page, "n95_mask", "stock")).to_have_value("120")
    expect(cell(page, "n95_mask", "weekly_use")).to_have_value("40")
    expect(page.locator("#field-supplies .errors")).to_contain_text(
        "表のすべての欄を入力してください")
    expect(page.locator("#autosave-status")).to_contain_text("保存済み")


def test_an_invalid_number_is_kept_with_its_message(page, live_server):
    sign_in(page, live_server)
    url = day_url("hospital_daily", 4)
    page.goto(url)
    page.get_by_role("button", name=re.compile("^空床状況")).tap()
    vacant = page.get_by_label(re.compile(r"^空床数"))
    vacant.fill("たくさん")
    vacant.press("Tab")
    message = "半角または全角の整数で入力してください(例: 12)。"
    expect(page.locator("#field-vacant_beds .errors")).to_have_text(message)
    saved(page)

    leave_and_come_back(page, url)
    page.get_by_role("button", name=re.compile("^空床状況")).tap()
    expect(vacant).to_be_visible()
    expect(vacant).to_have_value("たくさん")
    expect(page.locator("#field-vacant_beds .errors")).to_have_text(message)
    expect(vacant).to_have_attribute("aria-invalid", "true")

    # Submitting refuses it: the summary opens the first error's section, and its links
    # open the section of theirs.
    page.get_by_role("button", name="提出する", exact=True).tap()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^基本情報"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"section=basic"))
    expect(vacant).to_be_hidden()
    summary.get_by_role("link", name=re.compile(r"^空床数: 半角")).tap()
    expect(vacant).to_be_visible()
    expect(vacant).to_have_value("たくさん")
    expect(page).to_have_url(re.compile(r"section=beds"))


def test_a_correction_is_kept_and_the_prefecture_sees_the_submitted_answer_until_then(
        page, browser, live_server):
    sign_in(page, live_server)
    url = week_url(0)
    page.goto(url)
    expect(page.get_by_role("button", name="修正を提出する")).to_be_visible()
    page.get_by_role("button", name=re.compile("^備考")).tap()
    remark = "N95マスクの入荷待ちです。"
    remarks = page.get_by_label("都道府県への連絡事項")
    remarks.fill(remark)
    remarks.press("Tab")
    saved(page, "修正を一時保存しました")

    leave_and_come_back(page, url)
    expect(page.get_by_text("修正内容を一時保存しています(まだ提出されていません)。")).to_be_visible()
    page.get_by_role("button", name=re.compile("^備考")).tap()
    expect(remarks).to_have_value(remark)

    watcher = browser.new_context(base_url=live_server.url, **PHONE).new_page()
    watcher.goto("/login")
    watcher.get_by_label("ユーザID").fill(live_server.prefecture_login_id)
    watcher.get_by_label("パスワード").fill(live_server.password)
    watcher.get_by_role("button", name="ログイン", exact=True).click()
    expect(watcher).to_have_url(re.compile(r"/home$"))
    submitted = page.get_by_role("link", name="提出済みの内容を見る").get_attribute("href")
    watcher.goto(submitted)
    expect(watcher.get_by_role("heading", level=1)).to_contain_text("医療用物資の週次調査")
    expect(watcher.get_by_text(remark)).to_have_count(0)

    page.get_by_role("button", name="修正を提出する").tap()
    expect(page.get_by_text("修正した内容を提出しました。")).to_be_visible()
    watcher.reload()
    expect(watcher.get_by_text(remark).first).to_be_visible()
    watcher.context.close()


def test_leaving_unsaved_input_asks_first_and_a_saved_page_does_not(page, live_server):
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    sign_in(page, live_server)
    # Nothing typed: leaving is silent.
    page.goto(day_url("hospital_daily", 6))
    settled(page)
    page.get_by_role("link", name="調査への回答").click()
    expect(page).to_have_url(re.compile(r"/surveys$"))
    assert dialogs == []

    url = day_url("hospital_daily", 5)
    page.goto(url)
    page.get_by_role("button", name=re.compile("^空床状況")).tap()
    total = page.get_by_label(re.compile(r"^稼働病床数"))
    total.tap()
    total.press_sequentially("320")
    page.get_by_role("link", name="調査への回答").click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    expect(page).to_have_url(re.compile(re.escape(url)))
    expect(total).to_have_value("320")

    # A section switch is no leaving; the save it starts ends the warning.
    page.get_by_role("button", name="前へ", exact=True).tap()
    saved(page)
    page.get_by_role("link", name="調査への回答").click()
    expect(page).to_have_url(re.compile(r"/surveys$"))
    assert dialogs == ["beforeunload"]


def test_a_section_switch_makes_no_request(page, live_server):
    sign_in(page, live_server)
    page.goto(day_url("hospital_daily", 6))
    settled(page)
    requests = []
    # Chromium asks for the icon again when the address changes; it is a cached static file
    # (immutable), not a round trip to the application.
    page.on("request", lambda request: "/static/" in request.url
            or requests.append(request.url))

    page.get_by_role("button", name="次へ", exact=True).tap()
    heading = page.get_by_role("heading", name=re.compile("^医療提供状況"))
    expect(heading).to_be_visible()
    expect(heading).to_be_focused()
    expect(page).to_have_url(re.compile(r"\?section=services$"))
    expect(page.get_by_role("heading", name=re.compile("^基本情報"))).to_be_hidden()
    # Scrolled to the top of the form (the section's heading and its first fields in view).
    assert abs(page.locator("#survey-form").bounding_box()["y"]) <= 1

    page.get_by_role("button", name=re.compile("^空床状況")).tap()
    expect(page.get_by_label(re.compile(r"^空床数"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"\?section=beds$"))
    expect(page.locator(".section-steps .current")).to_contain_text("空床状況")
    page.get_by_role("button", name="前へ", exact=True).tap()
    expect(page.get_by_role("heading", name=re.compile("^空床状況"))).to_be_hidden()
    assert requests == [], requests
