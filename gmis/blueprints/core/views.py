"""Health check and the site root."""

import sqlalchemy as sa
from flask import Blueprint, jsonify, redirect, url_for
from flask_login import current_user

from gmis.access import public
from gmis.db import session

bp = Blueprint("core", __name__)


@bp.get("/healthz")
@public
def healthz():
    """For load balancers: 200 when the database answers, 503 when it does not."""
    try:
        session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        return jsonify(status="unavailable", database="error", detail=type(error).__name__), 503
    return jsonify(status="ok", database="ok")


@bp.get("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    return redirect(url_for("auth.login"))
