"""The public search on a phone: the short form on top fits the screen, the further
filters are folded, and a bad search says why, keeping what was typed."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_search_fits_a_phone_and_a_bad_search_keeps_what_was_typed(page):
    page.goto("/public/search")
    expect(page.get_by_role("heading", name="医療機関・薬局を探す")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(page.get_by_label("郵便番号")).to_be_hidden()  # folded in 「条件を追加する」
    page.get_by_label("名称・フリガナ").fill("さくら%\\")
    page.get_by_text("条件を追加する").click()
    page.get_by_label("曜日と時刻を指定").check()
    page.get_by_role("button", name="検索する").click()
    expect(page.get_by_role("alert")).to_contain_text("曜日を選んでください")
    expect(page.get_by_label("名称・フリガナ")).to_have_value("さくら%\\")
