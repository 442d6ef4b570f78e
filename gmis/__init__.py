"""G-MIS: 医療機関等情報支援システム."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, field types, CLI, in that order."""
    # Flask is imported here, not with the package: importing any gmis module (the survey
    # engine, checked by tests/surveys/test_engine_fence.py) must not load the web framework.
    from flask import Flask

    app = Flask(__name__)

    from gmis import clock, config

    app.config.from_mapping(config.from_environment())
    if test_config:
        app.config.from_mapping(test_config)
    config.check_secret_key(app.config)  # a known key would let anybody forge a session
    clock.init_app(app)  # a training instance's Japan time; refused in production

    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind a reverse proxy: the client's address (audit log, sessions) and scheme
        # come from its X-Forwarded-For / -Proto headers, trusted for that many proxies.
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    from gmis import audit, db
    from gmis.extensions import compress, csrf, htmx, login_manager

    # Streamed responses (CSV exports) leave as they are written: a compressor would hold
    # their bytes back until its window fills. Pages and static files are not streamed.
    app.config.setdefault("COMPRESS_STREAMS", False)
    # Registered first, so that its after-request hook runs last, on the finished response.
    compress.init_app(app)
    db.init_app(app)
    audit.init_app(app)  # the hash chain of audit rows, and events kept whatever the request
    htmx.init_app(app)

    login_manager.init_app(app)

    from gmis.accounts import operations, sessions, two_factor

    sessions.init_app(app)
    two_factor.init_app(app)  # a required-roles setting naming no role stops the start-up
    operations.init_app(app)  # password-reset requests are sent by the mail worker

    from gmis import web

    # Access rules run before the CSRF check: a visitor who may not use a page is sent to
    # the sign-in page (or refused) whatever the form carried.
    web.init_app(app)
    csrf.init_app(app)

    from gmis.blueprints import register_blueprints

    register_blueprints(app)

    from gmis import rate_limits

    # After the blueprints: the limits are attached to their views by endpoint.
    rate_limits.init_app(app)

    from gmis.surveys import runtime

    runtime.init_app(app)

    from gmis import cli

    cli.init_app(app)
    return app
