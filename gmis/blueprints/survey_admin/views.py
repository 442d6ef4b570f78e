"""調査定義の管理: surveys and their versions, uploading a definition, a version's preview and
diff, publishing it (after a confirmation) and going back to the previous version. National
and secretariat users manage nationwide versions, a prefecture its own extension of them."""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from gmis.access import Permission, allow
from gmis.blueprints.survey_admin.forms import PublishForm, UploadForm, WithdrawForm
from gmis.db import session
from gmis.models import VersionStatus
from gmis.refusals import Refused
from gmis.surveys import publishing
from gmis.surveys.engine.errors import DefinitionError
from gmis.surveys.runtime import compiled
from gmis.surveys.store import drafts, impacts
from gmis.web import render_error

bp = Blueprint("survey_admin", __name__, url_prefix="/admin/surveys")


@bp.url_value_preprocessor
def upload_limits(endpoint, values):
    # URL value preprocessors run before the app's before_request hooks, where the CSRF check
    # reads the form: the limits have to be set before the body is parsed. They leave room
    # for multipart overhead; the 1 MB limit itself is checked with a clear message.
    if endpoint == "survey_admin.upload":
        request.max_content_length = 3 * publishing.MAX_BYTES
        request.max_form_memory_size = publishing.MAX_BYTES + 64 * 1024


@bp.errorhandler(413)
def too_large(error):
    if request.endpoint != "survey_admin.upload":
        return render_error(413)
    form = UploadForm(formdata=None)
    form.file.errors = ["送信されたデータが大きすぎます。ファイル・貼り付けとも1MBまでです。"]
    return _upload_page(form), 413


def _user():
    return current_user._get_current_object()


@bp.get("")
@allow(Permission.manage_surveys)
def index():
    user = _user()
    rows = publishing.survey_rows(user)
    counts = publishing.answer_counts(user, [v.id for row in rows for v in row.versions])
    withdrawn_by = {v.id: publishing.user_name(v.withdrawn_by_id)
                    for row in rows for v in row.versions if v.withdrawn_from}
    return render_template("survey_admin/index.html", rows=rows, counts=counts,
                           withdrawn_by=withdrawn_by,
                           scope_label=publishing.scope_label(user),
                           today=publishing.today_in_japan())


def _upload_page(form, problems=(), source=None):
    user = _user()
    return render_template("survey_admin/upload.html", form=form, problems=problems,
                           source=source, scope_label=publishing.scope_label(user),
                           extendable=publishing.extendable_versions(user),
                           max_bytes=publishing.MAX_BYTES)


@bp.route("/upload", methods=["GET", "POST"])
@allow(Permission.manage_surveys)
def upload():
    form = UploadForm()
    if request.method == "GET":
        return _upload_page(form)
    try:
        imported = publishing.upload_definition(
            _user(), publishing.read_upload(form.file.data, form.text.data))
        session.commit()
    except publishing.UploadRefused as refused:
        getattr(form, refused.field).errors = [refused.message]
        return _upload_page(form), refused.status
    except DefinitionError as error:
        session.rollback()
        return _upload_page(form, error.problems, error.source), 422
    except IntegrityError:
        # Two uploads of one survey at the same moment took the same version number.
        session.rollback()
        form.file.errors = ["同じ調査の版が同時に登録されました。もう一度送信してください。"]
        return _upload_page(form), 409
    version = imported.version
    if imported.created:
        flash(f"版{version.number}(下書き)として登録しました。内容と差分を確認して公開してください。",
              "success")
    else:
        flash(f"同じ内容の版{version.number}がすでにあるため、新しい版は作りませんでした。")
    return redirect(url_for("survey_admin.version", version_id=version.id), 303)


