"""Accounts under attack: the sign-in page tells no ID from another, the lock-out counts
every guess (also on the password-change form, also when guesses arrive at once), reset
links are single-use under concurrency and die when the password changes, the reset page
does the same work for every ID, and the outbox keeps no usable link once a mail is sent."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa

from gmis.accounts import operations, passwords
from gmis.accounts.passwords import hash_password
from gmis.db import session
from gmis.models import OutboxMessage, OutboxStatus, Role, TokenPurpose, User
from tests.conftest import make_migrated_app
from tests.fixtures.databases import scratch_database
from tests.fixtures.factories import PASSWORD
from tests.fixtures.web import counted_queries, post_form, sign_in

NEW_PASSWORD = "Shinjuku-Gyoen42"
#: The form's CSRF token, signed anew (with a timestamp) on every page.
CSRF = re.compile(r'name="csrf_token"[^>]*>|name="csrf-token"[^>]*>|"X-CSRFToken": "[^"]*"')
WRONG = "Wrong-pass1"


def _lock(app, client, user) -> None:
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        post_form(client, "/login", {"login_id": user.login_id, "password": WRONG})


def _without_savepoints(statements: list[str]) -> tuple[str, ...]:
    """The statements a request ran, without the numbered savepoints that stand for its
    commits inside the test's transaction."""
    return tuple(s for s in statements if "SAVEPOINT" not in s)


@pytest.fixture
def password_checks(monkeypatch) -> list[str]:
    """Every password hash check made (real or timing-equalising), by which function."""
    checks: list[str] = []
    real_check = passwords.check_password_hash

    def counting(password_hash, password):
        checks.append(password_hash)
        return real_check(password_hash, password)

    monkeypatch.setattr(passwords, "check_password_hash", counting)
    return checks


# --- one answer for unknown, wrong and locked ---------------------------------------------

def test_unknown_wrong_and_locked_ids_get_one_answer_with_the_same_work(
        app, client, make_user, password_checks):
    known, locked = make_user(), make_user()
    _lock(app, client, locked)
    session.commit()

    answers = {}
    for case, login_id, password in (
            ("unknown", "gm00000000", WRONG),
            ("wrong password", known.login_id, WRONG),
            ("locked, wrong password", locked.login_id, WRONG),
            ("locked, right password", locked.login_id, PASSWORD)):
        password_checks.clear()
        with counted_queries(app) as statements:
            response = post_form(client, "/login", {"login_id": login_id, "password": password})
        page = CSRF.sub("", response.get_data(as_text=True).replace(login_id, "<ID>"))
        answers[case] = (response.status_code, page, len(password_checks), statements)

    statuses = {case: answer[0] for case, answer in answers.items()}
    assert set(statuses.values()) == {401}, statuses
    pages = {answer[1] for answer in answers.values()}
    assert len(pages) == 1, "the answers differ"
    assert "しばらくの間ログインできなくなります" in pages.pop()
    # The same time: one password hash each, and the same SQL.
    assert {case: answer[2] for case, answer in answers.items()} == dict.fromkeys(answers, 1)
    sql = {_without_savepoints(answer[3]) for answer in answers.values()}
    assert len(sql) == 1, sql


# --- the lock-out counter is atomic -------------------------------------------------------

@pytest.fixture(scope="module")
def own_database(tmp_path_factory):
    """An app on a database of its own, committed for real, so that threads with
    connections of their own race as concurrent requests do."""
    with scratch_database(tmp_path_factory.mktemp("accounts"), "accounts") as url:
        app = make_migrated_app(url, MAIL_BACKEND="log")
        yield app
        app.extensions["gmis.db"].engine.dispose()


def _add_user(app, login_id: str) -> None:
    with app.app_context():
        session.add(User(login_id=login_id, name="並行 試験", email=f"{login_id}@example.jp",
                         role=Role.national, password_hash=hash_password(PASSWORD)))
        session.commit()


def _at_once(app, count: int, attempt) -> list[str]:
    """Run ``attempt()`` in ``count`` threads, each in an app context (and so a database
    session and connection) of its own, released together by a barrier."""
    barrier = threading.Barrier(count)

    def run(_):
        with app.app_context():
            try:
                return attempt(barrier)
            finally:
                session.remove()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_concurrent_wrong_guesses_check_at_most_the_limit(own_database, password_checks):
    app = own_database
    _add_user(app, "concurrent-guesses")
    limit = app.config["LOGIN_MAX_FAILURES"]
    with app.app_context():
        real_hash = session.scalars(sa.select(User.password_hash).where(
            User.login_id == "concurrent-guesses")).one()

    def guess(barrier):
        barrier.wait()
        try:
            # As at the sign-in page: the refusal is noted when the request ends.
            with app.test_request_context("/login", method="POST"):
                operations.authenticate("concurrent-guesses", WRONG,
                                        operations.Lockout.of(app.config))
        except operations.SignInError as error:
            return error.status
        return 200

    outcomes = _at_once(app, limit + 3, guess)
    assert outcomes == [401] * (limit + 3)
    checked = [h for h in password_checks if h == real_hash]
    assert len(checked) <= limit, f"{len(checked)} guesses were checked"
    with app.app_context():
        user = session.scalars(sa.select(User).where(
            User.login_id == "concurrent-guesses")).one()
        assert user.locked_until is not None


