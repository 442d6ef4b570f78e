"""調査ビルダー on the web: prefecture and national staff build and change surveys in the
browser. Every change is one POST that is stored at once (``gmis.surveys.store.drafts``);
with htmx the editor is redrawn in place, without it the page is loaded again. What each
change does is in ``gmis.surveys.drafting`` and ``gmis.surveys.engine.authoring``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("survey_builder", __name__, url_prefix="/admin/surveys/builder")

# The routes register on ``bp``.
from gmis.blueprints.survey_builder import views  # noqa: E402, F401
