"""回答状況・回答一覧 on the web: the answer status of a period, the responses of a date range
and their CSV export. The routes are thin: what they read is in ``gmis.reports``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")


# The routes register on ``bp``.
from gmis.blueprints.reports import views  # noqa: E402, F401
