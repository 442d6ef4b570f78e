"""報告ホーム and 定期報告期間: thin routes over ``gmis.surveys.reporting``. A POST the rules
refuse answers the page again with the reason and a 4xx; nothing is written."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from gmis.access import Permission, allow
from gmis.blueprints.reporting import bp
from gmis.blueprints.reporting.forms import DiscardForm, StartForm, WindowForm
from gmis.db import session, utcnow
from gmis.refusals import Refused, invalid
from gmis.surveys import reporting
from gmis.surveys.engine import periods
from gmis.surveys.store.reports import ReportOpen
from gmis.web import render_error


def _user():
    return current_user._get_current_object()


@bp.app_errorhandler(ReportOpen)
def report_open(error: ReportOpen):
    """A report page refused because another report is open: say so, and link to it."""
    if request.headers.get("HX-Request"):
        return render_error(error.status, error.message)
    return render_template("reporting/open_report.html", message=error.message,
                           status=error.status, response=error.response), error.status


def _home_page(home, status: int = 200, notice: str | None = None):
    return render_template("reporting/home.html", home=home, notice=notice,
                           start_form=StartForm(), discard_form=DiscardForm()), status


@bp.get("/reporting/<survey_key>")
@allow(Permission.answer_surveys)
def home(survey_key: str):
    return _home_page(reporting.open_home(_user(), survey_key))


@bp.post("/reporting/<survey_key>/start")
@allow(Permission.answer_surveys)
def start(survey_key: str):
    user = _user()
    form = StartForm()
    try:
        period_key = reporting.start(user, survey_key, form.kind.data or "")
    except Refused as refused:
        if refused.status == 404:
            raise
        return _home_page(reporting.open_home(user, survey_key), refused.status,
                          refused.message)
    return redirect(url_for("surveys.fill", survey_key=survey_key, period_key=period_key), 303)


@bp.post("/reporting/<survey_key>/discard")
@allow(Permission.answer_surveys)
def discard(survey_key: str):
    user = _user()
    form = DiscardForm()
    response_id = form.response_id.data or ""
    try:
        if not response_id.isdigit():
            raise invalid("削除する報告を選んでください。")
        reporting.discard(user, survey_key, int(response_id))
    except Refused as refused:
        if refused.status == 404:
            raise
        return _home_page(reporting.open_home(user, survey_key), refused.status,
                          refused.message)
    session.commit()
    flash("作成中の報告を削除しました。", "success")
    return redirect(url_for("reporting.home", survey_key=survey_key), 303)


# --- 定期報告期間 -----------------------------------------------------------------------

def _windows_page(fiscal_year: int, status: int = 200, typed=None, notice=None):
    page = reporting.windows_page(_user(), fiscal_year)
    return render_template("reporting/windows.html", page=page, typed=typed, notice=notice,
                           form=WindowForm(), years=_years()), status


def _years() -> list[int]:
    this = periods.fiscal_year_of(periods.today(utcnow()))
    return [this - 1, this, this + 1]


@bp.get("/reporting/windows")
@allow(Permission.manage_surveys)
def windows():
    today = periods.today(utcnow())
    return _windows_page(reporting.fiscal_year_asked(request.args.get("year"), today))


@bp.post("/reporting/windows")
@allow(Permission.set_report_windows)
def set_window():
    form = WindowForm()
    typed = reporting.WindowInput(
        survey_key=(form.survey.data or "")[:100], fiscal_year=(form.fiscal_year.data or "")[:10],
        starts_on=(form.starts_on.data or "")[:40], ends_on=(form.ends_on.data or "")[:40])
    today = periods.today(utcnow())
    shown = reporting.fiscal_year_asked(typed.fiscal_year.strip(), today)
    try:
        window = reporting.set_window(_user(), typed)
    except Refused as refused:
        return _windows_page(shown, refused.status, typed=typed, notice=refused.message)
    label = f"{window.starts_on:%Y年%-m月%-d日}〜{window.ends_on:%Y年%-m月%-d日}"
    session.commit()
    flash(f"定期報告期間を{label}に設定しました。", "success")
    return redirect(url_for("reporting.windows", year=shown), 303)
