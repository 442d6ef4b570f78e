"""Tables and repeating groups on a phone: each table row a card of labelled controls, each
entry of a repeating group a card, nothing off screen, no drop-down list cut short; on a
desktop the table stays a table."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from gmis.db import utcnow
from gmis.surveys.engine import periods
from tests.browser.conftest import ARTIFACTS, PHONE
from tests.browser.test_survey_form import settled, sign_in

pytestmark = pytest.mark.browser

SUPPLY_ROWS = ("surgical_mask", "n95_mask", "gown", "face_shield", "eye_shield", "gloves")
SUPPLY_COLUMNS = ("stock", "weekly_use", "outlook", "procurement")
DESKTOP = {**PHONE, "viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1,
           "is_mobile": False, "has_touch": False}

#: Every visible control under ``root``, measured as a person sees it: its box, the box and
#: line height of its visible label, and for a drop-down list whether its longest option
#: fits (text width measured in the list's own font, plus room for the arrow).
MEASURE = """(root) => {
  const canvas = document.createElement("canvas").getContext("2d");
  const visible = (el) => el.getClientRects().length > 0
    && getComputedStyle(el).visibility !== "hidden";
  return [...root.querySelectorAll("input:not([type=hidden]), select, textarea")]
    .filter(visible).map((el) => {
      const box = el.getBoundingClientRect();
      const label = [...el.labels].find(visible);
      let labelBox = null, lineHeight = null, fontSize = null;
      if (label) {
        const range = document.createRange();
        range.selectNodeContents(label);
        const text = range.getBoundingClientRect();
        const style = getComputedStyle(label);
        fontSize = parseFloat(style.fontSize);
        lineHeight = style.lineHeight === "normal" ? 1.2 * fontSize : parseFloat(style.lineHeight);
        labelBox = {width: label.getBoundingClientRect().width, height: text.height,
                    text: label.textContent.trim()};
      }
      let cut = [];
      if (el.tagName === "SELECT") {
        const style = getComputedStyle(el);
        canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        const room = el.clientWidth - parseFloat(style.paddingLeft)
          - parseFloat(style.paddingRight) - 20;
        cut = [...el.options].map((o) => o.text).filter((t) => canvas.measureText(t).width > room);
      }
      return {id: el.id, name: el.name, left: box.left, right: box.right, width: box.width,
              inputmode: el.getAttribute("inputmode"), label: labelBox, lineHeight, fontSize, cut};
    });
}"""


def supplies_url() -> str:
    # Two weeks back: still open for answering, and the fixture's answer (this week) and
    # other tests' drafts (usually the current or last week) are elsewhere.
    period = periods.period_for("weekly", periods.today(utcnow()) - timedelta(days=14))
    return f"/surveys/supplies_weekly/{period.key}"


def assert_fits_a_phone(page, root: str) -> list[dict]:
    """Every control under ``root`` inside the 390 px viewport, with a one-line label wider
    than two characters, and no option text cut; the page itself does not scroll sideways."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    controls = page.locator(root).evaluate(MEASURE)
    assert controls
    for control in controls:
        where = control["name"] or control["id"]
        assert control["left"] >= 0 and control["right"] <= width, where
        assert control["label"], f"{where} has no visible label"
        label = control["label"]
        assert label["height"] < 1.5 * control["lineHeight"], f"{label['text']} wraps"
        assert label["width"] > 2 * control["fontSize"], f"{label['text']} is squeezed"
        assert not control["cut"], f"{where} cuts {control['cut']}"
    return controls


def test_the_weekly_supplies_table_is_a_card_per_row_on_a_phone(page, live_server):
    sign_in(page, live_server)
    page.goto(supplies_url())
    expect(page.get_by_role("heading", name="医療用物資の週次調査", level=1)).to_be_visible()

    controls = assert_fits_a_phone(page, "#field-supplies")
    assert [c["name"] for c in controls] == [
        f"f.supplies.{row}.{column}" for row in SUPPLY_ROWS for column in SUPPLY_COLUMNS]
    by_name = {c["name"]: c for c in controls}
    assert by_name["f.supplies.gown.weekly_use"]["label"]["text"] == "1週間の使用量"
    assert by_name["f.supplies.gloves.procurement"]["label"]["text"] == "調達の状況"
    for row in SUPPLY_ROWS:
        for column in ("stock", "weekly_use"):
            assert by_name[f"f.supplies.{row}.{column}"]["inputmode"] == "numeric"

    # The row's label heads its card, above the card's first control; the server still
    # reads the controls by name, and a screen reader hears row and column.
    heading = page.get_by_role("rowheader", name="ガウン(アイソレーションガウン)")
    stock = page.locator("#f-supplies-gown-stock")
    assert heading.bounding_box()["y"] + heading.bounding_box()["height"] <= (
        stock.bounding_box()["y"])
    expect(page.get_by_label("ガウン(アイソレーションガウン) 在庫量")).to_have_attribute(
        "name", "f.supplies.gown.stock")
    page.locator("label[for=f-supplies-gown-outlook]").tap()
    expect(page.locator("#f-supplies-gown-outlook")).to_be_focused()

    # The keyboard goes through a row's controls, then the next row's.
    page.locator("#f-supplies-surgical_mask-stock").focus()
    for name in ("surgical_mask.weekly_use", "surgical_mask.outlook",
                 "surgical_mask.procurement", "n95_mask.stock"):
        page.keyboard.press("Tab")
        expect(page.locator(f"[name='f.supplies.{name}']")).to_be_focused()

    # Checked as it changes: the message names the first empty cells, and those (not the
    # whole table) are marked; the cards still fit.
    page.locator("#f-supplies-n95_mask-outlook").select_option(label="2〜3週間")
    expect(page.locator("#field-supplies .errors")).to_contain_text(
        "表のすべての欄を入力してください")
    settled(page)
    expect(page.locator("#f-supplies-n95_mask-outlook")).to_have_value("2_to_3_weeks")
    expect(page.locator("#f-supplies-surgical_mask-stock")).to_have_attribute(
        "aria-invalid", "true")
    expect(page.locator("#f-supplies-gloves-stock")).not_to_have_attribute(
        "aria-invalid", "true")
    assert_fits_a_phone(page, "#field-supplies")
    page.locator("#field-supplies").screenshot(path=ARTIFACTS / "table-cards-phone.png")


