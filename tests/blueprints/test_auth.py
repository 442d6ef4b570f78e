"""Sign-in, sessions, lock-out, password reset and change, through HTTP."""

import re
from datetime import timedelta

import sqlalchemy as sa

from gmis.db import session, utcnow
from gmis.models import AccountToken, AuditEvent, User, UserSession
from tests.fixtures.factories import PASSWORD
from tests.fixtures.web import csrf_token, post_form, sign_in

NEW_PASSWORD = "Shinjuku-Gyoen42"


def test_sign_in_lands_on_home(client, make_user):
    user = make_user()
    response = sign_in(client, user)
    assert response.headers["Location"] == "/home"
    home = client.get("/home")
    assert home.status_code == 200
    assert user.facility.name in home.get_data(as_text=True)


def test_wrong_password_is_401_in_japanese_and_keeps_the_login_id(client, make_user):
    user = make_user()
    response = post_form(client, "/login", {"login_id": user.login_id, "password": "Wrong-pass1"})
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "ユーザIDまたはパスワードが正しくありません。" in page
    assert f'value="{user.login_id}"' in page


def test_unknown_login_id_gets_the_same_answer(client):
    response = post_form(client, "/login", {"login_id": "nobody", "password": "Wrong-pass1"})
    assert response.status_code == 401
    assert "ユーザIDまたはパスワードが正しくありません。" in response.get_data(as_text=True)


