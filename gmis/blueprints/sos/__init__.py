"""緊急配布要請 (SOS) on the web: a facility's requests, the request form, the review pages of
prefectures and the national office. The routes are thin: what they do is in
``gmis.sos.operations``; a refusal from there becomes an error page here."""

from __future__ import annotations

from flask import Blueprint

from gmis.sos.operations import NoSuchFacility, SosRefused
from gmis.web import render_error

bp = Blueprint("sos", __name__, url_prefix="/sos")


@bp.errorhandler(SosRefused)
def refused(error: SosRefused):
    return render_error(error.status, str(error))


@bp.errorhandler(NoSuchFacility)
def no_such_facility(error: NoSuchFacility):
    # Another aggregator's member looks exactly like a facility that does not exist.
    return render_error(404)


# The routes register on ``bp``.
from gmis.blueprints.sos import review_views, views  # noqa: E402, F401
