"""Filling a survey on a phone: a conditional field, the numeric keyboard, a check as a
field changes, the draft saving itself, submitting."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def sign_in(page, live_server) -> None:
    page.goto("/login")
    page.get_by_label("ユーザID").fill(live_server.login_id)
    page.get_by_label("パスワード").fill(live_server.password)
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page).to_have_url(re.compile(r"/home$"))


def settled(page) -> None:
    """htmx binds swapped-in content when it settles (a few milliseconds later): a person
    never types that fast, a test does."""
    expect(page.locator(".htmx-request, .htmx-added, .htmx-settling")).to_have_count(0)


def test_a_facility_fills_a_survey_with_a_conditional_field_and_submits(page, live_server):
    sign_in(page, live_server)
    page.goto("/surveys")
    survey = page.get_by_role("region", name="病棟の状況")
    expect(survey.get_by_text("未回答")).to_be_visible()
    survey.get_by_role("link", name=re.compile("回答する")).tap()
    expect(page.get_by_role("heading", name="病棟の状況", level=1)).to_be_visible()

    vacant = page.get_by_label("空床数")
    expect(vacant).to_have_attribute("inputmode", "numeric")
    patients = page.get_by_label("人工呼吸器の使用患者数")
    expect(patients).to_be_hidden()

    # Checked as it changes: out of range, then corrected; nothing typed is lost.
    vacant.fill("３０００")
    vacant.press("Tab")
    error = page.locator("#field-vacant_beds .errors")
    expect(error).to_have_text("0〜2,000床の範囲で入力してください。")
    expect(error).to_have_attribute("role", "alert")
    expect(page.get_by_label("空床数")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("空床数")).to_have_value("3000")
    settled(page)
    page.get_by_label("空床数").fill("１２")
    page.get_by_label("空床数").press("Tab")
    expect(page.locator("#field-vacant_beds .errors")).to_have_count(0)

    # The server decides that the conditional field is needed now.
    page.get_by_role("group", name="人工呼吸器を使用していますか").get_by_label("はい").check()
    expect(patients).to_be_visible()
    expect(patients).to_have_attribute("inputmode", "numeric")
    settled(page)
    expect(page.locator("#survey-progress")).to_contain_text("2/3")
    expect(page.locator("#autosave-status")).to_contain_text("一時保存しました", timeout=8000)

    patients.fill("4")
    patients.press("Tab")
    expect(page.locator("#survey-progress")).to_contain_text("3/3")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "survey-form-filled.png", full_page=True)

    page.get_by_role("button", name="提出する", exact=True).tap()
    expect(page).to_have_url(re.compile(r"/responses/\d+$"))
    expect(page.get_by_text("提出しました。")).to_be_visible()
    expect(page.locator(".facts").get_by_text("提出済み")).to_be_visible()
    expect(page.get_by_text("人工呼吸器の使用患者数").first).to_be_visible()

    page.goto("/surveys")
    expect(page.get_by_role("region", name="病棟の状況").get_by_text("提出済み")).to_be_visible()
