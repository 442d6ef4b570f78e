"""機能情報の報告 on the web: a facility's report home (beginning and deleting a report) and
the prefectures' periodic windows. The reports themselves are filled on the survey fill
page; the rules live in ``gmis.surveys.reporting``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reporting", __name__)


# The routes register on ``bp``.
from gmis.blueprints.reporting import views  # noqa: E402, F401
