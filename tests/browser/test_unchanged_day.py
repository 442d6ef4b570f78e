"""An unchanged day on a phone: a hospital whose figures are as yesterday's submits today's
hospital daily survey from its home page in at most three taps, having seen on one screen
what it submits."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

MAX_TAPS = 3


class Taps:
    """Every tap the person makes, counted."""

    def __init__(self):
        self.count = 0

    def tap(self, locator) -> None:
        self.count += 1
        locator.tap()


def test_an_unchanged_day_takes_at_most_three_taps_from_home(page, live_server):
    page.goto("/login")
    page.get_by_label("ユーザID").fill(live_server.unchanged_login_id)
    page.get_by_label("パスワード").fill(live_server.password)
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page).to_have_url(re.compile(r"/home$"))

    person = Taps()
    due = page.get_by_role("region", name="今回の回答")
    person.tap(due.get_by_role("link", name=re.compile("病院日次調査.*前日から変更なし")))

    # One screen: what will be submitted, section by section, and where it comes from.
    expect(page.get_by_role("heading", name="前日から変更なし", level=1)).to_be_visible()
    for section in ("基本情報", "新型コロナウイルス感染症患者の入退院状況", "空床状況"):
        expect(page.get_by_role("heading", name=section, level=2)).to_be_visible()
    expect(page.locator("#unchanged-field-covid_inpatients")).to_contain_text("5人")
    expect(page.locator("#unchanged-field-covid_inpatients")).to_contain_text("前回から引継ぎ")
    expect(page.locator("#unchanged-field-vacant_beds")).to_contain_text("13床")
    expect(page.locator("#unchanged-field-tests_total")).to_contain_text("0人")
    expect(page.locator("#unchanged-field-tests_total")).to_contain_text("変化なしの値")
    submit = page.get_by_role("button", name="提出する", exact=True)
    expect(submit).to_be_in_viewport()  # kept at the bottom of the screen, no scrolling
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the confirmation is {width}px wide on a 390px phone"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "unchanged-day-confirmation.png")

    person.tap(submit)
    expect(page.get_by_text("提出しました。")).to_be_visible()
    expect(page.get_by_text("提出済み").first).to_be_visible()
    assert person.count <= MAX_TAPS, f"an unchanged day took {person.count} taps"

    # Home no longer offers it: today is answered.
    page.goto("/home")
    expect(page.get_by_role("link", name=re.compile("病院日次調査.*前日から変更なし"))
           ).to_have_count(0)
