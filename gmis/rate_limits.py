"""Rate limits (Flask-Limiter): how often one address, one account or one e-mail address may
use the sign-in, the password reset, the registration application, the postal look-up and
the other public pages.

The counters live in ``RATELIMIT_STORAGE_URI``: Redis in production, shared by every worker
of every app server; the embedded default ``memory://`` counts in each process alone (one
``make run`` on one machine). Each limit is a setting (docs/operations.md, "Limits and rate
limits"). A refused request answers 429 with ``Retry-After`` and a Japanese page (the form
again, as typed, where the blueprint shows one), and is recorded in the audit log.

Each app has a limiter of its own (the test suite and the live test server run several apps
in one process), so the limits are attached to the views here, by endpoint, after the
blueprints are registered, rather than by decorators bound to one global limiter.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, make_response, request
from flask_limiter import Limiter, RateLimitExceeded
from limits import parse as parse_limit

from gmis import access, audit
from gmis.text import normalise, normalise_email
from gmis.web import render_error

#: Never limited: files the same for everybody, and the load balancers' health check.
UNLIMITED_ENDPOINTS = frozenset({"static", "favicon", "core.healthz"})
#: A flood of refused requests writes one audit row per rule and client in this time.
AUDIT_ONCE_PER = parse_limit("1 per minute")
#: Longest key taken from a form (a login ID or an e-mail address is much shorter).
KEY_MAX = 254


def client_address() -> str:
    """The client's address (ProxyFix has put the proxy's X-Forwarded-For in it)."""
    return request.remote_addr or "unknown"


def posted(name: str, clean: Callable[[str], str] = normalise) -> Callable[[], str]:
    """The key of a limit per account or per e-mail address: the form field as the view
    reads it. An empty field gives no key, and the limit is not applied (the form refuses
    it anyway)."""

    def key() -> str:
        value = clean(request.form.get(name, ""))[:KEY_MAX]
        return f"{name}:{value}" if value else ""

    return key


def _status_is(status: int) -> Callable:
    return lambda response: response.status_code == status


@dataclass(frozen=True)
class Rule:
    """One limit on one view: the setting holding its limit string, whose requests count
    together (``key``), which methods, and (``counts``) which answers use it up."""

    name: str
    setting: str
    key: Callable[[], str] = client_address
    methods: tuple[str, ...] | None = None
    counts: Callable | None = None
    #: Replaces the public pages' limit instead of adding to it.
    replaces_public: bool = False


RULES: dict[str, tuple[Rule, ...]] = {
    "auth.login": (
        Rule("sign_in", "RATELIMIT_SIGN_IN", methods=("POST",)),
        # Many addresses guessing one account's password.
        # Only refused attempts count: anybody may post an ID, and the owner's own sign-ins
        # must not be what locks the owner out.
        Rule("sign_in_account", "RATELIMIT_SIGN_IN_ACCOUNT", posted("login_id"),
             methods=("POST",), counts=_status_is(401)),
    ),
    "auth.forgot_password": (
        Rule("password_reset", "RATELIMIT_PASSWORD_RESET", methods=("POST",)),
        # Each accepted request mails the account's holder: their inbox is bounded.
        Rule("password_reset_account", "RATELIMIT_PASSWORD_RESET_ACCOUNT",
             posted("login_id"), methods=("POST",), counts=_status_is(200)),
    ),
    "registration.apply": (
        Rule("registration", "RATELIMIT_REGISTRATION", methods=("POST",)),
        # Each submitted application mails its receipt to the address typed in it.
        Rule("registration_email", "RATELIMIT_REGISTRATION_EMAIL",
             posted("email", normalise_email), methods=("POST",), counts=_status_is(303)),
    ),
    "registration.postal_address": (
        Rule("postal_lookup", "RATELIMIT_POSTAL_LOOKUP", replaces_public=True),
    ),
}


def _is_public_page() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "access_rule", None) == access.PUBLIC


def init_app(app: Flask) -> None:
    """Give ``app`` its limiter, the public pages' limit and the limits of ``RULES``. Called
    after the blueprints are registered."""
    config = app.config
    limiter = Limiter(
        client_address,
        default_limits=[lambda: current_app.config["RATELIMIT_PUBLIC"]],
        default_limits_exempt_when=lambda: not _is_public_page(),
        on_breach=_record_hit,
        # Without Redis nobody signs in, which is worse than a while without limits: the
        # failure is logged, and the lockout counter in the database still holds.
        swallow_errors=True,
    )
    limiter.request_filter(lambda: request.endpoint in UNLIMITED_ENDPOINTS)
    limiter.init_app(app)
    app.extensions["gmis.limiter"] = limiter
    for endpoint, rules in RULES.items():
        view = app.view_functions[endpoint]
        for rule in rules:
            view = limiter.limit(
                _setting(rule.setting), key_func=rule.key, scope=rule.name,
                methods=list(rule.methods) if rule.methods else None,
                deduct_when=rule.counts, override_defaults=rule.replaces_public,
            )(view)
        app.view_functions[endpoint] = view
    app.register_error_handler(RateLimitExceeded, lambda error: error_page())
    if config["RATELIMIT_ENABLED"] and config["RATELIMIT_STORAGE_URI"].startswith("memory"):
        app.logger.info("rate limits counted in this process only (RATELIMIT_STORAGE_URI "
                        "memory://); set GMIS_RATELIMIT_STORAGE_URI=redis://... to share them")


def _setting(name: str) -> Callable[[], str]:
    # Read at each request: a test (or an operator reloading settings) sees the current one.
    return lambda: current_app.config[name]


def _record_hit(hit) -> None:
    """Audit the refusal, at most once a minute per rule and client (``record_now``: the
    request answers 429 and writes nothing else)."""
    limiter = current_app.extensions["gmis.limiter"]
    *_, key, scope = hit.request_args
    # Scopes are "endpoint:rule" for the rules above and the bare endpoint for public pages.
    rule = scope.rsplit(":", 1)[1] if ":" in scope else "public"
    if not limiter.limiter.hit(AUDIT_ONCE_PER, *hit.request_args[:-2], "audit", rule, key):
        return
    details = {"rule": rule, "limit": str(hit.limit), "endpoint": request.endpoint or "",
               "method": request.method}
    if key != client_address():
        details["subject"] = key  # the account or e-mail address the requests aimed at
    audit.record_now("rate_limit.hit", **details)


def retry_after_seconds() -> int:
    """When the limit that refused this request lets the next one through."""
    limiter = current_app.extensions["gmis.limiter"]
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))


def refusal_message(seconds: int) -> str:
    wait = f"約{math.ceil(seconds / 60)}分" if seconds >= 60 else f"約{seconds}秒"
    return (f"短い時間に多くの操作がありました。しばらく受け付けを止めています。"
            f"{wait}後に再度お試しください。")


def with_retry_after(response, seconds: int):
    response = make_response(response)
    response.headers["Retry-After"] = str(seconds)
    return response


def error_page():
    """The 429 page (for htmx, the fragment) with ``Retry-After``."""
    seconds = retry_after_seconds()
    return with_retry_after(render_error(429, refusal_message(seconds)), seconds)


def form_again(render: Callable[[str], object]):
    """A blueprint's 429 answer for a form page: ``render(message)`` shows the form again
    as it was typed, with the message, instead of a page that loses what was typed."""
    seconds = retry_after_seconds()
    return with_retry_after(render(refusal_message(seconds)), seconds)
