"""住民向けの公開ページ: the search of published function information, a facility's page and
its print view, open to everybody without signing in (rate limited as every public page).
What they show is read in ``gmis.publication.search``, from the search index only."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__, url_prefix="/public")


# The routes register on ``bp``.
from gmis.blueprints.public import views  # noqa: E402, F401
