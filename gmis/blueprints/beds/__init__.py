"""地域病床見える化 on the web: the table, a hospital's detail, the full items and their CSV
exports. The routes are thin: what they read is in ``gmis.beds``; what is not there or out
of scope becomes an error page here."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from gmis.beds import operations
from gmis.beds.operations import NoBedSurvey, NoSuchHospital, OutOfScope
from gmis.web import render_error

bp = Blueprint("beds", __name__, url_prefix="/beds")

OUT_OF_SCOPE = "ほかの都道府県の病床情報は表示できません。"


@bp.errorhandler(OutOfScope)
def out_of_scope(error: OutOfScope):
    operations.refuse(current_user._get_current_object(), str(error))
    return render_error(403, OUT_OF_SCOPE)


@bp.errorhandler(NoBedSurvey)
@bp.errorhandler(NoSuchHospital)
def not_found(error: LookupError):
    # Another prefecture's hospital looks exactly like one that does not exist.
    return render_error(404)


# The routes register on ``bp``.
from gmis.blueprints.beds import views  # noqa: E402, F401
