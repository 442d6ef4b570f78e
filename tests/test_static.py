"""Bytes on the wire: compressed pages and scripts, static files under content-hashed names
cached for a year, the favicon, and CSV downloads that still stream."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest
from flask import url_for

from gmis.extensions import compress
from gmis.models import FireDepartment, Role
from gmis.web import IMMUTABLE, StaticFiles
from tests.fixtures.web import client_of

HASHED = re.compile(r"/static/(?P<stem>[\w/.-]+)\.(?P<digest>[0-9a-f]{8})(?P<ext>\.\w+)")
BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}


def linked_assets(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


# --- compression ---------------------------------------------------------------------------

@pytest.mark.parametrize(("accept", "encoding", "decompress"), [
    ("gzip", "gzip", gzip.decompress),
    ("gzip, br", "br", brotli.decompress),
])
def test_pages_are_compressed_for_clients_that_accept_it(client, accept, encoding, decompress):
    plain = client.get("/login")
    compressed = client.get("/login", headers={"Accept-Encoding": accept})
    assert compressed.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in compressed.headers["Vary"]
    assert len(compressed.get_data()) < len(plain.get_data()) / 2
    page = decompress(compressed.get_data()).decode()
    assert "ログイン" in page and '<meta name="csrf-token"' in page


def test_nothing_is_compressed_for_a_client_that_does_not_ask(client):
    response = client.get("/login")
    assert "Content-Encoding" not in response.headers
    assert "ログイン" in response.get_data(as_text=True)


def test_stylesheets_and_scripts_are_compressed(client):
    assets = linked_assets(client.get("/login").get_data(as_text=True))
    assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets)
    for asset in assets:
        if asset.endswith(".png") or "favicon" in asset:
            continue  # a PNG is compressed already; the icon is smaller than one packet
        plain = client.get(asset)
        compressed = client.get(asset, headers={"Accept-Encoding": "br"})
        assert compressed.headers["Content-Encoding"] == "br", asset
        assert brotli.decompress(compressed.get_data()) == plain.get_data(), asset
        plain.close()
        compressed.close()


def test_a_csv_download_is_not_compressed_and_still_streams(app, make_user, builtin_survey):
    builtin_survey("hospital_daily")
    fire = make_user(Role.fire_department,
                     fire_department=FireDepartment(name="東京消防庁", prefecture_code="13"))
    client = client_of(app, fire)
    response = client.get("/beds/export.csv", headers=BROWSER, buffered=False)
    assert response.is_streamed
    assert "Content-Encoding" not in response.headers
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "医療機関名" in b"".join(response.response).decode("cp932")
    response.close()


@pytest.mark.parametrize(("mimetype", "compressed"), [
    ("text/html", True), ("text/css", True), ("text/javascript", True),
    ("application/json", True), ("image/svg+xml", True),
    ("text/csv", False),  # exports stream row by row, see below
    ("image/png", False), ("application/pdf", False),
])
def test_text_types_are_compressed(app, mimetype, compressed):
    with app.test_request_context("/", headers={"Accept-Encoding": "gzip"}):
        response = compress.after_request(
            app.response_class("医療機関 " * 300, mimetype=mimetype))
        assert ("Content-Encoding" in response.headers) is compressed


def test_a_streamed_response_leaves_as_it_is_written(app):
    written = []

    def chunks():
        for number in range(40):
            written.append(number)
            yield f"<p>{number}</p>".encode() * 200

    with app.test_request_context("/stream", headers={"Accept-Encoding": "gzip, br"}):
        response = compress.after_request(app.response_class(chunks(), mimetype="text/html"))
        assert "Content-Encoding" not in response.headers
        body = iter(response.response)
        assert next(body).startswith(b"<p>0</p>") and written == [0]
        assert len(b"".join(body)) == sum(len(f"<p>{n}</p>") * 200 for n in range(1, 40))


# --- content-hashed static files -----------------------------------------------------------

def test_every_linked_file_has_a_hashed_name_cached_for_a_year(client):
    assets = linked_assets(client.get("/login").get_data(as_text=True))
    assert len(assets) >= 4  # icon, touch icon, stylesheet, scripts
    for asset in assets:
        assert HASHED.fullmatch(asset), asset
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert response.headers["Cache-Control"] == IMMUTABLE == (
            "public, max-age=31536000, immutable")
        assert "Cookie" not in response.headers.get("Vary", "")  # a renewed cookie: no refetch
        assert "Set-Cookie" not in response.headers
        response.close()


def test_the_plain_name_is_still_served_and_revalidated(client):
    hashed = client.get(next(a for a in linked_assets(client.get("/login").get_data(
        as_text=True)) if a.endswith(".css")))
    plain = client.get("/static/css/app.css")
    assert plain.status_code == 200
    assert plain.get_data() == hashed.get_data()
    assert plain.headers["Cache-Control"] == "no-cache"
    # Revalidating costs a 304 without a body, compressed or not.
    for headers in ({}, BROWSER):
        first = client.get("/static/css/app.css", headers=headers)
        again = client.get("/static/css/app.css",
                           headers={**headers, "If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.get_data() == b""
        first.close()
        again.close()
    hashed.close()
    plain.close()


@pytest.mark.parametrize("digest", ["00000000", "deadbeef"])
def test_an_old_or_unknown_digest_gets_the_current_file_without_long_caching(client, digest):
    response = client.get(f"/static/css/app.{digest}.css")
    assert response.status_code == 200
    assert b".site-header" in response.get_data()
    assert response.headers["Cache-Control"] == "no-cache"
    response.close()


@pytest.mark.parametrize("path", ["/static/nothing.00000000.css", "/static/css/nothing.css",
                                  "/static/../wsgi.py", "/static/css/app.0000000g.css"])
def test_unknown_files_are_not_found(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "ページが見つかりません" in response.get_data(as_text=True)


def test_a_changed_file_gets_a_new_name(app, tmp_path):
    (tmp_path / "css").mkdir()
    stylesheet = tmp_path / "css" / "site.css"
    stylesheet.write_text("body { color: black; }")
    (tmp_path / "LICENSE").write_text("MIT")
    files = StaticFiles(tmp_path)
    first = files.hashed_name("css/site.css")
    assert re.fullmatch(r"css/site\.[0-9a-f]{8}\.css", first)
    assert files.hashed_name("css/site.css") == first  # the same content, the same name
    assert files.hashed_name("LICENSE") == "LICENSE"
    assert files.hashed_name("css/added-later.css") == "css/added-later.css"

    stylesheet.write_text("body { color: darkblue; }")
    second = files.hashed_name("css/site.css")
    assert second != first and re.fullmatch(r"css/site\.[0-9a-f]{8}\.css", second)

    (tmp_path / "old.js").write_text("void 0;")
    files = StaticFiles(tmp_path)
    (tmp_path / "old.js").unlink()
    assert files.hashed_name("old.js") == "old.js"  # gone: pages still render, it is a 404

    with app.test_request_context():
        current = files.serve(second)
        assert current.headers["Cache-Control"] == IMMUTABLE
        old = files.serve(first)
        assert old.headers["Cache-Control"] == "no-cache"
        current.direct_passthrough = old.direct_passthrough = False
        assert old.get_data() == current.get_data() == b"body { color: darkblue; }"
        current.close()
        old.close()


def test_url_for_static_gives_the_hashed_name(app):
    with app.test_request_context():
        url = url_for("static", filename="app.js")
    match = HASHED.fullmatch(url)
    assert match and match["stem"] == "app" and match["ext"] == ".js"


# --- favicon -------------------------------------------------------------------------------

def test_pages_carry_our_icon_and_favicon_ico_answers(client):
    html = client.get("/login").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
    assert icon and 'href="data:,"' not in html
    svg = client.get(icon.group(1))
    assert svg.mimetype == "image/svg+xml" and svg.get_data().startswith(b"<svg")
    svg.close()
    ico = client.get("/favicon.ico")
    assert ico.status_code == 200 and ico.mimetype in {"image/vnd.microsoft.icon",
                                                       "image/x-icon"}
    assert ico.get_data()[:4] == b"\x00\x00\x01\x00"  # an ICO file
    # Like the other files: the same for everybody, so no session cookie rides on it.
    assert "Set-Cookie" not in ico.headers and "Cookie" not in ico.headers.get("Vary", "")
    ico.close()