# --- a reset link is used once ------------------------------------------------------------

def test_a_reset_link_sent_four_times_at_once_sets_the_password_once(own_database):
    app = own_database
    _add_user(app, "concurrent-link")
    with app.test_request_context():
        user = session.scalars(sa.select(User).where(User.login_id == "concurrent-link")).one()
        token = operations._new_token(user, TokenPurpose.password_reset, timedelta(hours=2))
        session.commit()

    def use(barrier):
        link = operations.find_token(token)
        barrier.wait()  # all four have read the link as valid
        if link is None:
            return "refused"
        try:
            operations.set_password_with_token(link, NEW_PASSWORD)
            session.commit()
        except operations.TokenAlreadyUsed:
            session.rollback()
            return "refused"
        return "set"

    outcomes = _at_once(app, 4, use)
    assert sorted(outcomes) == ["refused", "refused", "refused", "set"]


# --- a reset link dies when the password changes ------------------------------------------

def _reset_link(client, user, inbox, deliver_mail) -> str:
    post_form(client, "/password/forgot", {"login_id": user.login_id})
    deliver_mail()
    body = inbox.to(user.email)[-1].get_content()
    return re.search(r"http://gmis\.test(/password/set/\S+)", body).group(1)


def test_a_reset_link_dies_when_the_password_is_changed(app, make_user, inbox, deliver_mail):
    user = make_user()
    stranger = app.test_client()
    link = _reset_link(stranger, user, inbox, deliver_mail)
    owner = app.test_client()
    sign_in(owner, user)
    changed = post_form(owner, "/account/password", {
        "current_password": PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert changed.status_code == 302
    assert stranger.get(link).status_code == 410


# --- wrong current passwords count ---------------------------------------------------------

def test_wrong_current_passwords_on_the_change_form_lock_the_account_and_sign_out(
        app, client, make_user):
    user = make_user()
    sign_in(client, user)
    limit = app.config["LOGIN_MAX_FAILURES"]
    wrong = {"current_password": WRONG, "password": NEW_PASSWORD,
             "password_confirm": NEW_PASSWORD}
    for _ in range(limit - 1):
        refused = post_form(client, "/account/password", wrong)
        assert refused.status_code == 422
        assert "現在のパスワードが正しくありません。" in refused.get_data(as_text=True)
    last = post_form(client, "/account/password", wrong)
    assert last.status_code == 302 and last.headers["Location"] == "/login"
    assert "現在のパスワードの確認に続けて失敗したため" in client.get("/login").get_data(
        as_text=True)
    assert client.get("/home").status_code == 302  # signed out
    # Locked: the right password does not sign in either.
    assert post_form(client, "/login", {"login_id": user.login_id,
                                        "password": PASSWORD}).status_code == 401
    session.expire_all()
    assert session.get(User, user.id).password_hash != hash_password(NEW_PASSWORD)
    assert passwords.verify_password(session.get(User, user.id).password_hash, PASSWORD)


# --- the reset page does the same work for every ID ----------------------------------------

def test_the_reset_page_does_the_same_work_for_known_and_unknown_ids(
        app, client, make_user, inbox, deliver_mail):
    user = make_user()
    session.commit()
    work = {}
    for case, login_id in (("known", user.login_id), ("unknown", "gm99999999")):
        with counted_queries(app) as statements:
            response = post_form(client, "/password/forgot", {"login_id": login_id})
        assert response.status_code == 200
        work[case] = statements
    assert _without_savepoints(work["known"]) == _without_savepoints(work["unknown"])
    # The mail worker does the rest: one e-mail, to the known user.
    deliver_mail()
    assert [m["To"] for m in inbox.messages] == [user.email]


# --- the outbox keeps no usable link -------------------------------------------------------

def test_sent_mails_keep_no_set_password_link(app, client, make_user, signed_in, inbox,
                                              deliver_mail):
    user = make_user()
    link = _reset_link(client, user, inbox, deliver_mail)
    issued = make_user(password=None)
    session.commit()
    with app.test_request_context():  # as when the secretariat issues the account
        operations.send_account_setup(session.get(User, issued.id),
                                      operations.AccountMail.of(app))
        session.commit()
    deliver_mail()
    assert len(inbox.messages) == 2
    sent = session.scalars(sa.select(OutboxMessage)).all()
    assert {m.status for m in sent} == {OutboxStatus.sent}
    for message in sent:
        assert "/password/set/" not in message.body, message.body
        assert "送信済みのため、リンクは保存していません" in message.body
        assert message.secret is None
    # The link that left in the e-mail still works for its owner.
    assert client.get(link).status_code == 200
