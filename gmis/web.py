"""Request-wide behaviour: access rules, security headers, error pages, template helpers."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError

from gmis import access
from gmis.db import utcnow
from gmis.japan_time import to_tokyo
from gmis.text import format_phone, format_postal

ERROR_MESSAGES = {
    400: "リクエストの内容が正しくありません。",
    403: "このページを表示する権限がありません。",
    404: "ページが見つかりません。URLをご確認ください。",
    405: "この操作はできません。",
    409: "ほかの操作と競合しました。画面を読み込み直してください。",
    413: "送信されたデータが大きすぎます。",
    429: "操作が集中しています。しばらく待ってから再度お試しください。",
    500: "システムエラーが発生しました。時間をおいて再度お試しください。",
}

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def init_app(app: Flask) -> None:
    app.before_request(access.enforce)
    access.public(app.view_functions["static"])  # CSS, htmx: needed on the sign-in page too
    app.jinja_env.filters.update(jst=to_tokyo, phone=format_phone, postal=format_postal)
    app.jinja_env.globals.update(can=access.can, Permission=access.Permission, now=utcnow)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.endpoint != "static":
            # Pages show personal data; keep them out of shared caches and the back-forward
            # cache of a shared phone after logout.
            headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400, "画面の有効期限が切れました。画面を読み込み直してから、もう一度送信してください。"
        )

    for status in ERROR_MESSAGES:
        app.register_error_handler(status, lambda error, status=status: render_error(status))


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """``attachment`` (or ``inline``, shown in the browser) with the Japanese name in RFC 5987
    form and an ASCII fallback for clients that ignore ``filename*``."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name).strip("._")
    stem, dot, extension = ascii_name.rpartition(".")
    if not dot or not re.search(r"[A-Za-z0-9]", stem):
        ascii_name = "download." + (extension if dot and extension else "csv")
    return (f"{disposition}; filename=\"{ascii_name}\"; "
            f"filename*=UTF-8''{quote(filename, safe='')}")


def render_error(status: int, message: str | None = None):
    message = message or ERROR_MESSAGES.get(status, ERROR_MESSAGES[400])
    template = "_error.html" if request.headers.get("HX-Request") else "error.html"
    return render_template(template, status=status, message=message), status
