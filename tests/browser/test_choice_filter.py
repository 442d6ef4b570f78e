"""A function report on a phone (390×844): the long lists of check boxes (40 診療科目, 30
治療内容) are filtered by what is typed above them, katakana, hiragana and half-width alike;
what is chosen stays in view and is counted, survives the field's check, and is saved.
Without JavaScript the whole list is there. A screenshot of a section is kept at a phone's
and a desktop's size."""

import re

import pytest
from playwright.sync_api import expect

from gmis.db import utcnow
from gmis.surveys.engine import periods
from gmis.text import search_fold
from tests.browser.conftest import ARTIFACTS, PHONE
from tests.browser.test_survey_form import settled, sign_in

pytestmark = pytest.mark.browser

DESKTOP = {**PHONE, "viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1,
           "is_mobile": False, "has_touch": False}


def report_url(section: str) -> str:
    # A new report (新規報告) dated today: the period key of a report made today.
    day = periods.today(utcnow())
    return f"/surveys/medical_function/new-{day:%Y%m%d}?section={section}"


def visible_choices(field) -> list[str]:
    return [text.strip() for text in
            field.locator(".choices label.checkbox:visible").all_inner_texts()]


def test_a_long_list_is_filtered_on_a_phone_and_what_is_chosen_stays(page, live_server):
    sign_in(page, live_server)
    page.goto(report_url("consultation"))
    settled(page)
    field = page.locator("#field-departments")
    expect(field.locator("legend")).to_contain_text("診療科目")
    assert len(visible_choices(field)) == 40
    search = field.get_by_label("選択肢を絞り込む")
    expect(search).to_be_visible()
    expect(field.locator(".choice-count")).to_have_text("0件選択中")

    search.fill("内")
    shown = visible_choices(field)
    assert shown and all("内" in label for label in shown)
    assert "外科" not in shown
    field.get_by_label("心療内科", exact=True).check()
    settled(page)
    field.get_by_label("内科", exact=True).check()
    settled(page)
    # The field's check answered with its wrapper: the filter and the count are still there.
    expect(field.get_by_label("選択肢を絞り込む")).to_have_value("内")
    expect(field.locator(".choice-count")).to_contain_text("2件選択中")

    # Katakana finds hiragana (耳鼻いんこう科), half-width finds full-width (リハビリテーション科),
    # and the chosen ones stay in view.
    search = field.get_by_label("選択肢を絞り込む")
    search.fill("インコウ")
    assert visible_choices(field) == ["内科", "心療内科", "耳鼻いんこう科"]
    search.fill("ﾘﾊﾋﾞﾘ")
    assert visible_choices(field) == ["内科", "心療内科", "リハビリテーション科"]
    expect(field.locator(".choice-count")).to_contain_text("2件選択中")
    search.fill("該当なしの言葉")
    expect(field.get_by_text("当てはまる選択肢がありません。")).to_be_hidden()  # chosen ones show
    search.fill("")
    assert len(visible_choices(field)) == 40

    # The choices save (the filter box is not sent) and come back checked and counted.
    page.locator("#survey-form").get_by_role("button", name=re.compile("一時保存")).first.click()
    settled(page)
    page.reload()
    field = page.locator("#field-departments")
    expect(field.get_by_label("内科", exact=True)).to_be_checked()
    expect(field.get_by_label("心療内科", exact=True)).to_be_checked()
    expect(field.locator(".choice-count")).to_have_text("2件選択中")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]


def test_the_script_folds_what_is_typed_as_the_server_folds_searches(page, live_server):
    sign_in(page, live_server)
    page.goto(report_url("care"))
    samples = ["ｲﾝｽﾘﾝ", "インスリン", "いんすりん", "ＣＯＰＤ", "ｶﾞﾝ 検診", "ﾘﾊﾋﾞﾘﾃｰｼｮﾝ", "ヴァ"]
    assert page.evaluate("(samples) => samples.map(searchFold)", samples) == [
        search_fold(sample) for sample in samples]
    field = page.locator("#field-treatments")
    field.get_by_label("選択肢を絞り込む").fill("ｶﾞﾝ")
    assert visible_choices(field) == [
        "内視鏡によるポリープ・早期がんの切除", "がんの手術", "がん検診"]


def test_without_javascript_the_whole_list_is_there(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, **PHONE)
    try:
        page = context.new_page()
        sign_in(page, live_server)
        page.goto(report_url("consultation"))
        field = page.locator("#field-departments")
        expect(field.get_by_label("選択肢を絞り込む")).to_be_hidden()
        assert len(visible_choices(field)) == 40
    finally:
        context.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_section_of_the_report_at_a_phones_and_a_desktops_size(browser, live_server, size):
    context = browser.new_context(base_url=live_server.url,
                                  **(PHONE if size == "phone" else DESKTOP))
    try:
        page = context.new_page()
        sign_in(page, live_server)
        page.goto(report_url("consultation"))
        settled(page)
        page.locator("#field-departments").get_by_label("選択肢を絞り込む").fill("科")
        width = page.viewport_size["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"medical_function_consultation_{size}.png",
                        full_page=True)
        page.screenshot(path=ARTIFACTS / f"medical_function_consultation_{size}_top.png")
        page.locator("#field-departments").screenshot(
            path=ARTIFACTS / f"medical_function_departments_{size}.png")
    finally:
        context.close()
