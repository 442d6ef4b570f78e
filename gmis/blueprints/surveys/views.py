"""調査への回答: the surveys to answer, the fill page (whole page, or its fragments for
htmx), a field checked as it changes, autosave, a response with its history and review, and
前日から変更なし (a period submitted as the previous one stood, after one confirmation)."""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from htmx_flask import make_response

from gmis.access import Permission, allow
from gmis.blueprints.surveys import fill_page
from gmis.blueprints.surveys.forms import AcceptForm, FillAction, ReturnForm
from gmis.db import session
from gmis.models import ResponseStatus, Role
from gmis.surveys import answering, reporting, runtime
from gmis.surveys.store import eligibility, responses, submission
from gmis.surveys.store.responses import Conflict
from gmis.surveys.store.submission import Action, Result
from gmis.surveys.store.unchanged import SOURCE_LABELS, action_label, unchanged_day
from gmis.web import correction_link, render_error

bp = Blueprint("surveys", __name__)


def _user():
    return current_user._get_current_object()


def _see_other(url: str):
    """After a POST: 303, which htmx follows itself when it stays on the fill page; a
    move to another page must load that page whole."""
    if request.htmx and url.split("?")[0] != request.path:
        return make_response("", 204, redirect=url)
    return redirect(url, 303)


def _render(page, answers, section, status: int = 200, **extra):
    context = fill_page.page_context(page, answers, section, **extra)
    fragment = request.htmx and not request.htmx.history_restore_request
    html = render_template("surveys/_form.html" if fragment else "surveys/fill.html", **context)
    return html, status, {"Vary": "HX-Request"}


@bp.get("/surveys")
@allow(Permission.answer_surveys)
def index():
    user = _user()
    facility_arg = request.args.get("facility")
    members = eligibility.members(user) if user.role == Role.aggregator else None
    respondent = None
    if members is None or facility_arg:
        respondent = answering.respondent_for(user, facility_arg)
    listed = answering.answered_surveys(respondent) if respondent else []
    return render_template("surveys/index.html", respondent=respondent, listed=listed,
                           members=members, facility_arg=facility_arg)


@bp.get("/surveys/<survey_key>/on")
@allow(Permission.answer_surveys)
def open_day(survey_key: str):
    """The fill page of the period holding a chosen day (for days further back than the
    list shows)."""
    survey = answering.survey_named(survey_key)
    try:
        day = datetime.strptime(request.args.get("date", "").strip(), "%Y-%m-%d").date()
    except ValueError:
        return render_error(400, "日付を「2026-12-01」の形で入力してください。")
    period_key = answering.period_on(survey, day)
    return redirect(url_for("surveys.fill", survey_key=survey_key, period_key=period_key,
                            facility=request.args.get("facility") or None), 303)


@bp.route("/surveys/<survey_key>/<period_key>", methods=["GET", "POST"])
@allow(Permission.answer_surveys)
def fill(survey_key: str, period_key: str):
    user = _user()
    page = fill_page.open_page(user, survey_key, period_key, request.args.get("facility"))
    if page.target.status == ResponseStatus.accepted:
        return _see_other(url_for("surveys.response", response_id=page.target.response.id))
    if request.method == "GET":
        section = page.section(request.args.get("section"))
        return _render(page, responses.evaluate_stored(page.target), section)

    fill_action = FillAction.of(request.form)
    section = page.posted_section(request.form)
    if fill_action.section is not None and fill_action.section not in {
            s.key for s in page.compiled.sections}:
        abort(400)
    correcting = page.correcting
    outcome = submission.submit(page.target, request.form, fill_action.action, user=user)
    answers = outcome.answers
    if outcome.result is Result.CONFLICT:
        return _render(page, answers, page.section(section), 409, conflict=outcome.conflict)
    if outcome.result is Result.REFUSED:
        return _render(page, answers, page.section(section), outcome.refused.status,
                       notice=outcome.refused.message)
    if outcome.result is Result.DISCARDED:
        if outcome.changed:
            session.commit()
            flash("修正を取り消しました。提出済みの内容のままです。", "success")
        return _see_other(page.url(section=section) if section else page.url())
    saved = outcome.saved
    response_id = saved.response.id if saved.response is not None else None
    session.commit()  # expires the objects: what is needed after it was read before
    if outcome.result is Result.NOT_SUBMITTED:
        summary = fill_page.error_summary(page.compiled, answers)
        return _render(page, answers, fill_page.first_error_section(page, summary, section),
                       422, summary=summary)
    if outcome.result is Result.SUBMITTED:
        flash(("修正した内容を提出しました。" if correcting else "提出しました。")
              if outcome.changed else "この内容で提出済みです。", "success")
        return _see_other(url_for("surveys.response", response_id=response_id))
    if outcome.type_errors:
        # Kept as typed, but worth saying before the person moves on.
        return _render(page, answers, section, 422,
                       summary=fill_page.error_summary(page.compiled, answers),
                       notice="一時保存しました。誤りのある項目は入力のまま保存しています"
                              "(提出する前に直してください)。")
    following = fill_action.section or section
    return _see_other(page.url(section=following) if following else page.url())


@bp.post("/surveys/<survey_key>/<period_key>/validate")
@allow(Permission.answer_surveys)
def validate(survey_key: str, period_key: str):
    page = fill_page.open_page(_user(), survey_key, period_key, request.args.get("facility"))
    view, changed, context = fill_page.validation(page, request.form)
    html = render_template("surveys/_validated.html", view=view, changed=changed, **context)
    return html, 422 if view.errors else 200


