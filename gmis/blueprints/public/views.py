"""The public search, a facility's page and its print view."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, make_response, redirect, render_template, request, url_for

from gmis.access import public
from gmis.blueprints.public import bp
from gmis.clock import utcnow
from gmis.db import session
from gmis.facilities.models import FACILITY_TYPE_LABELS, Prefecture, SecondaryArea
from gmis.pagination import page_number
from gmis.publication import search
from gmis.surveys.engine.fields.hours import DAYS

#: The page may ask for the visitor's position, on a tap of 「現在地から探す」 only.
PERMISSIONS = "camera=(), microphone=(), geolocation=(self)"


@bp.get("/")
@public
def index():
    return redirect(url_for("public.search_page"))


def _form_context() -> dict:
    prefecture = request.args.get("pref", "")
    areas = []
    if search.valid_prefecture(prefecture):
        areas = list(session.scalars(sa.select(SecondaryArea).where(
            SecondaryArea.prefecture_code == prefecture).order_by(SecondaryArea.code)))
    return {
        "args": request.args,
        "prefectures": list(session.scalars(sa.select(Prefecture).order_by(Prefecture.code))),
        "areas": areas,
        "types": [(t.value, FACILITY_TYPE_LABELS[t]) for t in search.SEARCHED_TYPES],
        "vocabulary": search.vocabulary(),
        "days": DAYS,
        "sorts": search.SORTS,
        "type_labels": FACILITY_TYPE_LABELS,
    }


@bp.get("/search")
@public
def search_page():
    context = _form_context()
    error, result = None, None
    searched = any(value.strip() for key, value in request.args.items(multi=True)
                   if key != "page")
    try:
        query = search.parse(request.args, page_number())
        if searched:
            result = search.search(query, utcnow())
    except search.SearchRefused as refused:
        error = refused.message
    page_args = [(key, value) for key, value in request.args.items(multi=True)
                 if key != "page"]
    response = make_response(render_template(
        "public/search.html", error=error, result=result, searched=searched,
        page_args=page_args, **context), 400 if error else 200)
    response.headers["Permissions-Policy"] = PERMISSIONS
    return response


def _listing_or_404(listing_id: int):
    listing = search.listing(listing_id)
    if listing is None:
        abort(404)
    return listing


@bp.get("/facilities/<int:listing_id>")
@public
def facility(listing_id: int):
    listing = _listing_or_404(listing_id)
    now = utcnow()
    return render_template("public/facility.html", listing=listing,
                           open_now=listing.id in search.open_listings([listing.id], now),
                           type_labels=FACILITY_TYPE_LABELS,
                           prefecture=session.get(Prefecture, listing.prefecture_code))


@bp.get("/facilities/<int:listing_id>/print")
@public
def print_view(listing_id: int):
    listing = _listing_or_404(listing_id)
    return render_template("public/print.html", listing=listing, printed_at=utcnow(),
                           type_labels=FACILITY_TYPE_LABELS,
                           prefecture=session.get(Prefecture, listing.prefecture_code))