def _version_page(version, form, error=None, status=200):
    user = _user()
    against = publishing.compared_with(version)
    show_all = request.args.get("all") == "1"
    try:
        survey = compiled(version)
        diff = publishing.version_diff(version, against)
        old = compiled(against).definition if against is not None else None
    except DefinitionError as broken:
        # A stored version that no longer compiles, e.g. a plugin field type uninstalled.
        survey, diff, sections, broken_problems, impact = None, None, [], broken.problems, None
    else:
        sections, broken_problems = publishing.preview(survey, show_all), []
        impact = impacts.impact_report(version, survey, against, old, diff) \
            if version.status == VersionStatus.draft else None
    context = dict(
        version=version, against=against, diff=diff, sections=sections, impact=impact,
        builds=drafts.way_to_start(user, version),
        broken_problems=broken_problems, show_all=show_all,
        hidden_count=publishing.hidden_count(sections), form=form, error=error,
        may_publish=version.status == VersionStatus.draft and publishing.may_publish(
            user, version),
        may_withdraw=publishing.may_withdraw(user, version),
        withdrawn_by=publishing.user_name(version.withdrawn_by_id),
        restored=publishing.restored_by(version),
        created_by=publishing.user_name(version.created_by_id),
        published_by=publishing.user_name(version.published_by_id),
        today=publishing.today_in_japan(), type_labels=publishing.type_labels(),
    )
    return render_template("survey_admin/version.html", **context), status


@bp.get("/versions/<int:version_id>")
@allow(Permission.manage_surveys)
def version(version_id: int):
    found = publishing.version_in_scope(_user(), version_id)
    return _version_page(found, PublishForm.starting(publishing.tomorrow_in_japan()))


def _confirmation(change: publishing.Replacement, form, action: str, notice=None, status=200):
    return render_template("survey_admin/confirm.html", change=change, form=form,
                           action=action, notice=notice, type_labels=publishing.type_labels(),
                           today=publishing.today_in_japan()), status


@bp.post("/versions/<int:version_id>/publish")
@allow(Permission.manage_surveys)
def publish(version_id: int):
    user = _user()
    found = publishing.version_to_publish(user, version_id)
    form = PublishForm()
    if not form.validate():
        return _version_page(found, form, status=422)
    try:
        change = publishing.publication(found, form.effective_from.data)
        if form.confirmed.data != "yes":
            # Publishing changes what every respondent of the scope answers: first say what.
            form.confirmed.data = "yes"
            return _confirmation(change, form, "publish")
        publishing.publish_version(user, found, form.effective_from.data)
    except Refused as refused:
        session.rollback()
        return _version_page(found, form, error=refused.message, status=refused.status)
    session.commit()
    flash(f"版{found.number}を{found.effective_from:%Y/%m/%d}から適用するよう公開しました。",
          "success")
    return redirect(url_for("survey_admin.version", version_id=found.id), 303)


@bp.route("/versions/<int:version_id>/withdraw", methods=["GET", "POST"])
@allow(Permission.manage_surveys)
def withdraw(version_id: int):
    """前の版に戻す: GET and an unconfirmed POST show what would happen; only a POST naming
    the version the confirmation showed does it."""
    user = _user()
    found = publishing.version_to_publish(user, version_id)
    today = publishing.today_in_japan()
    posted = request.method == "POST"
    form = WithdrawForm() if posted else WithdrawForm.starting(today)
    valid = not posted or form.validate()
    try:
        change = publishing.withdrawal(found, form.withdrawn_from.data if valid else today)
    except Refused as refused:
        return _version_page(found, PublishForm.starting(publishing.tomorrow_in_japan()),
                             error=refused.message, status=refused.status)
    shown = form.restores.data if posted else None
    if not valid or shown != str(change.version.id):
        form.restores.data = str(change.version.id)
        notice = ("前の版に戻す日を変えたため、戻る版が変わりました。内容を確かめてください。"
                  if valid and shown else None)
        return _confirmation(change, form, "withdraw", notice=notice,
                             status=200 if valid else 422)
    restored = publishing.withdraw_version(user, found, form.withdrawn_from.data)
    session.commit()
    flash(f"{found.withdrawn_from:%Y/%m/%d}から版{restored.number}に戻しました"
          f"(版{found.number}で答えた回答はそのままです)。", "success")
    return redirect(url_for("survey_admin.index"), 303)


@bp.get("/versions/<int:version_id>/definition")
@allow(Permission.manage_surveys)
def definition(version_id: int):
    found = publishing.version_in_scope(_user(), version_id)
    name = f"{found.survey.key}-v{found.number}.yaml"
    return Response(publishing.definition_yaml(found), mimetype="text/yaml",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