@bp.post("/surveys/<survey_key>/<period_key>/save")
@allow(Permission.answer_surveys)
def autosave(survey_key: str, period_key: str):
    user = _user()
    page = fill_page.open_page(user, survey_key, period_key, request.args.get("facility"))
    response = page.target.response
    outcome = submission.submit(page.target, request.form, Action.SAVE, user=user)
    context = dict(page=page, answers=outcome.answers, response=response)
    if outcome.result is Result.CONFLICT:
        return render_template("surveys/_autosave.html", conflict=outcome.conflict,
                               **context), 409
    if outcome.result is Result.REFUSED:
        return render_template("surveys/_autosave.html", refused=outcome.refused.message,
                               **context), outcome.refused.status
    session.commit()
    context["response"] = outcome.saved.response
    return render_template("surveys/_autosave.html", saved=outcome.saved, **context)


@bp.get("/responses/<int:response_id>")
@allow(Permission.view_responses)
def response(response_id: int):
    return _response_page(answering.response_in_scope(_user(), response_id))


def _response_page(response, status: int = 200, **forms):
    user = _user()
    compiled = runtime.compiled(response.version)
    answerer = answering.may_answer(user, response)
    events, history = answering.field_history(compiled, response, drafts_included=answerer)
    reviewer = answering.may_review(user, response)
    forms.setdefault("return_form", ReturnForm())
    forms.setdefault("accept_form", AcceptForm())
    return render_template(
        "surveys/response.html", response=response, survey=compiled,
        period=answering.parse_period(response.period_key),
        respondent=eligibility.respondent_of_response(response),
        answers=answering.answers_view(compiled, response), events=events, history=history,
        reviewer=reviewer, answerer=answerer,
        fill_url=_fill_url(user, response), event_labels=responses.EVENT_LABELS,
        # 変更した項目: a report against the information published before it.
        published_changes=reporting.published_differences(compiled, response),
        **forms), status


def _fill_url(user, response) -> str:
    facility = response.facility_id if user.role == Role.aggregator else None
    return url_for("surveys.fill", survey_key=response.survey.key,
                   period_key=response.period_key, facility=facility)



@bp.post("/responses/<int:response_id>/return")
@allow(Permission.review_responses)
def return_response(response_id: int):
    user = _user()
    response = answering.response_in_scope(user, response_id)
    if not answering.may_review(user, response):
        abort(403)
    form = ReturnForm()
    if not form.validate():
        return _response_page(response, 422, return_form=form)
    if responses.return_response(response, user, form.comment.data):
        answering.notify_returned(response, form.comment.data.strip(),
                                  correction_link(response))
        session.commit()
        flash("差し戻しました。回答者に修正を依頼しています。", "success")
    return redirect(url_for("surveys.response", response_id=response.id), 303)


@bp.post("/responses/<int:response_id>/accept")
@allow(Permission.review_responses)
def accept(response_id: int):
    user = _user()
    response = answering.response_in_scope(user, response_id)
    if not answering.may_review(user, response):
        abort(403)
    if responses.accept(response, user):
        session.commit()
        flash("受理しました。", "success")
    return redirect(url_for("surveys.response", response_id=response.id), 303)


# --- 前日から変更なし --------------------------------------------------------------------

bp.add_app_template_global(action_label, "unchanged_label")


@bp.route("/surveys/<survey_key>/<period_key>/unchanged", methods=["GET", "POST"])
@allow(Permission.answer_surveys)
def unchanged(survey_key: str, period_key: str):
    """One confirmation screen of what a period answered "as before" submits; its POST
    submits exactly that, through the same checks and save as the form."""
    user = _user()
    page = fill_page.open_page(user, survey_key, period_key, request.args.get("facility"))
    if request.method == "POST" and page.target.status == ResponseStatus.submitted:
        # A second click of 提出する, or another tab: the submission stands; show it.
        flash("この期間の回答はすでに提出されています。", "success")
        return redirect(url_for("surveys.response", response_id=page.target.response.id), 303)
    day = unchanged_day(page.target)
    if request.method == "GET":
        return _unchanged_page(page, day)
    if not day.submittable:
        return _unchanged_page(page, day, 422)
    if request.form.get("digest") != day.digest:
        return _unchanged_page(page, day, 409, notice=(
            "確認画面を開いた後に前回の回答が変わったため、提出する内容が変わりました。"
            "下の内容を確認して、もう一度「提出する」を押してください。"))
    try:
        saved = responses.save(page.target, day.answers, user=user,
                               revision=submission.revision_of(request.form), submit=True)
    except Conflict:
        return _unchanged_page(page, unchanged_day(page.target), 409, notice=(
            "確認画面を開いた後に、この回答の一時保存が更新されました。"
            "下の内容を確認して、もう一度「提出する」を押してください。"))
    response_id = saved.response.id
    session.commit()
    flash("提出しました。" if saved.changed else "この内容で提出済みです。", "success")
    return redirect(url_for("surveys.response", response_id=response_id), 303)


def _unchanged_page(page, day, status: int = 200, notice: str | None = None):
    target = page.target
    return render_template(
        "surveys/unchanged.html", page=page, day=day, definition=target.compiled.definition,
        period=target.period, respondent=target.respondent, response=target.response,
        revision=target.response.revision if target.response is not None else 0,
        source_labels=SOURCE_LABELS, notice=notice), status
