"""地域病床見える化 on the web: the table, a hospital's detail, the full items and their CSV
exports. The routes are thin: what they read is in ``gmis.beds``, whose refusals (not there,
out of scope) the app's error handler answers."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("beds", __name__, url_prefix="/beds")


# The routes register on ``bp``.
from gmis.blueprints.beds import views  # noqa: E402, F401
