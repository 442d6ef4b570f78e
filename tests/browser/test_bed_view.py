"""A fire department finds a hospital on a phone: by secondary area, then its detail."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_survey_form import settled

pytestmark = pytest.mark.browser


def test_a_fire_department_searches_by_area_and_opens_a_hospital(page, live_server):
    page.goto("/login")
    page.get_by_label("ユーザID").fill(live_server.fire_login_id)
    page.get_by_label("パスワード").fill(live_server.password)
    page.get_by_role("button", name="ログイン", exact=True).click()
    # A fire department starts on the bed view: no home page to pass through.
    expect(page.get_by_role("heading", name="地域病床見える化", level=1)).to_be_visible()

    areas = page.get_by_label("二次医療圏", exact=True)
    first_area = areas.locator("option").nth(1)
    area_name = first_area.inner_text()
    areas.select_option(label=area_name)
    settled(page)
    expect(page).to_have_url(re.compile(r"area=\d+"))
    hospital = page.get_by_role("link", name=live_server.facility_name)
    expect(hospital).to_be_visible()
    expect(page.locator(".bed-table")).to_contain_text(area_name)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "bed-view-area.png", full_page=True)

    # Typing a name that no hospital of the area has empties the list, as you type.
    page.get_by_label("病院名").fill("存在しない病院")
    expect(page.get_by_text("この条件に当てはまる病院はありません。")).to_be_visible()
    page.get_by_label("病院名").fill("湾岸")
    expect(hospital).to_be_visible()

    hospital.tap()
    expect(page.get_by_role("heading", name=live_server.facility_name, level=1)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("に電話する"))).to_have_attribute(
        "href", "tel:0354701234")
    expect(page.get_by_text("最新の報告")).to_be_visible()
