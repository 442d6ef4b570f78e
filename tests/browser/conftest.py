"""Playwright (sync API) driving Debian's Chromium against the live server, on a phone-sized
screen. A screenshot of every test is kept in ``test-artifacts/``."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
#: An ordinary smartphone: most facilities answer from one.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "ja-JP",
    "timezone_id": "Asia/Tokyo",
}


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        reason = f"Chromium is not installed at {CHROMIUM} (Debian package: chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason + "; browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(request, browser, live_server) -> Iterator:
    context = browser.new_context(base_url=live_server.url, **PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        call = getattr(request.node, "report_call", None)
        suffix = "-failed" if call is None or call.failed else ""
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            page.screenshot(path=ARTIFACTS / f"{name}{suffix}.png", full_page=True)
        finally:
            context.close()
