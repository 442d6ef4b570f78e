"""The survey builder as national staff use it, at desktop size: a blank survey of three
sections (a table, a yes/no question and a question shown only after "yes", two counts and
their computed total, a rule with a Japanese message), moved with the keyboard, undone and
redone, previewed at phone width, published from the version page; then a hospital answers
it on a phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, PHONE
from tests.browser.test_survey_form import settled

pytestmark = pytest.mark.browser

DESKTOP = {**PHONE, "viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1,
           "is_mobile": False, "has_touch": False}
PHONE_SIZE = PHONE["viewport"]


def sign_in(page, login_id: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("ユーザID").fill(login_id)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page).to_have_url(re.compile(r"/home$"))


def save(control, value: str) -> None:
    """Type a setting and leave it with Tab, as a person does: the form saves on change."""
    control.fill(value)
    control.press("Tab")
    settled(control.page)


def setting(page, name: str):
    """A setting of the item open in the editor, by its label (the 必須 mark aside)."""
    return page.locator(".builder-panel").get_by_role("textbox", name=name, exact=True)


def add_field(page, type_label: str) -> None:
    page.locator(".builder-palette").get_by_role("button", name=type_label, exact=True).click()
    settled(page)
    expect(page.locator("#panel-heading")).to_be_focused()  # the new field, in view
    expect(page.locator("#panel-heading")).to_be_in_viewport()


def name_field(page, key: str, label: str) -> None:
    save(setting(page, "項目名").first, label)
    save(setting(page, "項目キー").first, key)
    expect(page.locator("#panel-heading")).to_contain_text(f"{label} {key}")


def open_item(page, name: str, heading: str | None = None) -> None:
    page.get_by_role("navigation", name="調査の構成").get_by_role(
        "link", name=name, exact=True).click()
    expect(page.locator("#panel-heading")).to_contain_text(heading or name)


def build_the_survey(page) -> None:
    page.goto("/admin/surveys/builder")
    page.get_by_label("調査キー").fill("builder_ward")
    page.get_by_label("調査名").fill("病棟の確認")
    page.get_by_role("button", name="作成して編集する").first.click()
    expect(page.get_by_role("heading", name="調査の設定", level=2)).to_be_visible()
    # Asked of Tokyo's facilities only, so that the other browser tests' facilities keep
    # their own lists of surveys.
    save(page.get_by_role("textbox", name="対象の都道府県(コード)"), "13")

    # 1. 病床: a table of two rows by two columns, set in its settings.
    open_item(page, "セクション1")
    save(setting(page, "セクション名"), "病床")
    open_item(page, "項目1")
    page.get_by_role("group", name="項目の操作").get_by_role("button", name="削除").click()
    settled(page)
    add_field(page, "表")
    name_field(page, "beds", "病床の状況")
    rows = page.get_by_role("group", name="行")
    save(rows.get_by_label("1行目のキー"), "general")
    save(rows.get_by_label("1行目の行の名前"), "一般病床")
    # A row half typed is refused with a message, and kept on the page until it is whole.
    save(rows.get_by_label("2行目のキー"), "icu")
    expect(page.get_by_text("入力に誤りがあるため、保存していません。")).to_be_visible()
    expect(page.get_by_text("行 2の「行の名前」: 必須のキーがありません。")).to_be_visible()
    save(rows.get_by_label("2行目の行の名前"), "ICU")
    first = page.get_by_role("group", name="列 1", exact=True)
    save(first.get_by_role("textbox", name="キー", exact=True), "staffed")
    save(first.get_by_role("textbox", name="項目名", exact=True), "稼働病床数")
    second = page.get_by_role("group", name=re.compile(r"^列 2"))
    save(second.get_by_role("textbox", name="キー", exact=True), "vacant")
    save(second.get_by_role("textbox", name="項目名", exact=True), "空床数")
    second.get_by_label("種類", exact=True).select_option(label="整数")
    settled(page)
    expect(page.get_by_text("入力に誤りがあるため、保存していません。")).to_have_count(0)
    expect(second.get_by_role("textbox", name="項目名", exact=True)).to_have_value("空床数")

    # 2. 人工呼吸器: a yes/no question, and the count shown only after "yes".
    page.get_by_role("navigation", name="調査の構成").get_by_role(
        "button", name="セクションを追加").click()
    settled(page)
    save(setting(page, "セクション名"), "人工呼吸器")
    add_field(page, "はい/いいえ")
    name_field(page, "ventilators_used", "人工呼吸器を使用していますか")
    page.get_by_label("必須", exact=True).check()
    settled(page)
    add_field(page, "整数")
    name_field(page, "ventilator_patients", "人工呼吸器の使用患者数")
    condition = setting(page, "表示条件")
    condition.fill("ventilators_u")
    # Field keys are offered as an expression is typed.
    page.get_by_role("button", name="ventilators_used").click()
    condition.press_sequentially(" == true")
    expect(page.locator("#s-field-visible_if-check")).to_have_text("式として使えます。")
    condition.press("Tab")
    settled(page)
    expect(page.locator("#builder-logic")).to_contain_text("使う項目: ventilators_used")
    # Tried with a sample answer in the side panel: nothing is stored.
    page.get_by_label(re.compile("^人工呼吸器を使用していますか")).select_option("yes")
    page.get_by_role("button", name="この回答で試す").click()
    expect(page.locator("#trial")).to_contain_text("表示する")

    # 3. 入退院: two counts, put in order with the keyboard, and their computed total.
    page.get_by_role("navigation", name="調査の構成").get_by_role(
        "button", name="セクションを追加").click()
    settled(page)
    save(setting(page, "セクション名"), "入退院")
    add_field(page, "整数")
    name_field(page, "discharges", "退院数")
    add_field(page, "整数")
    name_field(page, "admissions", "入院数")
    moves = page.get_by_role("group", name="項目の操作")
    moves.get_by_role("button", name="上へ移動").focus()
    page.keyboard.press("Enter")
    settled(page)
    expect(moves.get_by_role("button", name="上へ移動")).to_be_focused()
    page.keyboard.press("Alt+ArrowDown")  # and back again with the shortcut
    settled(page)
    page.keyboard.press("Alt+ArrowUp")
    settled(page)
    third = page.locator(".outline > li").nth(3)
    expect(third.locator("ul > li")).to_have_text([re.compile("^入院数"), re.compile("^退院数")])
    open_item(page, "退院数")
    add_field(page, "整数")
    name_field(page, "movements", "入退院の合計")
    save(setting(page, "計算式"), "admissions + discharges")
    expect(page.locator(".logic")).to_contain_text("使う項目: admissions、discharges")

    # A rule, with its Japanese message beside the total.
    open_item(page, "ルール(0)", "ルール")
    page.get_by_role("button", name="ルールを追加").click()
    settled(page)
    save(setting(page, "条件式"), "admissions + discharges <= 100")
    save(setting(page, "メッセージ"), "入院と退院の合計が100人を超えています。")
    save(setting(page, "メッセージを表示する項目"), "movements")

    # Undo once, redo once.
    page.get_by_role("button", name="元に戻す").click()
    settled(page)
    expect(setting(page, "メッセージを表示する項目")).to_have_value("")
    page.get_by_role("button", name="やり直す").click()
    settled(page)
    expect(setting(page, "メッセージを表示する項目")).to_have_value("movements")

    # The outline shows the whole survey.
    outline = page.get_by_role("navigation", name="調査の構成")
    expect(outline.locator(".outline-section")).to_have_text(["病床", "人工呼吸器", "入退院"])
    for label in ("病床の状況", "人工呼吸器を使用していますか", "人工呼吸器の使用患者数",
                  "入院数", "退院数", "入退院の合計"):
        expect(outline.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(outline.get_by_role("link", name="ルール(1)")).to_be_visible()
    expect(page.locator("#problem-count")).to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "survey-builder-rule.png", full_page=True)


def preview_at_phone_width(page) -> None:
    page.get_by_role("link", name="プレビュー(スマートフォン)").click()
    page.set_viewport_size(PHONE_SIZE)
    expect(page.get_by_role("heading", name="プレビュー: 病棟の確認")).to_be_visible()
    steps = page.get_by_role("navigation", name="セクション")
    steps.get_by_role("button", name="人工呼吸器 2/3").click()
    settled(page)
    patients = page.get_by_label("人工呼吸器の使用患者数")
    expect(patients).to_be_hidden()
    page.get_by_role("group", name="人工呼吸器を使用していますか").get_by_label("はい").check()
    settled(page)
    expect(patients).to_be_visible()
    steps.get_by_role("button", name="入退院 3/3").click()
    settled(page)
    for label, value in (("入院数", "80"), ("退院数", "30")):
        page.get_by_label(label, exact=True).fill(value)
        page.get_by_label(label, exact=True).press("Tab")
        settled(page)
    expect(page.locator("#field-movements")).to_contain_text("110")
    expect(page.locator("#field-movements")).to_contain_text(
        "入院と退院の合計が100人を超えています。")
    page.screenshot(path=ARTIFACTS / "survey-builder-preview.png", full_page=True)
    page.set_viewport_size(DESKTOP["viewport"])
    page.get_by_role("link", name="編集に戻る").click()


def publish_from_today(page) -> None:
    page.get_by_role("button", name="公開の手続きへ").click()
    expect(page.get_by_role("heading", name=re.compile("^病棟の確認 版1"))).to_be_visible()
    expect(page.get_by_text("差分と影響を確認し")).to_be_visible()
    date_input = page.get_by_label("適用開始日")
    date_input.fill(date_input.get_attribute("min"))  # today, in Japan
    page.get_by_role("button", name="公開する(確認へ)").click()
    expect(page.get_by_role("heading", name="病棟の確認 版1を公開します")).to_be_visible()
    page.get_by_role("button", name="公開する", exact=True).click()
    expect(page.get_by_text(re.compile("版1を.*から適用するよう公開しました。"))).to_be_visible()


def test_national_staff_build_and_publish_a_survey_that_a_hospital_answers_on_a_phone(
        browser, live_server):
    context = browser.new_context(base_url=live_server.url, **DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, live_server.builder_login_id, live_server.password)
        build_the_survey(page)
        preview_at_phone_width(page)
        publish_from_today(page)
    finally:
        page.screenshot(path=ARTIFACTS / "survey-builder-last.png", full_page=True)
        context.close()

    phone = browser.new_context(base_url=live_server.url, **PHONE)
    phone.set_default_timeout(10_000)
    page = phone.new_page()
    try:
        sign_in(page, live_server.login_id, live_server.password)
        page.goto("/surveys")
        page.get_by_role("region", name="病棟の確認").get_by_role(
            "link", name=re.compile("回答する")).tap()
        for cell, value in (("一般病床 稼働病床数", "200"), ("一般病床 空床数", "12"),
                            ("ICU 稼働病床数", "10"), ("ICU 空床数", "2")):
            page.get_by_label(cell, exact=True).fill(value)
            page.get_by_label(cell, exact=True).press("Tab")
            settled(page)
        page.get_by_role("button", name="次へ", exact=True).tap()
        page.get_by_role("group", name="人工呼吸器を使用していますか").get_by_label("はい").check()
        settled(page)
        page.get_by_label("人工呼吸器の使用患者数").fill("3")
        page.get_by_label("人工呼吸器の使用患者数").press("Tab")
        settled(page)
        page.get_by_role("button", name="次へ", exact=True).tap()
        for label, value in (("入院数", "8"), ("退院数", "5")):
            page.get_by_label(label, exact=True).fill(value)
            page.get_by_label(label, exact=True).press("Tab")
            settled(page)
        expect(page.locator("#field-movements")).to_contain_text("13")
        page.get_by_role("button", name="提出する", exact=True).tap()
        expect(page.get_by_text("提出しました。")).to_be_visible()
    finally:
        page.screenshot(path=ARTIFACTS / "survey-builder-answered.png", full_page=True)
        phone.close()
