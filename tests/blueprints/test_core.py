import sqlalchemy as sa


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable(app, client):
    database = app.extensions["gmis.db"]
    bind = database.bind
    database.bind = sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none",
                                     connect_args={"connect_timeout": 1})
    try:
        response = client.get("/healthz")
    finally:
        database.bind.dispose()
        database.bind = bind
    assert response.status_code == 503
    assert response.json["database"] == "error"


def test_security_headers(client):
    response = client.get("/healthz")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_unknown_page_is_a_japanese_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.get_data(as_text=True)


def test_htmx_is_served_by_the_app(client):
    with client.get("/static/vendor/htmx-2.0.11.min.js") as response:
        assert response.status_code == 200
        assert b"htmx" in response.data[:2000]
