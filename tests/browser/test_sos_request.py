"""Filing an emergency supply request on a phone: the N95 confirmation asked for, the
quantity kept, the system check passed, the print view."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_survey_form import sign_in

pytestmark = pytest.mark.browser


def test_a_hospital_files_a_request_for_n95_masks_on_a_phone(page, live_server):
    sign_in(page, live_server)
    page.locator("details.menu > summary").tap()
    page.get_by_role("link", name="緊急配布要請", exact=True).tap()
    expect(page.get_by_text("当日13:00まで")).to_be_visible()
    page.get_by_role("link", name="新規に要請する").tap()

    page.get_by_label("上記の緊急配布条件を満たしていることを確認した", exact=False).first.check()
    quantity = page.get_by_label("N95マスク(DS2を含む)(枚)")
    expect(quantity).to_have_attribute("inputmode", "numeric")
    quantity.fill("３００")
    expect(page.locator("#cut-off")).to_contain_text(re.compile("本日|翌営業日"))
    page.get_by_role("button", name="システムチェック&申請").tap()

    # N95 masks need their own confirmation: refused, and nothing typed is lost.
    expect(page.get_by_role("alert").first).to_contain_text("N95マスクを要請する場合は")
    expect(page.get_by_label("N95マスク(DS2を含む)(枚)")).to_have_value("300")
    page.get_by_label("上記のN95マスクの緊急配布条件を満たしていることを確認した").check()
    page.get_by_role("button", name="システムチェック&申請").tap()

    expect(page.get_by_text("緊急配布要請を受け付けました。")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("都道府県・国確認中")
    title = page.get_by_role("heading", level=1).inner_text()
    assert re.fullmatch(rf"\d{{4}}/\d{{2}}/\d{{2}}_{live_server.facility_name}_緊急配布要請", title)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "sos-request-applied.png", full_page=True)

    page.get_by_role("link", name="印刷用の表示").tap()
    expect(page.locator(".print-document")).to_contain_text("300枚")
    expect(page.get_by_role("link", name="PDFで開く")).to_be_visible()
