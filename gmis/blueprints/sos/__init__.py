"""緊急配布要請 (SOS) on the web: a facility's requests, the request form, the review pages of
prefectures and the national office. The routes are thin: what they do is in
``gmis.sos.operations``, whose refusals the app's error handler answers."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sos", __name__, url_prefix="/sos")


# The routes register on ``bp``.
from gmis.blueprints.sos import review_views, views  # noqa: E402, F401
