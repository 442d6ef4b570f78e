"""都道府県の審査 on the web: the queue of submitted function reports, one report beside what
is published now with its history, accepting and returning it, and the accepted reports as
CSV. The routes are thin: what they do is in ``gmis.surveys.reviewing``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("report_review", __name__, url_prefix="/reporting/review")


# The routes register on ``bp``.
from gmis.blueprints.report_review import views  # noqa: E402, F401
