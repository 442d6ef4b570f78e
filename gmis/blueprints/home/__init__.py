"""Each role's home page on the web, and the reminder to non-responders it offers those who
oversee. What the homes show is read in ``gmis.reports.overview`` and ``gmis.reports.matrix``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("home", __name__)


# The routes register on ``bp``.
from gmis.blueprints.home import views  # noqa: E402, F401
