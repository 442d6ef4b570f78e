"""医療機関マスタ: list and search, detail, edit."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from gmis import access
from gmis.access import Permission, allow
from gmis.blueprints.facilities import bp
from gmis.blueprints.facilities.forms import FacilityForm
from gmis.db import session
from gmis.facilities import operations
from gmis.filters import FilterError
from gmis.models import DESIGNATIONS, Facility, FacilityType


def facility_in_scope(facility_id: int) -> Facility:
    """The facility, or 404 when it does not exist or lies outside the user's scope."""
    return access.scoped_or_404(operations.facility_query(current_user, facility_id),
                                facility_id)


@bp.get("/facilities")
@allow(Permission.view_facilities)
def index():
    user = current_user._get_current_object()
    prefectures = operations.prefecture_choices(user)
    search = result = error = None
    try:
        search = operations.Search.from_args(request.args, user)
    except FilterError as refused:
        error = refused
    if search is not None:
        result = operations.search_facilities(user, search)
        prefecture_code = search.prefecture_code
    else:
        # The form keeps what was typed: the areas of the prefecture it names, if that is
        # one the user may choose.
        typed = request.args.get("pref", "")
        prefecture_code = typed if typed in {p.code for p in prefectures} else ""
    status = 400 if error else 200
    context = dict(
        search=search,
        result=result,
        error=error,
        args=request.args,
        facility_types=list(FacilityType),
        designations=DESIGNATIONS,
        prefectures=prefectures,
        areas=operations.area_choices(user, prefecture_code),
    )
    # A history restore after a cache miss needs the whole page, not the fragment.
    if request.htmx and not request.htmx.history_restore_request:
        # Choosing another prefecture changes which secondary areas can be chosen.
        oob_areas = request.htmx.trigger_name == "pref"
        response = render_template("facilities/_results.html", oob_areas=oob_areas, **context)
    else:
        response = render_template("facilities/index.html", **context)
    return response, status, {"Vary": "HX-Request"}


@bp.get("/facilities/<int:facility_id>")
@allow(Permission.view_facilities)
def detail(facility_id: int):
    facility = facility_in_scope(facility_id)
    return render_template(
        "facilities/detail.html",
        facility=facility,
        aggregators=operations.aggregators_of(facility),
        may_edit=access.can(current_user, Permission.edit_facilities),
    )


@bp.route("/facilities/<int:facility_id>/edit", methods=["GET", "POST"])
@allow(Permission.edit_facilities)
def edit(facility_id: int):
    facility = facility_in_scope(facility_id)
    form = FacilityForm(facility, operations.areas_of_prefecture(facility.prefecture_code))
    if request.method == "GET":
        return render_template("facilities/edit.html", facility=facility, form=form)
    if not form.validate():
        return render_template("facilities/edit.html", facility=facility, form=form,
                               error="入力内容に誤りがあります。赤字の項目をご確認ください。"), 422
    try:
        changes = operations.update_facility(facility, form.values(), form.updated_at.data)
    except operations.EditConflict as conflict:
        # Keep what the user typed; the next save (after reviewing) goes against the new stamp.
        form.updated_at.data = conflict.facility.updated_at.isoformat()
        return render_template(
            "facilities/edit.html", facility=conflict.facility, form=form,
            conflict=conflict.differences, error=conflict.message,
        ), conflict.status
    session.commit()
    if changes:
        flash("医療機関の情報を更新しました。", "success")
    else:
        flash("変更された項目がないため、保存は行いませんでした。", "info")
    return redirect(url_for("facilities.detail", facility_id=facility.id))
