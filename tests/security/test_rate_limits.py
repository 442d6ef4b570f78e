"""Rate limits, counted in Redis (tests/fixtures/rate_limits.py): sign-in per address and per
account, password reset per address and per account, registration per address and per
e-mail address, the postal look-up and every other public page. A refused request answers a
Japanese 429 with Retry-After (a form again, as typed), and is recorded in the audit log."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gmis.db import session
from gmis.models import AuditEvent, OutboxMessage, PasswordResetRequest
from gmis.text import with_check_digit
from tests.fixtures.factories import PASSWORD
from tests.fixtures.web import csrf_token, page_text

FROM_A = {"REMOTE_ADDR": "198.51.100.7"}
FROM_B = {"REMOTE_ADDR": "203.0.113.9"}
WAIT_MESSAGE = "しばらく受け付けを止めています"


def post(client, url, data, page=None, **kwargs):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, page or url)},
                       **kwargs)


def client_from(app, address):
    """A browser at ``address`` (every request it makes comes from there)."""
    client = app.test_client()
    client.environ_base.update(address)
    return client


def hits(rule: str) -> list[AuditEvent]:
    """The audit log's rate-limit hits of one rule."""
    events = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "rate_limit.hit"))
    return [event for event in events if event.details.get("rule") == rule]


def assert_refused(response):
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert WAIT_MESSAGE in page_text(response.get_data(as_text=True))


# --- sign-in -------------------------------------------------------------------------------

def test_sign_in_is_limited_per_address_and_shows_the_form_as_typed(limited_app, make_user):
    app = limited_app(RATELIMIT_SIGN_IN="3 per minute")
    user = make_user(login_id="ratelimit01")
    guesser = client_from(app, FROM_A)
    for _ in range(3):
        wrong = post(guesser, "/login", {"login_id": user.login_id, "password": "Wrong-guess1"})
        assert wrong.status_code == 401
    refused = post(guesser, "/login", {"login_id": "someone-else", "password": "Wrong-guess1"})
    assert_refused(refused)
    assert 'value="someone-else"' in refused.get_data(as_text=True)
    # Another address is not held back by the first one's guesses.
    other = post(client_from(app, FROM_B), "/login",
                 {"login_id": user.login_id, "password": "Wrong-guess1"})
    assert other.status_code == 401
    [event] = hits("sign_in")
    assert event.ip_address == FROM_A["REMOTE_ADDR"]
    assert event.details["endpoint"] == "auth.login"


def test_sign_in_is_limited_per_account_whatever_the_address(limited_app, make_user):
    app = limited_app(RATELIMIT_SIGN_IN_ACCOUNT="3 per minute")
    user = make_user(login_id="ratelimit02")
    for number in range(3):
        guesser = client_from(app, {"REMOTE_ADDR": f"192.0.2.{number + 1}"})
        assert post(guesser, "/login", {"login_id": user.login_id,
                                        "password": "Wrong-guess1"}).status_code == 401
    # The right password, from a fresh address, waits too: the account is being guessed.
    owner = client_from(app, {"REMOTE_ADDR": "192.0.2.99"})
    assert_refused(post(owner, "/login", {"login_id": user.login_id, "password": PASSWORD}))
    # Other accounts sign in from the same address as usual.
    colleague = make_user(login_id="ratelimit03")
    assert post(owner, "/login", {"login_id": colleague.login_id,
                                  "password": PASSWORD}).status_code == 302
    [event] = hits("sign_in_account")
    assert event.details["subject"] == f"login_id:{user.login_id}"


def test_the_owners_own_sign_ins_do_not_use_up_the_accounts_allowance(limited_app, make_user):
    app = limited_app(RATELIMIT_SIGN_IN_ACCOUNT="3 per minute")
    user = make_user(login_id="ratelimit04")
    # Anybody may post an ID: signing in four times (each a fresh browser) must not be what
    # locks its owner out.
    for number in range(4):
        owner = client_from(app, {"REMOTE_ADDR": f"192.0.2.{number + 20}"})
        assert post(owner, "/login", {"login_id": user.login_id,
                                      "password": PASSWORD}).status_code == 302


# --- password reset ------------------------------------------------------------------------

def reset_mails(user) -> int:
    """The reset links that will be mailed to ``user``: the mail worker sends one for each
    request the page accepted."""
    return session.scalar(sa.select(sa.func.count()).select_from(PasswordResetRequest).where(
        PasswordResetRequest.login_id == user.login_id))


def test_password_reset_mails_one_account_a_bounded_number_of_times(limited_app, make_user):
    app = limited_app(RATELIMIT_PASSWORD_RESET_ACCOUNT="2 per hour")
    user = make_user(login_id="ratelimit05", email="target@example.jp")
    for number in range(2):
        sender = client_from(app, {"REMOTE_ADDR": f"192.0.2.{number + 10}"})
        assert post(sender, "/password/forgot", {"login_id": user.login_id}).status_code == 200
    refused = post(client_from(app, FROM_B), "/password/forgot", {"login_id": user.login_id})
    assert_refused(refused)
    assert f'value="{user.login_id}"' in refused.get_data(as_text=True)
    assert reset_mails(user) == 2
    assert hits("password_reset_account")


