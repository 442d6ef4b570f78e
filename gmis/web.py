"""Request-wide behaviour: access rules, security headers, error pages, template helpers."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from flask import Flask, current_app, g, render_template, request, send_from_directory, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError
from werkzeug.routing import IntegerConverter
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from gmis import access
from gmis.db import utcnow
from gmis.japan_time import to_tokyo
from gmis.refusals import Refused
from gmis.surveys.engine.errors import DefinitionError
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
    503: "ただいまデータベースに接続できないため、ご利用いただけません。しばらく待ってから"
         "再度お試しください。送信しようとした内容は、ブラウザの「戻る」で入力画面に戻ると"
         "残っています。",
}

#: When a client should ask again after the database failed to answer.
DATABASE_RETRY_SECONDS = 30

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


#: A file named by its content never changes: browsers keep it for a year without asking.
IMMUTABLE = "public, max-age=31536000, immutable"
YEAR_SECONDS = 31_536_000


class RowId(IntegerConverter):
    """``<int:…>`` in every route: a number no row id can be (past PostgreSQL's integer)
    matches no route, a 404, rather than reaching the database as an overflow."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def init_app(app: Flask) -> None:
    # Before any route is added: each binds its converter then.
    app.url_map.converters["int"] = RowId
    app.before_request(access.enforce)
    app.session_interface = SessionInterface()
    static_files = app.extensions["gmis.static"] = StaticFiles(Path(app.static_folder))
    app.url_defaults(static_files.hashed_url_defaults)

    @access.public  # CSS, htmx: needed on the sign-in page too
    def static(filename: str):
        return static_files.serve(filename)

    app.view_functions["static"] = static

    @app.route("/favicon.ico")
    @access.public
    def favicon():
        # For clients that ask for it without reading the page's <link rel="icon">.
        return static_files.serve("icons/favicon.ico")
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

    @app.errorhandler(DefinitionError)
    def broken_definition(error):
        # A stored survey version that no longer compiles (stored before a limit was set,
        # or a plugin field type removed): say so instead of failing with a bare 500.
        app.logger.warning("survey definition refused: %s", error)
        first = error.problems[0] if error.problems else ""
        return render_error(422, f"この調査の定義({error.source})に誤りがあるため、表示できません"
                                 f"({first})。調査を公開した都道府県または事務局にお問い合わせください。")

    @app.errorhandler(Refused)
    def refused(error: Refused):
        # Every capability's use cases refuse the same way; the page is the same for all.
        return render_error(error.status, error.message or None)

    for status in ERROR_MESSAGES.keys() - {413}:
        app.register_error_handler(status, lambda error, status=status: render_error(status))
    app.register_error_handler(413, lambda error: render_error(413, too_large_message()))
    # The database is down, unreachable, or a statement ran past its timeout.
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(PoolTimeout, database_unavailable)


def too_large_message() -> str:
    """413, naming the limit of the whole request (GMIS_MAX_REQUEST_MB)."""
    limit = request.max_content_length or 0
    return (f"送信されたデータが大きすぎます。一度に送信できるのは{limit // (1024 * 1024)}MB"
            "までです。")


#: A form sent while the database is down comes back as typed, with this message.
DATABASE_DOWN_FORM_MESSAGE = (
    "ただいまデータベースに接続できないため、送信を受け付けられませんでした。入力内容はそのまま"
    "残っています。しばらく待ってから、もう一度送信してください。"
)


def _without_the_database() -> None:
    # Flask-Login's template context asks for the current user, which is read from the
    # database: the page is rendered for nobody in particular instead.
    g._login_user = current_app.login_manager.anonymous_user()


def database_unavailable_form(template: str, **context):
    """503 for a form page: the form again, as typed, rendered without the database."""
    _without_the_database()
    return (render_template(template, error=DATABASE_DOWN_FORM_MESSAGE, database_down=True,
                            **context),
            503, {"Retry-After": str(DATABASE_RETRY_SECONDS)})


def database_unavailable(error):
    """503 with ``Retry-After``, rendered without the database: the page does not ask who
    is signed in (``database_down`` tells the base template to leave that out)."""
    current_app.logger.error("database unavailable: %s", error)
    _without_the_database()
    body, status = render_error(503, database_down=True)
    return body, status, {"Retry-After": str(DATABASE_RETRY_SECONDS)}


#: Endpoints that serve files, the same for everybody.
STATIC_ENDPOINTS = frozenset({"static", "favicon"})


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, except that static files never write it: they are the
    same for everybody, and the ``Vary: Cookie`` a session adds would make a browser fetch
    every stylesheet again whenever the cookie changes (at sign-in, at each renewal)."""

    def save_session(self, app, session, response) -> None:
        if request.endpoint not in STATIC_ENDPOINTS:
            super().save_session(app, session, response)


@dataclass(frozen=True)
class _Version:
    """What a static file was when it was named: a changed file gets a new name."""

    mtime_ns: int
    size: int
    name: str


class StaticFiles:
    """Static files under names that carry a digest of their content
    (``css/app.css`` → ``css/app.3f9a1c2b.css``), so that they can be cached for a year:
    every ``url_for("static", filename=...)`` gives the hashed name, and the hashed name is
    answered with ``Cache-Control: public, max-age=31536000, immutable``.

    The digests are computed once at start-up; a file edited while the server runs (in
    development) is named anew at the next ``url_for``, found by its modification time. The
    plain name is still served, revalidated on every use, for anything that asks for it; an
    old or unknown digest of a known file gets the current file, also revalidated, never
    cached for a year: a page rendered by an older server during a deployment keeps its
    stylesheet, and no cache keeps the wrong content under a name.

    (Flask-Static-Digest writes hashed copies in a build step; WhiteNoise hashes only through
    Django's storage: neither fits an app that is run straight from its checkout.)
    """

    _HASHED = re.compile(r"(?P<stem>.+)\.(?P<digest>[0-9a-f]{8})(?P<extension>\.[A-Za-z0-9]+)")

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._versions: dict[str, _Version] = {}
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                self._name(path.relative_to(folder).as_posix())

    def hashed_name(self, filename: str) -> str:
        """``filename`` under its content-hashed name (unchanged for a file we do not know)."""
        version = self._versions.get(filename)
        if version is None:
            return filename
        try:
            stat = (self.folder / filename).stat()
        except FileNotFoundError:  # removed while the server runs: a 404, not a broken page
            return filename
        if (stat.st_mtime_ns, stat.st_size) != (version.mtime_ns, version.size):
            version = self._name(filename)
        return version.name

    def hashed_url_defaults(self, endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = self.hashed_name(values["filename"])

    def serve(self, filename: str):
        match = self._HASHED.fullmatch(filename)
        plain = match and match["stem"] + match["extension"]
        if plain not in self._versions:
            response = send_from_directory(self.folder, filename)  # revalidated on every use
        elif self.hashed_name(plain) == filename:
            response = send_from_directory(self.folder, plain, max_age=YEAR_SECONDS)
            response.headers["Cache-Control"] = IMMUTABLE
        else:
            response = send_from_directory(self.folder, plain)
        # Read whole (our files are a few KB): a body of known length is compressed in one
        # piece with any encoding and a Content-Length, and the file is closed at once.
        response.direct_passthrough = False
        response.make_sequence()
        return response

    def _name(self, filename: str) -> _Version:
        path = self.folder / filename
        stat = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
        plain = PurePosixPath(filename)
        # A file without an extension (a licence text) is linked by nobody: it keeps its name.
        name = str(plain.with_stem(f"{plain.stem}.{digest}")) if plain.suffix else filename
        version = self._versions[filename] = _Version(stat.st_mtime_ns, stat.st_size, name)
        return version


def correction_link(response) -> str:
    """The fill page of ``response``, for an e-mail asking to correct it. Links in e-mails
    use the configured base, never the (forgeable) request host."""
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        return url_for("surveys.fill", survey_key=response.survey.key,
                       period_key=response.period_key, _external=True)


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


def render_error(status: int, message: str | None = None, **context):
    message = message or ERROR_MESSAGES.get(status, ERROR_MESSAGES[400])
    template = "_error.html" if request.headers.get("HX-Request") else "error.html"
    return render_template(template, status=status, message=message, **context), status
