"""A function report (医療機能情報の報告) end to end, on a phone (390×844): a clinic whose
report is published makes its periodic report (定期報告) from its home, pre-filled from the
published one, adds a department and submits; 東京都 sees the change in the review and
accepts it; a resident who is not signed in then finds the clinic by that department, open
now, and sees the department on its page. Screenshots of the key steps are kept."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, PHONE
from tests.browser.test_survey_form import settled
from tests.fixtures.live import CLINIC_NAME

pytestmark = pytest.mark.browser


def sign_in_as(page, login_id: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("ユーザID").fill(login_id)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page).to_have_url(re.compile(r"/home$"))


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"function-report-{name}.png", full_page=True)


def fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]


def test_a_clinic_reports_a_change_the_prefecture_accepts_it_and_residents_find_it(
        page, browser, live_server):
    # 1. The clinic: from its home to the report home, then the periodic report.
    sign_in_as(page, live_server.clinic_login_id, live_server.password)
    reports = page.get_by_role("region", name="機能情報の報告")
    expect(reports).to_contain_text("医療機能情報")
    reports.get_by_role("link", name="報告ホーム").tap()
    expect(page).to_have_url(re.compile(r"/reporting/medical_function$"))
    expect(page.locator("dl.facts")).to_contain_text("受理された報告(新規報告")
    periodic = page.get_by_role("button", name="定期報告", exact=True)
    expect(periodic).to_be_enabled()
    fits_the_phone(page)
    shot(page, "1-report-home")
    periodic.tap()
    expect(page).to_have_url(re.compile(r"/surveys/medical_function/periodic-FY\d{4}"))
    settled(page)

    # Pre-filled from the published report: the name as accepted, 内科 already chosen.
    expect(page.get_by_role("textbox", name="正式名称", exact=True)).to_have_value(CLINIC_NAME)
    departments = page.locator("#field-departments")
    while not departments.is_visible():
        page.get_by_role("button", name="次へ", exact=True).tap()
        settled(page)
    expect(departments.get_by_label("内科", exact=True)).to_be_checked()
    departments.get_by_label("選択肢を絞り込む").fill("皮膚")
    departments.get_by_label("皮膚科", exact=True).check()
    settled(page)
    expect(departments.locator(".choice-count")).to_contain_text("2件選択中")
    shot(page, "2-department-added")
    following = page.get_by_role("button", name="次へ", exact=True)
    while following.count() and following.is_visible():
        following.tap()
        settled(page)
    page.get_by_role("button", name="提出する", exact=True).tap()
    expect(page.get_by_text("提出しました。")).to_be_visible()
    shot(page, "3-submitted")

    # 2. 東京都: the queue, the report, the change, 受理.
    reviewer = browser.new_context(base_url=live_server.url, **PHONE)
    reviewer.set_default_timeout(10_000)
    try:
        tokyo = reviewer.new_page()
        sign_in_as(tokyo, live_server.prefecture_login_id, live_server.password)
        tokyo.goto("/reporting/review")
        tokyo.get_by_role("link", name=CLINIC_NAME).tap()
        expect(tokyo.get_by_role("heading", name=CLINIC_NAME, level=1)).to_be_visible()
        expect(tokyo.get_by_text("定期報告", exact=True)).to_be_visible()
        diff = tokyo.get_by_role("table", name="項目ごとの比較")
        changed = diff.get_by_role("row").filter(has_text="診療科目")
        expect(changed).to_contain_text("皮膚科")
        expect(changed).to_contain_text("変更")
        fits_the_phone(tokyo)
        shot(tokyo, "4-review-diff")
        tokyo.get_by_role("button", name="受理する").tap()
        expect(tokyo.locator(".badge.status-accepted")).to_be_visible()
        shot(tokyo, "5-accepted")
    finally:
        reviewer.close()

    # 3. A resident, not signed in: 皮膚科, open now; the clinic, its page, the print view.
    resident_context = browser.new_context(base_url=live_server.url, **PHONE)
    resident_context.set_default_timeout(10_000)
    try:
        resident = resident_context.new_page()
        resident.goto("/public/search")
        resident.get_by_label("診療科目").select_option(label="皮膚科")
        resident.get_by_label("いま診療・営業中").check()
        resident.get_by_role("button", name="検索する").click()
        expect(resident).to_have_url(re.compile(r"department=dermatology"))
        found = resident.get_by_role("link", name=CLINIC_NAME)
        expect(found).to_be_visible()
        expect(resident.locator("article, li").filter(has=found).get_by_text(
            "診療・営業中")).to_be_visible()
        fits_the_phone(resident)
        shot(resident, "6-search-results")
        found.tap()
        expect(resident.get_by_role("heading", name=CLINIC_NAME, level=1)).to_be_visible()
        expect(resident.get_by_text("皮膚科")).to_be_visible()
        print_link = resident.get_by_role("link", name="印刷用の画面")
        expect(print_link).to_be_visible()
        fits_the_phone(resident)
        shot(resident, "7-facility-page")
        print_link.tap()
        expect(resident).to_have_url(re.compile(r"/public/facilities/\d+/print$"))
        expect(resident.get_by_text(CLINIC_NAME).first).to_be_visible()
        shot(resident, "8-print-view")
    finally:
        resident_context.close()
