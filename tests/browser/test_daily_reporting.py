"""A hospital reports on a phone, a past day first and then today pre-filled from it, while
the prefecture watches today's answer status move from 未回答 to 回答済み."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from gmis.db import utcnow
from gmis.surveys.engine import periods
from tests.browser.conftest import ARTIFACTS, PHONE
from tests.browser.test_survey_form import settled, sign_in

pytestmark = pytest.mark.browser

#: Counts typed every day (label → value); the rest is carried over from the day before.
COUNTS = {
    "入院中": "6", "うち重症者": "1", "前日の入院": "2", "前日の退院": "1",
    "検査実施人数": "25", "うちPCR検査実施人数": "15", "うち抗原定量検査実施人数": "4",
    "うち抗原定性検査(簡易キット)実施人数": "6",
    "空床数": "18", "新型コロナウイルス感染患者受入可能数": "4", "うちICU等の空床数": "2",
    "うち使用中の人工呼吸器": "1",
}
#: What a hospital answers once and then keeps (label → value).
STABLE = {"稼働病床数": "320", "ICU等の病床数": "12", "人工呼吸器の保有台数": "8",
          "ECMOの保有台数": "0"}
CHOICES = {"診療・検査医療機関(検体採取等を行う地域外来・検査センターを含む)": "指定を受けている",
           "PCR検査実施の可否": "可能", "外来": "通常どおり", "入院": "通常どおり",
           "救急(救急車の受入れ)": "通常どおり", "手術": "通常どおり",
           "職員の不足により診療に支障がありますか": "いいえ"}


def labelled(page, label: str):
    """The input of a field by its label; the unit that follows it, e.g. (人), aside."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}(\(|$)"))


def fill_visible(page, values: dict[str, str]) -> None:
    for label, value in values.items():
        control = labelled(page, label)
        if control.count() and control.is_visible():
            control.fill(value)
            control.press("Tab")
            settled(page)


def choose_visible(page, choices: dict[str, str]) -> None:
    for group, label in choices.items():
        radios = page.get_by_role("group", name=group, exact=True)
        if radios.count() and radios.is_visible():
            radios.get_by_label(label, exact=True).check()
            settled(page)


def fill_every_section(page, values: dict[str, str], choices: dict[str, str]) -> None:
    """Section by section, as a person does: fill what is shown, then 次へ."""
    for _ in range(10):
        choose_visible(page, choices)
        fill_visible(page, values)
        following = page.get_by_role("button", name="次へ", exact=True)
        if not following.count():
            return
        following.tap()
        settled(page)


def answer_status(page) -> str:
    page.goto("/reports/hospital_daily/status")
    return page.locator(".big-number").inner_text()


def test_a_hospital_answers_a_past_day_then_today_and_the_prefecture_sees_it(
        page, browser, live_server):
    watcher = browser.new_context(base_url=live_server.url, **PHONE).new_page()
    watcher.goto("/login")
    watcher.get_by_label("ユーザID").fill(live_server.prefecture_login_id)
    watcher.get_by_label("パスワード").fill(live_server.password)
    watcher.get_by_role("button", name="ログイン", exact=True).click()
    expect(watcher).to_have_url(re.compile(r"/home$"))
    assert re.search(r"回答済み\s*0\s*/\s*1件", answer_status(watcher))
    expect(watcher.get_by_text(live_server.facility_name)).to_be_visible()

    # Yesterday, after a maintenance window: answered late, from the list of open days.
    sign_in(page, live_server)
    yesterday = periods.today(utcnow()) - timedelta(days=1)
    page.goto("/surveys")
    survey = page.get_by_role("region", name="病院日次調査")
    survey.get_by_role("link", name=re.compile(
        rf"{yesterday.month}月{yesterday.day}日.*回答する")).tap()
    expect(page.locator(".survey-facts")).to_contain_text(f"{yesterday.month}月{yesterday.day}日")
    fill_every_section(page, {**STABLE, **COUNTS}, CHOICES)
    page.get_by_role("button", name="提出する", exact=True).tap()
    expect(page.get_by_text("提出しました。")).to_be_visible()
    assert re.search(r"回答済み\s*0\s*/\s*1件", answer_status(watcher))  # still not today

    # Today, one tap from home: what stays the same comes from yesterday.
    page.goto("/home")
    page.get_by_role("region", name="今回の回答").get_by_role(
        "link", name=re.compile("病院日次調査.*回答する")).tap()
    expect(page.get_by_role("group", name="PCR検査実施の可否", exact=True)
           .get_by_label("可能", exact=True)).to_be_checked()
    fill_every_section(page, {**COUNTS, "空床数": "17"}, {})
    page.get_by_role("button", name=re.compile("^空床状況")).tap()
    expect(labelled(page, "稼働病床数")).to_have_value("320")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "hospital-daily-last-section.png", full_page=True)
    page.get_by_role("button", name="提出する", exact=True).tap()
    expect(page.get_by_text("提出しました。")).to_be_visible()

    assert re.search(r"回答済み\s*1\s*/\s*1件", answer_status(watcher))
    expect(watcher.get_by_text("すべての医療機関が回答済みです。")).to_be_visible()
    watcher.screenshot(path=ARTIFACTS / "prefecture-answer-status.png", full_page=True)
    watcher.context.close()
