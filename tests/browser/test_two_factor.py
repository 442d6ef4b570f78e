"""Two-factor sign-in on a phone: enrol by typing the key shown on the page into an
authenticator (pyotp here), sign out, sign in with the password and a code."""

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.test_sign_in import fill_login_form

pytestmark = pytest.mark.browser

LOGIN_ID = "live-national"


def test_enrol_then_sign_in_with_a_code(page, live_server):
    fill_login_form(page, LOGIN_ID, live_server.password)
    expect(page).to_have_url(re.compile(r"/home$"))
    expect(page.get_by_role("note")).to_contain_text("本番環境では必須です。")

    page.get_by_role("link", name="二要素認証を設定する").tap()
    expect(page.get_by_role("heading", name="二要素認証の設定")).to_be_visible()
    expect(page.locator("svg.qr-code")).to_be_visible()
    totp = pyotp.TOTP(page.locator("#manual-key").inner_text().replace(" ", ""))
    code_input = page.get_by_label("確認コード(6桁)")
    expect(code_input).to_have_attribute("inputmode", "numeric")
    expect(code_input).to_have_attribute("autocomplete", "one-time-code")
    page.get_by_label("現在のパスワード").fill(live_server.password)
    code_input.fill(totp.now())
    page.get_by_role("button", name="確認して設定する").tap()

    expect(page.get_by_role("heading", name="二要素認証を設定しました")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="保管しました。続ける").tap()
    expect(page).to_have_url(re.compile(r"/home$"))
    expect(page.get_by_role("note")).to_have_count(0)

    page.locator("details.menu > summary").tap()
    page.get_by_role("button", name="ログアウト").tap()
    expect(page).to_have_url(re.compile(r"/login$"))

    fill_login_form(page, LOGIN_ID, live_server.password)
    expect(page).to_have_url(re.compile(r"/login/two-factor$"))
    expect(page.get_by_role("heading", name="確認コードの入力")).to_be_visible()
    # The next step's code: accepted thanks to the one-step drift tolerance, and never the
    # code just used to enrol (which a replay check rightly refuses).
    page.get_by_label("確認コード(6桁)").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="ログイン", exact=True).tap()

    expect(page).to_have_url(re.compile(r"/home$"))
    expect(page.get_by_role("heading", name="ホーム", exact=True)).to_be_visible()
