"""Signing in on a phone: the login form, a wrong password, the menu."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def fill_login_form(page, login_id: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("ユーザID").fill(login_id)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン", exact=True).click()


def test_sign_in_lands_on_home(page, live_server):
    fill_login_form(page, live_server.login_id, live_server.password)

    expect(page).to_have_url(re.compile(r"/home$"))
    expect(page.get_by_role("heading", name="ホーム", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=live_server.facility_name)).to_be_visible()


def test_wrong_password_is_refused_in_japanese_and_keeps_the_user_id(page, live_server):
    fill_login_form(page, live_server.login_id, "Wrong-Password1")

    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_text("ユーザIDまたはパスワードが正しくありません。")).to_be_visible()
    expect(page.get_by_label("ユーザID")).to_have_value(live_server.login_id)
    expect(page.get_by_label("パスワード")).to_have_value("")


def test_menu_opens_on_a_phone_and_offers_sign_out(page, live_server):
    fill_login_form(page, live_server.login_id, live_server.password)
    expect(page).to_have_url(re.compile(r"/home$"))
    sign_out = page.get_by_role("button", name="ログアウト")
    expect(sign_out).to_be_hidden()

    page.locator("details.menu > summary").tap()

    expect(page.locator("details.menu")).to_have_attribute("open", "")
    expect(sign_out).to_be_visible()
    sign_out.tap()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_text("ログアウトしました。")).to_be_visible()
