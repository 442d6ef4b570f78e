"""No Content-Security-Policy violation while a hospital fills and submits its daily survey
on a phone: the policy allows no inline style, and nothing of ours may need one."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from gmis.db import utcnow
from gmis.surveys.engine import periods
from tests.browser.test_survey_form import settled, sign_in
from tests.fixtures.surveys import HOSPITAL_DAY

pytestmark = pytest.mark.browser

#: Every violation the page sees, with what caused it.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => window.cspViolations.push({
  directive: event.violatedDirective, source: event.sourceFile, column: event.columnNumber,
  element: event.target && event.target.outerHTML ? event.target.outerHTML.slice(0, 120) : "",
}));
"""

#: What autofill, password managers, extensions and screenshot tools do to inputs: set a
#: style through the DOM and take it back, leaving an empty ``style=""``. htmx used to copy
#: that attribute onto the fields it swapped in, which the policy refuses.
TOUCH_INPUT_STYLES = """
for (const input of document.querySelectorAll("input, select, textarea")) {
  input.style.caretColor = "transparent";
  input.style.caretColor = "";
}
"""


def violations(page) -> list[dict]:
    return page.evaluate("window.cspViolations")


def fill_visible_fields(page) -> None:
    for key, value in HOSPITAL_DAY.items():
        choice = page.locator(f'input[name="f.{key}"][value="{value}"]')
        if choice.count():
            if choice.is_visible():
                choice.check()
                settled(page)
            continue
        field = page.locator(f"#f-{key}")
        if field.count() and field.is_visible() and field.is_editable():
            field.fill(value)
            field.press("Tab")
            settled(page)


def test_filling_and_submitting_the_daily_survey_breaks_no_policy(page, live_server):
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, live_server)
    # A day no other test answers: this one submits it.
    day = periods.today(utcnow()) - timedelta(days=3)
    page.goto(f"/surveys/hospital_daily/{day.isoformat()}")
    expect(page.get_by_role("heading", name="病院日次調査", level=1)).to_be_visible()

    for _ in range(10):  # the survey has seven sections
        page.evaluate(TOUCH_INPUT_STYLES)
        fill_visible_fields(page)
        assert violations(page) == []
        following = page.get_by_role("button", name="次へ")
        if not following.count():
            break
        following.tap()
        settled(page)
    page.evaluate(TOUCH_INPUT_STYLES)
    page.get_by_role("button", name="提出する", exact=True).tap()
    settled(page)
    assert violations(page) == []
    expect(page).to_have_url(re.compile(r"/responses/\d+$"))
    expect(page.get_by_text("提出しました。")).to_be_visible()
    assert [text for text in console if "Content Security Policy" in text] == []