def test_password_reset_is_limited_per_address(limited_app, make_user):
    app = limited_app(RATELIMIT_PASSWORD_RESET="2 per hour")
    sender = client_from(app, FROM_A)
    for number in range(2):
        assert post(sender, "/password/forgot",
                    {"login_id": f"unknown{number}"}).status_code == 200
    assert_refused(post(sender, "/password/forgot", {"login_id": "unknown9"}))


# --- registration --------------------------------------------------------------------------

APPLICATION = {
    "facility_type": "hospital", "insurance_code": "", "facility_name": "都庁前記念病院",
    "postal_code": "1600023", "address": "東京都新宿区西新宿2-8-1", "phone": "0353211111",
    "contact_name": "新宿 花子", "email": "victim@example.jp",
    "email_confirm": "victim@example.jp",
}


def test_registration_receipts_to_one_address_are_limited(limited_app):
    app = limited_app(RATELIMIT_REGISTRATION_EMAIL="1 per day")
    applicant = client_from(app, FROM_A)
    # Forms with mistakes send no mail and do not use the address's allowance up.
    for _ in range(2):
        assert post(applicant, "/registration", {**APPLICATION, "facility_code": "1"}
                    ).status_code == 422
    first = post(applicant, "/registration",
                 {**APPLICATION, "facility_code": with_check_digit("131012345")})
    assert first.status_code == 303
    # Another facility, another address, the same inbox: refused, the form kept as typed.
    again = post(client_from(app, FROM_B), "/registration",
                 {**APPLICATION, "facility_code": with_check_digit("131012346"),
                  "facility_name": "西新宿第二病院"})
    assert_refused(again)
    assert 'value="西新宿第二病院"' in again.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.recipient == "victim@example.jp")) == 1
    [event] = hits("registration_email")
    assert event.details["subject"] == "email:victim@example.jp"


def test_registration_is_limited_per_address(limited_app):
    app = limited_app(RATELIMIT_REGISTRATION="2 per hour")
    client = client_from(app, FROM_A)
    for _ in range(2):
        post(client, "/registration", {**APPLICATION, "facility_code": "1"})
    assert_refused(post(client, "/registration", {**APPLICATION, "facility_code": "1"}))


def test_postal_look_up_is_limited_and_answers_htmx_with_the_fragment(limited_app):
    app = limited_app(RATELIMIT_POSTAL_LOOKUP="2 per minute")
    client = client_from(app, FROM_A)
    for _ in range(2):
        assert client.get("/registration/postal-address?postal_code=1600023").status_code == 200
    refused = client.get("/registration/postal-address?postal_code=1600023",
                         headers={"HX-Request": "true"})
    assert_refused(refused)
    assert "<html" not in refused.get_data(as_text=True)


# --- every public page ---------------------------------------------------------------------

def test_public_pages_are_limited_but_static_files_and_the_health_check_are_not(limited_app):
    app = limited_app(RATELIMIT_PUBLIC="2 per minute")
    client = client_from(app, FROM_A)
    assert [client.get("/login").status_code for _ in range(2)] == [200, 200]
    refused = client.get("/login")
    assert_refused(refused)
    assert "<html" in refused.get_data(as_text=True)
    for url in ("/static/css/app.css", "/favicon.ico", "/healthz"):
        for _ in range(4):
            response = client.get(url)
            response.close()
            assert response.status_code == 200, url
    # Each page counts on its own; another address is not held back.
    assert client.get("/registration").status_code == 200
    assert client_from(app, FROM_B).get("/login").status_code == 200
    assert len(hits("public")) == 1


def test_a_flood_is_audited_once_a_minute_not_once_a_request(limited_app):
    app = limited_app(RATELIMIT_PUBLIC="1 per minute")
    client = client_from(app, FROM_A)
    statuses = [client.get("/password/forgot").status_code for _ in range(6)]
    assert statuses == [200] + [429] * 5
    assert len(hits("public")) == 1


def test_limits_are_shared_by_every_app_server(limited_app, rate_limit_storage):
    """Two app servers (two apps) on one store count one client's requests together."""
    if rate_limit_storage == "memory://":
        pytest.skip("GMIS_TEST_REDIS_URL=none: memory:// is one process's own store")
    first, second = limited_app(RATELIMIT_PUBLIC="3 per minute"), limited_app(
        RATELIMIT_PUBLIC="3 per minute")
    assert client_from(first, FROM_A).get("/login").status_code == 200
    assert client_from(second, FROM_A).get("/login").status_code == 200
    assert client_from(first, FROM_A).get("/login").status_code == 200
    assert_refused(client_from(second, FROM_A).get("/login"))
