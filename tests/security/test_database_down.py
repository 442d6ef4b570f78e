"""PostgreSQL down: a Japanese 503 page with Retry-After, rendered without the database (no
"who is signed in"); forms sent meanwhile come back as typed; a server that accepts the
connection but never answers is given up after the connect timeout; a statement that runs
too long is cancelled by the statement timeout."""

from __future__ import annotations

import os
import socket
import threading

import pytest
import sqlalchemy as sa

from gmis import create_app
from gmis.db import make_engine
from tests.conftest import TEST_CONFIG, Client
from tests.fixtures.web import csrf_token, page_text, sign_in

DOWN = "データベースに接続できない"


def free_port() -> int:
    """A port of 127.0.0.1 where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def app_on(url: str, **config):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url, **config})
    app.test_client_class = Client
    return app


@pytest.fixture
def down_app():
    """The app pointed at a PostgreSQL port where nothing listens."""
    app = app_on(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gmis")
    yield app
    app.extensions["gmis.db"].engine.dispose()


def browser_signed_in_on(down_app, app, make_user):
    """A browser that signed in while the database was up (its cookie is still valid)."""
    up = app.test_client()
    sign_in(up, make_user(name="福岡 次郎"))
    browser = down_app.test_client()
    browser.set_cookie("session", up.get_cookie("session").value)
    return browser


def assert_unavailable(response):
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert DOWN in page_text(response.get_data(as_text=True))


def test_a_signed_in_page_answers_503_without_asking_who_is_signed_in(
        down_app, app, make_user):
    browser = browser_signed_in_on(down_app, app, make_user)
    response = browser.get("/home")
    assert_unavailable(response)
    html = response.get_data(as_text=True)
    assert "<html" in html and "福岡 次郎" not in html and "ログアウト" not in html


def test_an_htmx_request_gets_the_fragment(down_app, app, make_user):
    browser = browser_signed_in_on(down_app, app, make_user)
    response = browser.get("/home", headers={"HX-Request": "true"})
    assert_unavailable(response)
    assert "<html" not in response.get_data(as_text=True)


def test_the_sign_in_page_shows_and_a_sign_in_comes_back_as_typed(down_app):
    browser = down_app.test_client()
    assert browser.get("/login").status_code == 200  # needs no database
    response = browser.post("/login", data={
        "login_id": "gm12345678", "password": "Kanagawa-Ward9",
        "csrf_token": csrf_token(browser, "/login")})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    html = response.get_data(as_text=True)
    assert "入力内容はそのまま残っています" in page_text(html)
    assert 'value="gm12345678"' in html


def test_a_registration_application_comes_back_as_typed(down_app):
    browser = down_app.test_client()
    response = browser.post("/registration", data={
        "facility_type": "hospital", "facility_code": "1310123458",
        "facility_name": "博多駅前病院", "postal_code": "1600023",
        "address": "東京都新宿区西新宿2-8-1", "phone": "0353211111",
        "contact_name": "博多 太郎", "email": "taro@example.jp",
        "email_confirm": "taro@example.jp", "csrf_token": csrf_token(browser, "/registration")})
    assert response.status_code == 503
    assert 'value="博多駅前病院"' in response.get_data(as_text=True)


def test_a_server_that_never_answers_is_given_up_after_the_connect_timeout():
    """A host that takes the connection and says nothing (a hung server, a black-holed
    route): without a connect timeout every worker would wait for it forever."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        # libpq's smallest connect timeout is 2 seconds.
        app = app_on(f"postgresql+psycopg://postgres@127.0.0.1:{port}/gmis",
                     DATABASE_CONNECT_TIMEOUT=2)
        answers = []
        browser = app.test_client()
        token = csrf_token(browser, "/login")

        def sign_in_attempt():
            answers.append(browser.post("/login", data={
                "login_id": "gm12345678", "password": "x", "csrf_token": token}))

        attempt = threading.Thread(target=sign_in_attempt, daemon=True)
        attempt.start()
        attempt.join(timeout=60)  # a guard against hanging the suite, not a measurement
        app.extensions["gmis.db"].engine.dispose()
    assert answers, "the sign-in was still waiting for the silent server"
    assert answers[0].status_code == 503


def test_the_app_bounds_how_long_a_statement_may_take(app, db):
    if db.get_bind().dialect.name == "postgresql":
        assert db.execute(sa.text("SHOW statement_timeout")).scalar() == "30s"
    else:  # SQLite: the wait for another connection's write lock
        assert db.execute(sa.text("PRAGMA busy_timeout")).scalar() == 30_000


def test_a_statement_past_its_timeout_is_given_up(tmp_path):
    url = os.environ.get("GMIS_TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        engine = make_engine(url, statement_timeout=1)
        try:
            with engine.connect() as connection, pytest.raises(
                    sa.exc.OperationalError, match="statement timeout"):
                connection.execute(sa.text("SELECT pg_sleep(5)"))
        finally:
            engine.dispose()
        return
    # SQLite: a write waiting behind another connection's open write gives up.
    engine = make_engine(f"sqlite:///{tmp_path / 'timeout.sqlite3'}", statement_timeout=1)
    try:
        with engine.begin() as setup:
            setup.execute(sa.text("CREATE TABLE t (n INTEGER)"))
        with engine.connect() as holder, engine.connect() as waiter:
            holder.execute(sa.text("INSERT INTO t VALUES (1)"))  # holds the write lock
            with pytest.raises(sa.exc.OperationalError, match="database is locked"):
                waiter.execute(sa.text("INSERT INTO t VALUES (2)"))
    finally:
        engine.dispose()