def test_empty_fields_are_422_with_messages(client):
    response = post_form(client, "/login", {"login_id": "", "password": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "ユーザIDを入力してください。" in page
    assert "パスワードを入力してください。" in page


def test_login_without_csrf_token_is_refused(client, make_user):
    user = make_user()
    response = client.post("/login", data={"login_id": user.login_id, "password": PASSWORD})
    assert response.status_code == 400
    assert "画面の有効期限が切れました" in response.get_data(as_text=True)


def test_pages_need_sign_in(client):
    response = client.get("/home")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_next_parameter_only_leads_within_the_site(client, make_user):
    user = make_user()
    token = csrf_token(client, "/login")
    data = {"login_id": user.login_id, "password": PASSWORD, "csrf_token": token}
    response = client.post("/login?next=//evil.example/x", data=data)
    assert response.headers["Location"] == "/home"


def test_repeated_failures_lock_the_account_for_a_while(app, client, make_user):
    user = make_user()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        post_form(client, "/login", {"login_id": user.login_id, "password": "Wrong-pass1"})
    # Even the right password is refused while locked, with the answer of a wrong one.
    response = post_form(client, "/login", {"login_id": user.login_id, "password": PASSWORD})
    assert response.status_code == 401
    assert "しばらくの間ログインできなくなります" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, user.id).locked_until > utcnow()
    # When the lock has run out, the right password works again.
    session.get(User, user.id).locked_until = utcnow() - timedelta(seconds=1)
    session.commit()
    assert sign_in(client, user).status_code == 302


def test_session_is_renewed_at_sign_in(app, make_user):
    user = make_user()
    first, second = app.test_client(), app.test_client()
    sign_in(first, user)
    sign_in(second, user)
    hashes = session.scalars(sa.select(UserSession.token_hash).where(
        UserSession.user_id == user.id)).all()
    assert len(set(hashes)) == 2


def test_logout_ends_every_session_of_the_user(app, make_user):
    user = make_user()
    phone, desktop = app.test_client(), app.test_client()
    sign_in(phone, user)
    sign_in(desktop, user)
    response = post_form(desktop, "/logout", {}, page="/home")
    assert response.status_code == 302
    assert phone.get("/home").status_code == 302  # the phone is signed out too


def test_a_copied_cookie_stops_working_after_logout(app, make_user):
    user = make_user()
    browser = app.test_client()
    sign_in(browser, user)
    stolen = browser.get_cookie("session").value
    post_form(browser, "/logout", {}, page="/home")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/home").status_code == 302


def test_expired_session_is_not_accepted(client, make_user):
    user = make_user()
    sign_in(client, user)
    session.execute(sa.update(UserSession).values(expires_at=utcnow() - timedelta(minutes=1)))
    session.commit()
    assert client.get("/home").status_code == 302


def test_password_change_ends_other_sessions_and_keeps_this_one(app, make_user):
    user = make_user()
    phone, desktop = app.test_client(), app.test_client()
    sign_in(phone, user)
    sign_in(desktop, user)
    response = post_form(desktop, "/account/password", {
        "current_password": PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD,
    })
    assert response.status_code == 302
    assert desktop.get("/home").status_code == 200
    assert phone.get("/home").status_code == 302
    assert sign_in(app.test_client(), user, NEW_PASSWORD).status_code == 302


def test_password_change_checks_current_password_and_rule(client, make_user):
    user = make_user()
    sign_in(client, user)
    response = post_form(client, "/account/password", {
        "current_password": "Not-it-99", "password": "short", "password_confirm": "other",
    })
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "現在のパスワードが正しくありません。" in page
    assert "8文字以上にしてください" in page
    assert "確認用のパスワードが一致しません。" in page


def _reset_link(inbox, deliver_mail, user) -> str:
    deliver_mail()
    (message,) = inbox.to(user.email)
    body = message.get_content()
    assert user.login_id in body
    return re.search(r"http://gmis\.test(/password/set/\S+)", body).group(1)


def test_password_reset_by_e_mail_link(client, make_user, inbox, deliver_mail):
    user = make_user()
    response = post_form(client, "/password/forgot", {"login_id": user.login_id})
    assert response.status_code == 200
    assert "メールでお送りしました" in response.get_data(as_text=True)
    link = _reset_link(inbox, deliver_mail, user)
    assert client.get(link).status_code == 200
    response = post_form(client, link, {"password": NEW_PASSWORD,
                                        "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert sign_in(client, user, NEW_PASSWORD).status_code == 302
    # Single use: the same link no longer works.
    reused = client.get(link)
    assert reused.status_code == 410
    assert "有効期限が切れているか、すでに使用されています" in reused.get_data(as_text=True)


def test_password_reset_answers_the_same_for_unknown_ids(client, make_user, inbox,
                                                         deliver_mail):
    known = post_form(client, "/password/forgot", {"login_id": make_user().login_id})
    unknown = post_form(client, "/password/forgot", {"login_id": "no-such-user"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    deliver_mail()
    assert len(inbox.messages) == 1


def test_expired_reset_link_is_refused(client, make_user, inbox, deliver_mail):
    user = make_user()
    post_form(client, "/password/forgot", {"login_id": user.login_id})
    link = _reset_link(inbox, deliver_mail, user)
    session.execute(sa.update(AccountToken).values(expires_at=utcnow() - timedelta(minutes=1)))
    session.commit()
    assert client.get(link).status_code == 410
    response = post_form(client, link, {"password": NEW_PASSWORD,
                                        "password_confirm": NEW_PASSWORD}, page="/login")
    assert response.status_code == 410


def test_reset_link_refuses_a_weak_password_and_stays_usable(client, make_user, inbox,
                                                             deliver_mail):
    user = make_user()
    post_form(client, "/password/forgot", {"login_id": user.login_id})
    link = _reset_link(inbox, deliver_mail, user)
    response = post_form(client, link, {"password": "password", "password_confirm": "password"})
    assert response.status_code == 422
    assert "半角の英大文字・数字を含めてください。" in response.get_data(as_text=True)
    assert client.get(link).status_code == 200


def test_password_rule_feedback_fragment(client):
    token = csrf_token(client, "/login")
    response = client.post("/password/check", data={"password": "abc"},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<html" not in page
    assert "8文字以上にしてください" in page


def test_sign_in_and_out_are_audited(client, make_user):
    user = make_user()
    sign_in(client, user)
    post_form(client, "/logout", {}, page="/home")
    actions = session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.user_id == user.id).order_by(AuditEvent.id)).all()
    assert actions == ["user.sign_in", "user.sign_out"]
