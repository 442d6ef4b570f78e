"""The floor of the submission benchmark: a bare WSGI app, served by the same gunicorn
settings as G-MIS, whose POST reads the form and does one SQLAlchemy Core INSERT into a
small table of the same database, and commits. No Flask, no session, no CSRF, no survey
engine: what any endpoint that stores one row per request costs on this machine.

``gunicorn tools.bench.floor_app:app`` with GMIS_DATABASE_URL set; the table is made by the
benchmark before the server starts.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qsl

import sqlalchemy as sa

from gmis.db import make_engine

metadata = sa.MetaData()
inserts = sa.Table(
    "bench_floor_inserts", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("period_key", sa.String(16), nullable=False),
    sa.Column("fields", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
              nullable=False),
)

_engine: sa.Engine | None = None


def engine() -> sa.Engine:
    # Made in each worker on its first request, after gunicorn has forked it.
    global _engine
    if _engine is None:
        _engine = make_engine(os.environ["GMIS_DATABASE_URL"])
    return _engine


def app(environ, start_response):
    method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
    if method == "GET" and path == "/healthz":
        with engine().connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return _reply(start_response, "200 OK", b'{"status":"ok"}', "application/json")
    if method != "POST":
        return _reply(start_response, "405 Method Not Allowed", b"")
    length = int(environ.get("CONTENT_LENGTH") or 0)
    form = parse_qsl(environ["wsgi.input"].read(length).decode())
    with engine().begin() as connection:
        connection.execute(sa.insert(inserts).values(
            period_key=path.rsplit("/", 1)[-1][:16], fields=len(form)))
    return _reply(start_response, "303 See Other", b"", location="/done")


def _reply(start_response, status: str, body: bytes, content_type: str = "text/plain",
           location: str | None = None):
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    if location:
        headers.append(("Location", location))
    start_response(status, headers)
    return [body]