def test_a_repeating_group_is_a_card_per_entry_on_a_phone(page, live_server):
    sign_in(page, live_server)
    page.goto("/surveys")
    page.get_by_role("region", name="転院搬送の状況").get_by_role(
        "link", name=re.compile("回答する")).tap()
    expect(page.get_by_role("heading", name="転院搬送の状況", level=1)).to_be_visible()
    page.wait_for_load_state()

    entries = page.locator("#field-transfers .repeating-entry")
    expect(entries).to_have_count(2)
    controls = assert_fits_a_phone(page, "#field-transfers")
    names = [c["name"] for c in controls]
    assert set(names) >= {f"f.transfers.{n}.{item}" for n in (0, 1)
                          for item in ("destination", "age", "severity", "oxygen")}, names
    assert {c["inputmode"] for c in controls if c["name"].endswith(".age")} == {"numeric"}

    # Each entry's controls are inside its own card.
    for n in (0, 1):
        card = entries.nth(n).bounding_box()
        for item in ("destination", "age", "severity"):
            box = page.locator(f"#f-transfers-{n}-{item}").bounding_box()
            assert card["x"] <= box["x"] and box["x"] + box["width"] <= card["x"] + card["width"]
            assert card["y"] <= box["y"] <= card["y"] + card["height"]

    # A half-filled entry comes back from the check with its message, still a card that
    # fits, showing the chosen option whole.
    page.locator("#f-transfers-0-severity").select_option(label="重症(集中治療を要する)")
    expect(page.locator("#field-transfers .errors")).to_contain_text(
        "1件目の「搬送先の医療機関名」を入力してください。")
    settled(page)
    expect(page.locator("#f-transfers-0-severity")).to_have_value("severe")
    assert_fits_a_phone(page, "#field-transfers")
    page.locator("#field-transfers").screenshot(path=ARTIFACTS / "repeating-cards-phone.png")


def test_on_a_desktop_the_table_stays_a_table(browser, live_server):
    context = browser.new_context(base_url=live_server.url, **DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, live_server)
        page.goto(supplies_url())
        table = page.locator("#field-supplies table")
        assert table.evaluate("t => getComputedStyle(t).display") == "table"
        expect(page.get_by_role("columnheader", name="在庫の見通し")).to_be_visible()
        # The header row names the columns; the labels a card would show are not repeated.
        expect(page.locator("#field-supplies .cell-label").first).to_be_hidden()

        # A row's four controls side by side, left to right, none of its lists cut.
        boxes = [page.locator(f"#f-supplies-n95_mask-{column}").bounding_box()
                 for column in SUPPLY_COLUMNS]
        assert max(b["y"] for b in boxes) - min(b["y"] for b in boxes) < 8
        assert [b["x"] for b in boxes] == sorted(b["x"] for b in boxes)
        controls = table.evaluate(MEASURE)
        assert not [c["name"] for c in controls if c["cut"]]
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        page.screenshot(path=ARTIFACTS / "table-desktop.png", full_page=True)

        # A repeating group's entry lays its items out in a line.
        page.goto("/surveys")
        page.get_by_role("region", name="転院搬送の状況").get_by_role(
            "link", name=re.compile("回答する")).click()
        boxes = [page.locator(f"#f-transfers-0-{item}").bounding_box()
                 for item in ("destination", "age", "severity")]
        assert max(b["y"] for b in boxes) - min(b["y"] for b in boxes) < 8
        page.screenshot(path=ARTIFACTS / "repeating-desktop.png", full_page=True)
    finally:
        context.close()
