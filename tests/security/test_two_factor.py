"""Two-factor sign-in (TOTP, RFC 6238): enrolment, the code after the password, replay and
clock drift, recovery codes, lock-out, required roles, the secretariat's reset."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from gmis import create_app
from gmis.accounts import two_factor
from gmis.db import session, utcnow
from gmis.models import AuditEvent, RecoveryCode, Role, User, UserSession
from tests.fixtures.factories import PASSWORD
from tests.fixtures.web import page_text, post_form, sign_in

#: The middle of a 30-second step: the codes of the steps around it are unambiguous.
NOW = (int(time.time()) // 30) * 30 + 15


@pytest.fixture(autouse=True)
def fixed_time(monkeypatch):
    """The server's idea of real time, held still so that "one step early" means exactly
    that however long the test takes."""
    monkeypatch.setattr(two_factor, "real_time", lambda: NOW)


def code_at(secret: str, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(NOW + 30 * steps)


def current_step() -> int:
    return NOW // 30


@pytest.fixture
def enrolled(make_user):
    """``enrolled(role=...)``: a user with two-factor sign-in on; returns (user, secret,
    recovery codes). The step used to confirm is a while ago."""

    def make(**fields):
        user = make_user(**fields)
        secret = two_factor.new_secret()
        codes = two_factor.enrol(user, secret, current_step() - 10)
        session.commit()
        return user, secret, codes

    return make


def password_step(client, user, password: str = PASSWORD):
    return post_form(client, "/login", {"login_id": user.login_id, "password": password})


def code_step(client, **data):
    return post_form(client, "/login/two-factor", data)


def sessions_of(user) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(UserSession)
                          .where(UserSession.user_id == user.id))


def actions(user=None) -> list[str]:
    query = sa.select(AuditEvent.action).order_by(AuditEvent.id)
    if user is not None:
        query = query.where(sa.or_(AuditEvent.user_id == user.id,
                                   AuditEvent.object_id == str(user.id)))
    return list(session.scalars(query))


def manual_key(html: str) -> str:
    return re.search(r'<code id="manual-key">([A-Z2-7 ]+)</code>', html).group(1)


# --- enrolment ---------------------------------------------------------------------------

def test_enrolment_shows_a_qr_code_and_the_key_then_ten_recovery_codes_once(
        client, make_user):
    user = make_user()
    sign_in(client, user)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert '<svg' in page and 'class="qr-code"' in page  # drawn inline, no image service
    key = manual_key(page)
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{4}", key), "grouped in fours"
    assert 'inputmode="numeric"' in page and 'autocomplete="one-time-code"' in page
    # A reload shows the same key: the QR code already scanned keeps matching.
    assert manual_key(client.get("/account/two-factor").get_data(as_text=True)) == key

    response = post_form(client, "/account/two-factor",
                         {"code": code_at(key.replace(" ", "")), "password": PASSWORD})

    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", response.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert user.two_factor_enabled_at is not None
    assert user.two_factor_secret == key.replace(" ", "")
    stored = set(session.scalars(sa.select(RecoveryCode.code_hash)
                                 .where(RecoveryCode.user_id == user.id)))
    assert len(stored) == 10 and not stored & set(codes), "only hashes are kept"
    assert "two_factor.enrolled" in actions(user)
    # Shown once: the page now shows the state, not the codes.
    again = client.get("/account/two-factor").get_data(as_text=True)
    assert "有効" in again and not any(code in again for code in codes)


def test_a_wrong_code_at_enrolment_is_refused_and_kept(client, make_user):
    user = make_user()
    sign_in(client, user)
    client.get("/account/two-factor")

    wrong = post_form(client, "/account/two-factor", {"code": "000000", "password": PASSWORD})
    letters = post_form(client, "/account/two-factor", {"code": "12ab", "password": PASSWORD})

    assert wrong.status_code == 422
    assert "確認コードが正しくありません。" in wrong.get_data(as_text=True)
    assert 'value="000000"' in wrong.get_data(as_text=True)
    assert letters.status_code == 422
    assert "6桁の数字" in letters.get_data(as_text=True)
    assert user.two_factor_enabled_at is None


# --- signing in -----------------------------------------------------------------------------

def test_the_password_alone_starts_no_session_and_the_right_code_does(client, enrolled):
    user, secret, _ = enrolled()

    response = password_step(client, user)

    assert response.status_code == 302
    assert response.headers["Location"] == "/login/two-factor"
    assert sessions_of(user) == 0
    assert client.get("/home").status_code == 302, "not signed in yet"
    page = client.get("/login/two-factor").get_data(as_text=True)
    assert 'inputmode="numeric"' in page and 'autocomplete="one-time-code"' in page

    response = code_step(client, code=code_at(secret))

    assert response.status_code == 302 and response.headers["Location"] == "/home"
    assert sessions_of(user) == 1
    assert client.get("/home").status_code == 200
    assert {"two_factor.sign_in", "user.sign_in"} <= set(actions(user))


def test_the_page_asked_for_before_sign_in_is_reached_after_the_code(client, enrolled):
    user, secret, _ = enrolled()
    post_form(client, "/login?next=/account/password",
              {"login_id": user.login_id, "password": PASSWORD}, page="/login")
    assert code_step(client, code=code_at(secret)).headers["Location"] == "/account/password"


def test_a_wrong_code_is_refused_counted_and_audited(client, enrolled):
    user, secret, _ = enrolled()
    password_step(client, user)

    response = code_step(client, code="123456" if code_at(secret) != "123456" else "654321")

    assert response.status_code == 401
    assert "確認コードが正しくありません。" in response.get_data(as_text=True)
    assert sessions_of(user) == 0
    # The password's attempt counts until the sign-in completes, and the code's is added.
    assert user.failed_logins == 2
    assert "two_factor.failed" in actions(user)


def test_a_malformed_code_gets_its_own_message(client, enrolled):
    user, _, _ = enrolled()
    password_step(client, user)
    empty = code_step(client, code="")
    short = code_step(client, code="12345")
    assert (empty.status_code, short.status_code) == (422, 422)
    assert "確認コードを入力してください。" in empty.get_data(as_text=True)
    assert "6桁の数字" in short.get_data(as_text=True)
    assert 'value="12345"' in short.get_data(as_text=True)


def test_full_width_digits_and_spaces_are_accepted(client, enrolled):
    user, secret, _ = enrolled()
    password_step(client, user)
    code = code_at(secret)
    typed = code[:3].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + " " + code[3:]
    assert code_step(client, code=typed).status_code == 302


def test_a_code_already_used_is_refused_the_second_time(app, client, enrolled):
    user, secret, _ = enrolled()
    password_step(client, user)
    assert code_step(client, code=code_at(secret)).status_code == 302

    other = app.test_client()
    password_step(other, user)
    response = code_step(other, code=code_at(secret))

    assert response.status_code == 401
    assert sessions_of(user) == 1


@pytest.mark.parametrize("steps", [-1, 1])
def test_a_code_one_step_early_or_late_is_accepted(client, enrolled, steps):
    user, secret, _ = enrolled()
    password_step(client, user)
    assert code_step(client, code=code_at(secret, steps)).status_code == 302


@pytest.mark.parametrize("steps", [-2, 2])
def test_a_code_two_steps_away_is_refused(client, enrolled, steps):
    user, secret, _ = enrolled()
    password_step(client, user)
    assert code_step(client, code=code_at(secret, steps)).status_code == 401


def test_the_code_page_expires(app, client, enrolled, monkeypatch):
    user, secret, _ = enrolled()
    monkeypatch.setitem(app.config, "TWO_FACTOR_PENDING_MINUTES", -1)  # already past
    password_step(client, user)

    # The code sent from a page opened in time (the token from any page of this browser).
    response = post_form(client, "/login/two-factor", {"code": code_at(secret)}, page="/login")

    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "もう一度パスワードを入力してください。" in page
    assert f'value="{user.login_id}"' in page
    assert sessions_of(user) == 0


def test_without_a_password_first_the_code_page_sends_to_sign_in(client):
    assert client.get("/login/two-factor").headers["Location"] == "/login"


# --- recovery codes -----------------------------------------------------------------------

def test_a_recovery_code_signs_in_once(app, client, enrolled):
    user, _, codes = enrolled()
    password_step(client, user)

    response = code_step(client, recovery_code=codes[0].upper())

    assert response.status_code == 302
    assert "残り9個" in page_text(client.get("/home").get_data(as_text=True))
    assert "two_factor.recovery_code_used" in actions(user)

    other = app.test_client()
    password_step(other, user)
    again = code_step(other, recovery_code=codes[0])
    assert again.status_code == 401
    assert "すでに使われています" in again.get_data(as_text=True)
    assert code_step(other, recovery_code=codes[1]).status_code == 302


# --- lock-out -----------------------------------------------------------------------------

def test_wrong_codes_lock_the_account_like_wrong_passwords(app, client, enrolled):
    user, secret, _ = enrolled()
    for _ in range(2):
        assert password_step(client, user, "Wrong-Password1").status_code == 401
    password_step(client, user)
    wrong = "000000" if code_at(secret) != "000000" else "111111"
    # Two wrong passwords, the right one and two wrong codes: the fifth attempt locks.
    answers = [code_step(client, code=wrong).status_code for _ in range(2)]

    assert answers == [401, 429]
    assert user.locked_until is not None
    assert "user.locked" in actions(user)
    # Locked: even the right password is refused, with the answer a wrong one gets.
    fresh = app.test_client()
    assert password_step(fresh, user).status_code == 401
    assert sessions_of(user) == 0


# --- turning it off ---------------------------------------------------------------------------

def test_turning_it_off_needs_the_password_and_a_code(client, enrolled):
    user, secret, _ = enrolled()
    password_step(client, user)
    code_step(client, code=code_at(secret))

    wrong = post_form(client, "/account/two-factor/disable",
                      {"password": "Wrong-Password1", "code": code_at(secret, 1)},
                      page="/account/two-factor")
    assert wrong.status_code == 422 and user.two_factor_enabled_at is not None
    assert "現在のパスワードまたは確認コードが正しくありません。" in wrong.get_data(as_text=True)

    right = post_form(client, "/account/two-factor/disable",
                      {"password": PASSWORD, "code": code_at(secret, 1)},
                      page="/account/two-factor")
    assert right.status_code == 302
    assert user.two_factor_enabled_at is None and user.two_factor_secret is None
    assert "two_factor.disabled" in actions(user)
    assert session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)
                          .where(RecoveryCode.user_id == user.id)) == 0


# --- required roles -----------------------------------------------------------------------

@pytest.fixture
def production(app, monkeypatch):
    monkeypatch.setitem(app.config, "ENVIRONMENT", "production")
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED_ROLES", None)


@pytest.mark.parametrize("role", sorted(two_factor.PRODUCTION_REQUIRED_ROLES))
def test_in_production_staff_must_enrol_before_anything_else(client, make_user, production,
                                                            role):
    user = make_user(role=role)
    sign_in(client, user)

    for url in ("/home", "/beds", "/account/password"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"] == "/account/two-factor", url
    fragment = client.get("/beds", headers={"HX-Request": "true"})
    assert fragment.headers["HX-Redirect"] == "/account/two-factor"
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "二要素認証が必須です" in page

    post_form(client, "/account/two-factor",
              {"code": code_at(manual_key(page).replace(" ", "")), "password": PASSWORD})
    assert client.get("/account/password").status_code == 200


def test_in_production_facilities_may_sign_in_without_it(client, make_user, production):
    sign_in(client, make_user(role=Role.facility))
    assert client.get("/home").status_code == 200


def test_signing_out_stays_possible_before_enrolment(client, make_user, production):
    sign_in(client, make_user(role=Role.prefecture))
    response = post_form(client, "/logout", {}, page="/account/two-factor")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_the_required_roles_are_configurable(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED_ROLES", "facility, aggregator")
    sign_in(client, make_user(role=Role.facility))
    assert client.get("/home").headers["Location"] == "/account/two-factor"
    prefecture = app.test_client()
    sign_in(prefecture, make_user(role=Role.prefecture))
    assert prefecture.get("/home").status_code == 200


def test_a_setting_naming_no_role_stops_the_start_up():
    with pytest.raises(two_factor.TwoFactorSettingError, match="nurse"):
        create_app({"TESTING": True, "TWO_FACTOR_REQUIRED_ROLES": "prefecture,nurse"})


def test_in_development_staff_see_that_it_is_not_required(client, make_user):
    user = make_user(role=Role.prefecture)
    sign_in(client, user)
    page = page_text(client.get("/home").get_data(as_text=True))
    assert two_factor.DEVELOPMENT_NOTICE in page


def test_in_development_facilities_see_no_such_banner(client, make_user):
    sign_in(client, make_user(role=Role.facility))
    page = page_text(client.get("/home").get_data(as_text=True))
    assert two_factor.DEVELOPMENT_NOTICE not in page


# --- the secretariat's reset ----------------------------------------------------------------

def test_the_secretariat_resets_a_users_two_factor_and_it_is_audited(app, client, enrolled,
                                                                     make_user, monkeypatch):
    user, secret, _ = enrolled(role=Role.prefecture)
    users_browser = app.test_client()
    password_step(users_browser, user)
    code_step(users_browser, code=code_at(secret))
    admin = make_user(role=Role.secretariat)
    sign_in(client, admin)

    detail = client.get(f"/users/{user.id}").get_data(as_text=True)
    assert "二要素認証をリセットする" in detail
    confirm = client.get(f"/users/{user.id}/two-factor/reset")
    assert confirm.status_code == 200 and "リセットする" in confirm.get_data(as_text=True)
    assert user.two_factor_enabled_at is not None, "asking first changes nothing"

    response = post_form(client, f"/users/{user.id}/two-factor/reset", {})

    assert response.status_code == 302
    assert user.two_factor_enabled_at is None and user.two_factor_secret is None
    event = session.scalars(sa.select(AuditEvent)
                            .where(AuditEvent.action == "two_factor.reset")).one()
    assert (event.user_id, event.object_id) == (admin.id, str(user.id))
    assert users_browser.get("/home").status_code == 302, "the user's sessions ended"
    # Next sign-in: no code asked; in production, enrolment first.
    monkeypatch.setitem(app.config, "ENVIRONMENT", "production")
    assert password_step(users_browser, user).headers["Location"] == "/home"
    assert users_browser.get("/home").headers["Location"] == "/account/two-factor"


def test_a_prefecture_cannot_reset_two_factor(client, enrolled, make_user):
    user, _, _ = enrolled()
    sign_in(client, make_user(role=Role.prefecture))
    assert "二要素認証をリセットする" not in client.get(f"/users/{user.id}").get_data(as_text=True)
    response = post_form(client, f"/users/{user.id}/two-factor/reset", {}, page="/home")
    assert response.status_code == 403
    assert session.get(User, user.id).two_factor_enabled_at is not None


# --- a borrowed session (found in review) ------------------------------------------------

def test_turning_it_off_counts_each_try_and_refuses_a_locked_account(client, enrolled):
    user, secret, recovery = enrolled()
    password_step(client, user)
    code_step(client, code=code_at(secret))
    limit = 5

    answers = [post_form(client, "/account/two-factor/disable",
                         {"password": "Wrong-Password1", "code": "000000"},
                         page="/account/two-factor").status_code for _ in range(limit)]

    # The fifth wrong try locks the account and signs this browser out.
    assert answers[:-1] == [422] * (limit - 1) and answers[-1] == 302
    assert sessions_of(user) == 0
    assert user.two_factor_enabled_at is not None


def test_a_locked_account_cannot_turn_it_off_even_with_the_right_password_and_code(
        app, client, enrolled):
    user, secret, recovery = enrolled()
    password_step(client, user)
    code_step(client, code=code_at(secret))
    # Locked from the sign-in page meanwhile (somebody guessing elsewhere).
    user.locked_until = utcnow() + timedelta(minutes=15)
    session.commit()

    refused = post_form(client, "/account/two-factor/disable",
                        {"password": PASSWORD, "code": recovery[0]},
                        page="/account/two-factor")

    assert refused.status_code == 429
    assert user.two_factor_enabled_at is not None
    assert sessions_of(user) == 1  # locked by somebody else: the owner stays signed in


def test_enrolment_asks_for_the_password(client, make_user):
    user = make_user()
    sign_in(client, user)
    key = manual_key(client.get("/account/two-factor").get_data(as_text=True)).replace(" ", "")

    without = post_form(client, "/account/two-factor", {"code": code_at(key)})
    wrong = post_form(client, "/account/two-factor",
                      {"code": code_at(key), "password": "Wrong-Password1"})

    assert without.status_code == 422 and wrong.status_code == 422
    assert "現在のパスワードが正しくありません。" in wrong.get_data(as_text=True)
    assert user.two_factor_enabled_at is None


def test_the_secret_being_enrolled_is_not_in_the_cookie_nor_kept_for_a_new_session(
        app, client, make_user):
    user = make_user()
    sign_in(client, user)
    key = manual_key(client.get("/account/two-factor").get_data(as_text=True)).replace(" ", "")

    signed = app.session_interface.get_signing_serializer(app)
    assert key not in str(signed.loads(client.get_cookie("session").value))
    # Whoever saw the page in this session cannot wait for the owner to enrol that key.
    sign_in(app.test_client(), user)
    assert user.two_factor_secret is None


def test_a_pending_sign_in_cannot_be_replayed_once_the_sign_in_is_done(app, client, enrolled):
    user, secret, _ = enrolled()
    password_step(client, user)
    kept = client.get_cookie("session").value
    code_step(client, code=code_at(secret))
    post_form(client, "/logout", {}, page="/home")

    replay = app.test_client()
    replay.set_cookie("session", kept)
    response = replay.get("/login/two-factor")

    # Back to the password: the code step no longer stands for the password typed earlier.
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert sessions_of(user) == 0
