"""Sessions end after a while without a request (idle) and a while after sign-in (absolute),
both configurable; the sign-in page then says why, and a form sent into an ended session is
said not to be saved, with the survey's autosaved draft there again after signing in."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from gmis.accounts.sessions import TOUCH_INTERVAL
from gmis.db import session, utcnow
from gmis.models import UserSession
from gmis.surveys.engine import periods
from tests.blueprints.test_survey_fill import Filler, today, wrapper
from tests.fixtures.web import page_text, post_form, sign_in

IDLE_TIMEOUT = "一定時間操作がなかったため、ログアウトしました。"
LIFETIME_OVER = "ログインの有効期限が切れました。"
NOT_SAVED = "送信された内容は保存されていません。"


def _age_session(user, **values) -> None:
    session.execute(sa.update(UserSession).where(UserSession.user_id == user.id)
                    .values(**values))
    session.commit()


def _idle(app, user, extra=timedelta(seconds=1)) -> None:
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    _age_session(user, last_seen_at=utcnow() - idle - extra)


def _sign_in_page(client, response) -> str:
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    return page_text(client.get(response.headers["Location"]).get_data(as_text=True))


def test_a_session_idle_too_long_ends_and_the_sign_in_page_says_so(app, client, make_user):
    user = make_user()
    sign_in(client, user)
    _idle(app, user)
    text = _sign_in_page(client, client.get("/home"))
    assert IDLE_TIMEOUT in text
    assert "ログインしてください。" not in text  # the reason, not the plain request
    assert session.scalars(sa.select(UserSession).where(
        UserSession.user_id == user.id)).all() == []


def test_a_session_past_its_lifetime_ends_and_the_sign_in_page_says_so(client, make_user):
    user = make_user()
    sign_in(client, user)
    _age_session(user, expires_at=utcnow() - timedelta(seconds=1))
    assert LIFETIME_OVER in _sign_in_page(client, client.get("/home"))


def test_a_session_in_use_within_the_idle_time_goes_on(app, client, make_user):
    user = make_user()
    sign_in(client, user)
    # Measured from the last written visit, which may lag up to TOUCH_INTERVAL behind.
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    _age_session(user, last_seen_at=utcnow() - idle + TOUCH_INTERVAL)
    assert client.get("/home").status_code == 200


def test_the_idle_time_is_a_setting(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 10)
    user = make_user()
    sign_in(client, user)
    _age_session(user, last_seen_at=utcnow() - timedelta(minutes=11))
    assert IDLE_TIMEOUT in _sign_in_page(client, client.get("/home"))


def test_an_htmx_request_into_an_ended_session_leads_back_to_its_page(app, client, make_user):
    user = make_user()
    sign_in(client, user)
    _idle(app, user)
    response = client.get("/home", headers={"HX-Request": "true",
                                            "HX-Current-URL": "http://localhost/surveys"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=" + quote("/surveys", safe="/")
    assert IDLE_TIMEOUT in page_text(client.get(response.headers["HX-Redirect"]).get_data(
        as_text=True))


@pytest.fixture
def weekly_survey_page(builtin_survey, make_user, signed_in):
    """A facility user on the weekly supplies form, with N95 stock 120 saved as a draft."""
    builtin_survey("supplies_weekly")
    user = make_user()
    session.commit()
    page = Filler(signed_in(user))
    page.url = f"/surveys/supplies_weekly/{periods.period_for('weekly', today()).key}"
    page.open()
    saved = page.post("/save", htmx=True, **{"f.supplies.n95_mask.stock": "120"})
    assert saved.status_code == 200
    return user, page


def test_a_form_sent_into_an_ended_session_is_said_unsaved_and_its_draft_comes_back(
        app, weekly_survey_page):
    user, page = weekly_survey_page
    _idle(app, user)
    sent = page.client.post(
        page.url + "/save", data={"f.supplies.n95_mask.stock": "130", "csrf_token": "x"},
        headers={"Referer": "http://localhost" + page.url})
    text = _sign_in_page(page.client, sent)
    assert IDLE_TIMEOUT in text and NOT_SAVED in text
    # Signing in again leads back to the form (not to the address it was sent to), with
    # the draft saved before the session ended.
    assert sent.headers["Location"] == "/login?next=" + quote(page.url, safe="/")
    back = post_form(page.client, sent.headers["Location"],
                     {"login_id": user.login_id, "password": "Kanagawa-Ward9"})
    assert back.headers["Location"] == page.url
    page.open()
    assert 'value="120"' in wrapper(page.html, "supplies")
