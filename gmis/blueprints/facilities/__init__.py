"""医療機関マスタ on the web: the facility list and search, a facility's page, its edit form.
The routes are thin: what they do is in ``gmis.facilities.operations``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("facilities", __name__)


# The routes register on ``bp``.
from gmis.blueprints.facilities import views  # noqa: E402, F401
