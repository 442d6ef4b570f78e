"""The builder's routes: the list of drafts and how to start one, the editor, one route per
kind of change, undo and redo, trying logic, the preview, export and import, and sending a
draft to publishing."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from gmis import access
from gmis.access import Permission, allow
from gmis.blueprints.survey_builder import bp
from gmis.blueprints.survey_builder.forms import BlankForm, FromVersionForm, UploadForm
from gmis.db import session
from gmis.refusals import Refused
from gmis.surveys import drafting
from gmis.surveys.engine import authoring, limits
from gmis.surveys.engine.authoring import EditRefused
from gmis.surveys.engine.document import too_large
from gmis.surveys.engine.errors import DefinitionError
from gmis.surveys.engine.settings import read_settings
from gmis.surveys.publishing import scope_label, version_in_scope
from gmis.surveys.runtime import field_types
from gmis.surveys.store import drafts
from gmis.web import content_disposition, render_error


def _user():
    return current_user._get_current_object()


def _draft(draft_id: int, *, for_update: bool = False):
    return drafts.draft_for(_user(), draft_id, for_update=for_update)


def _revision() -> int:
    text = request.form.get("revision", "")
    return int(text) if text.isdigit() and len(text) < 10 else -1


# --- the list ----------------------------------------------------------------------------

def _index_page(blank=None, start=None, upload=None, problems=(), status=200):
    user = _user()
    start = start or FromVersionForm(formdata=None)
    versions = drafts.versions_to_start_from(user)
    start.version.choices = [SelectChoice(v.id, f"{v.title}({v.survey.key})版{v.number}・"
                                                f"{v.scope_label}・{v.status.label}")
                             for v in versions]
    if access.survey_owner(user) is None:
        # The national office's surveys are the ones prefectures extend.
        start.how.choices = [c for c in start.how.choices if c.value != "extension"]
    return render_template(
        "survey_builder/index.html", drafts=drafts.drafts_of(user),
        blank=blank or BlankForm(formdata=None), start=start,
        upload=upload or UploadForm(formdata=None), problems=problems,
        scope_label=scope_label(user)), status


@bp.get("")
@allow(Permission.manage_surveys)
def index():
    return _index_page()


@bp.post("/new")
@allow(Permission.manage_surveys)
def start_blank():
    form = BlankForm()
    if not form.validate():
        return _index_page(blank=form, status=422)
    try:
        draft = drafts.start_blank(_user(), form.key.data, form.title.data.strip(),
                                   form.period.data)
    except Refused as refused:
        form.key.errors = [refused.message]
        return _index_page(blank=form, status=refused.status)
    session.commit()
    return redirect(url_for(".editor", draft_id=draft.id), 303)


@bp.post("/from-version")
@allow(Permission.manage_surveys)
def start_from_version():
    form = FromVersionForm()
    user = _user()
    if not form.validate():
        return _index_page(start=form, status=422)
    version = version_in_scope(user, form.version.data or 0)
    try:
        if form.how.data == "copy":
            if not form.key.data or not form.title.data.strip():
                form.key.errors = ["コピーするときは、新しい調査キーと調査名を入力してください。"]
                return _index_page(start=form, status=422)
            draft = drafts.start_copy(user, version, form.key.data, form.title.data.strip())
        elif form.how.data == "extension":
            draft = drafts.start_extension(user, version)
        else:
            draft = drafts.start_new_version(user, version)
    except Refused as refused:
        form.how.errors = [refused.message]
        return _index_page(start=form, status=refused.status)
    session.commit()
    return redirect(url_for(".editor", draft_id=draft.id), 303)


def _uploaded_text(storage) -> tuple[str | None, str]:
    if storage is None or not storage.filename:
        return None, "ファイルを選んでください。"
    # One byte past the format's limit on a definition is enough to refuse it by size.
    data = storage.stream.read(limits.MAX_DEFINITION_BYTES + 1)
    message = too_large(len(data))
    if message:
        return None, message
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        return None, "ファイルを文字コード UTF-8 で保存してから、もう一度選んでください。"


@bp.post("/upload")
@allow(Permission.manage_surveys)
def start_from_file():
    form = UploadForm()
    text, message = _uploaded_text(form.file.data)
    if text is None:
        form.file.errors = [message]
        return _index_page(upload=form, status=422)
    try:
        draft = drafts.start_from_file(_user(), text, form.file.data.filename[:100],
                                       field_types())
    except DefinitionError as error:
        session.rollback()
        return _index_page(upload=form, problems=error.problems, status=422)
    session.commit()
    return redirect(url_for(".editor", draft_id=draft.id), 303)


# --- the editor ----------------------------------------------------------------------------

def _editor_context(draft, item: str, *, refused: EditRefused | None = None,
                    settings_refused: drafting.SettingsRefused | None = None,
                    message: str | None = None) -> dict:
    registry = field_types()
    locked = drafts.locked_keys(draft)
    problems = drafts.problems(draft, registry)
    kind, _, key = item.partition(":")
    selected = drafting.selection(draft.document, registry, kind, key)
    if selected is None:
        kind, key, selected = "survey", "", drafting.selection(draft.document, registry,
                                                                 "survey", "")
    undo, redo = drafts.history(draft)
    return dict(
        draft=draft, registry=registry, locked=locked, problems=problems,
        problems_by_item=drafting.problems_by_item(draft.document, problems),
        item_of=lambda path: drafting.item_of(draft.document, path),
        outline=drafting.outline(draft.document, registry, locked, problems),
        kind=kind, key=key, selected=selected, palette=registry.palette(),
        can_undo=drafts.can_undo(draft), undo=undo, redo=redo,
        refused=refused, settings_refused=settings_refused, message=message,
        query=request.args.get("q", "")[:100],
    )


#: The settings forms: each saves as it is typed into, without moving the focus.
SETTINGS_SAVES = frozenset({"survey_builder.survey_settings", "survey_builder.section_settings",
                            "survey_builder.field_settings", "survey_builder.rule_settings"})


def _editor(draft, item: str, status: int = 200, **context):
    values = _editor_context(draft, item, **context)
    shown = values["kind"] + (f":{values['key']}" if values["key"] else "")
    # A change that opens another item (a field added from the palette, the section of a
    # deleted field) moves the focus to that item's heading, and so into view.
    values["opened"] = bool(request.headers.get("HX-Request")) and shown != request.form.get(
        "item", shown) and request.endpoint not in SETTINGS_SAVES
    template = "survey_builder/_editor.html" if request.headers.get("HX-Request") \
        else "survey_builder/editor.html"
    response = make_response(render_template(template, **values), status)
    # Every form of the page sends the revision it was drawn for (app.js keeps them current).
    response.headers["X-Draft-Revision"] = str(draft.revision)
    if request.headers.get("HX-Request") and (status >= 400 or shown != request.form.get(
            "item", shown)):
        # A settings form saves without redrawing what is being typed; a refusal (shown
        # with what was typed) or a renamed item redraws the whole editor instead.
        response.headers["HX-Retarget"] = "#builder"
        response.headers["HX-Reswap"] = "outerHTML"
    return response


@bp.get("/<int:draft_id>")
@allow(Permission.manage_surveys)
def editor(draft_id: int):
    return _editor(_draft(draft_id), request.args.get("item", "survey")[:200])


def _changed(draft, item: str, message: str | None = None):
    """After a change: the editor again (htmx), or the page loaded again."""
    session.commit()
    if request.headers.get("HX-Request"):
        return _editor(draft, item, message=message)
    if message:
        flash(message, "success")
    return redirect(url_for(".editor", draft_id=draft.id, item=item), 303)


def _asked_at() -> str:
    """The item that was open when the change was asked for, where a refusal is shown: the
    one the route names, else the one the form says."""
    key = (request.view_args or {}).get("key")
    if key is not None:
        endpoint = request.endpoint or ""
        kind = "section" if "section" in endpoint else "rule" if "rule" in endpoint else "field"
        return f"{kind}:{key}"
    return request.form.get("item", "survey")[:200]


def _apply(draft_id: int, edit: Callable, summary: str, item: str | Callable[[], str]):
    """One change: applied to the draft as shown, kept as a step. A refusal (a conflict, a
    change the format does not allow) is shown in the editor with what was typed kept."""
    draft = _draft(draft_id, for_update=True)
    try:
        drafts.change(draft, _revision(), edit, summary, _user())
    except EditRefused as refused:
        session.rollback()
        return _editor(_draft(draft_id), _asked_at(), 422, refused=refused)
    except drafting.SettingsRefused as refused:
        session.rollback()
        return _editor(_draft(draft_id), _asked_at(), 422, settings_refused=refused)
    except Refused as refused:
        session.rollback()
        if refused.status != 409:
            raise
        return _editor(_draft(draft_id), _asked_at(), 409, message=refused.message)
    return _changed(draft, item() if callable(item) else item)


@bp.post("/<int:draft_id>/survey")
@allow(Permission.manage_surveys)
def survey_settings(draft_id: int):
    keeps_key = drafts.keeps_key(_draft(draft_id))
    return _apply(draft_id, lambda d: drafting.survey_settings(d, request.form, keeps_key),
                  "調査の設定を変更", "survey")


@bp.post("/<int:draft_id>/sections")
@allow(Permission.manage_surveys)
def add_section(draft_id: int):
    added = {}

    def edit(document):
        document, added["key"] = authoring.add_section(
            document, request.form.get("title", "")[:200], request.form.get("after") or None)
        return document

    return _apply(draft_id, edit, "セクションを追加", lambda: f"section:{added['key']}")


@bp.post("/<int:draft_id>/sections/<key>")
@allow(Permission.manage_surveys)
def section_settings(draft_id: int, key: str):
    renamed = {}

    def edit(document):
        document = drafting.section_settings(document, key, request.form)
        renamed["key"] = read_settings(drafting.SECTION_SETTINGS, request.form,
                                       "section").get("key", key)
        return document

    title = request.form.get("section.title", "").strip()[:40] or key
    return _apply(draft_id, edit, f"セクション「{title}」を変更",
                  lambda: f"section:{renamed['key']}")


@bp.post("/<int:draft_id>/sections/<key>/move")
@allow(Permission.manage_surveys)
def move_section(draft_id: int, key: str):
    offset = -1 if request.form.get("direction") == "up" else 1
    return _apply(draft_id, lambda d: authoring.move_section(d, key, offset),
                  "セクションを移動", f"section:{key}")


@bp.post("/<int:draft_id>/sections/<key>/delete")
@allow(Permission.manage_surveys)
def delete_section(draft_id: int, key: str):
    locked = drafts.locked_keys(_draft(draft_id))
    return _apply(draft_id, lambda d: authoring.delete_section(d, key, locked),
                  "セクションを削除", "survey")


@bp.post("/<int:draft_id>/fields")
@allow(Permission.manage_surveys)
def add_field(draft_id: int):
    field_type = field_types().get(request.form.get("type", ""))
    if field_type is None:
        return render_error(422, "追加する項目の種類を選んでください。")
    added = {}

    def edit(document):
        document, added["key"] = authoring.add_field(
            document, request.form.get("section", ""), field_type.name,
            f"新しい{field_type.label}の項目", after=request.form.get("after") or None,
            settings=drafting.starting_settings(field_type))
        return document

    return _apply(draft_id, edit, f"{field_type.label}の項目を追加",
                  lambda: f"field:{added['key']}")


@bp.post("/<int:draft_id>/fields/<key>")
@allow(Permission.manage_surveys)
def field_settings(draft_id: int, key: str):
    draft = _draft(draft_id)
    locked = drafts.locked_keys(draft)
    updated = {}

    def edit(document):
        document, updated["key"] = drafting.field_update(document, key, request.form,
                                                         field_types(), locked)
        return document

    label = request.form.get("field.label", "").strip()[:40] or key
    return _apply(draft_id, edit, f"項目「{label}」を変更", lambda: f"field:{updated['key']}")


@bp.post("/<int:draft_id>/fields/<key>/type")
@allow(Permission.manage_surveys)
def change_type(draft_id: int, key: str):
    field_type = field_types().get(request.form.get("type", ""))
    if field_type is None:
        return render_error(422, "項目の種類を選んでください。")
    locked = drafts.locked_keys(_draft(draft_id))
    return _apply(draft_id, lambda d: authoring.change_type(d, key, field_type.name, locked),
                  f"項目の種類を{field_type.label}に変更", f"field:{key}")


@bp.post("/<int:draft_id>/fields/<key>/move")
@allow(Permission.manage_surveys)
def move_field(draft_id: int, key: str):
    section = request.form.get("section")
    if section:
        position = request.form.get("index", "")
        index = int(position) if position.isdigit() and len(position) < 5 else 0
        return _apply(draft_id, lambda d: authoring.move_field_to(d, key, section, index),
                      "項目を移動", f"field:{key}")
    offset = -1 if request.form.get("direction") == "up" else 1
    return _apply(draft_id, lambda d: authoring.move_field(d, key, offset), "項目を移動",
                  f"field:{key}")


@bp.post("/<int:draft_id>/fields/<key>/duplicate")
@allow(Permission.manage_surveys)
def duplicate_field(draft_id: int, key: str):
    added = {}

    def edit(document):
        document, added["key"] = authoring.duplicate_field(document, key)
        return document

    return _apply(draft_id, edit, "項目を複製", lambda: f"field:{added['key']}")


@bp.post("/<int:draft_id>/fields/<key>/delete")
@allow(Permission.manage_surveys)
def delete_field(draft_id: int, key: str):
    locked = drafts.locked_keys(_draft(draft_id))
    section = drafting.section_of(_draft(draft_id).document, key)
    return _apply(draft_id, lambda d: authoring.delete_field(d, key, locked), "項目を削除",
                  f"section:{section}" if section else "survey")


@bp.post("/<int:draft_id>/rules")
@allow(Permission.manage_surveys)
def add_rule(draft_id: int):
    added = {}

    def edit(document):
        document, added["key"] = authoring.add_rule(document, "true", "回答を確認してください。")
        return document

    return _apply(draft_id, edit, "ルールを追加", lambda: f"rule:{added['key']}")


@bp.post("/<int:draft_id>/rules/<key>")
@allow(Permission.manage_surveys)
def rule_settings(draft_id: int, key: str):
    return _apply(draft_id, lambda d: drafting.rule_update(d, key, request.form), "ルールを変更",
                  f"rule:{key}")


@bp.post("/<int:draft_id>/rules/<key>/delete")
@allow(Permission.manage_surveys)
def delete_rule(draft_id: int, key: str):
    return _apply(draft_id, lambda d: authoring.delete_rule(d, key), "ルールを削除", "rules")


# --- undo and redo -----------------------------------------------------------------------------

def _walk(draft_id: int, step: Callable, done: str):
    draft = _draft(draft_id, for_update=True)
    try:
        summary = step(draft, _revision(), _user())
    except Refused as refused:
        session.rollback()
        if refused.status != 409:
            raise
        return _editor(_draft(draft_id), request.form.get("item", "survey"), 409,
                       message=refused.message)
    return _changed(draft, request.form.get("item", "survey")[:200], f"「{summary}」を{done}。")


@bp.post("/<int:draft_id>/undo")
@allow(Permission.manage_surveys)
def undo(draft_id: int):
    return _walk(draft_id, drafts.undo, "元に戻しました")


@bp.post("/<int:draft_id>/redo")
@allow(Permission.manage_surveys)
def redo(draft_id: int):
    return _walk(draft_id, drafts.redo, "やり直しました")


# --- trying logic ------------------------------------------------------------------------

@bp.post("/<int:draft_id>/try")
@allow(Permission.manage_surveys)
def try_logic(draft_id: int):
    draft = _draft(draft_id)
    trial = drafting.trial(draft.document, field_types(), request.form.get("field") or None,
                           request.form.get("rule") or None, request.form)
    return render_template("survey_builder/_trial.html", trial=trial)


@bp.post("/<int:draft_id>/check")
@allow(Permission.manage_surveys)
def check_expression(draft_id: int):
    draft = _draft(draft_id)
    name = request.form.get("expression_input", "")
    text = request.form.get(name, "") if name.count(".") == 1 else ""
    check = drafting.check_expression(draft.document, text[:limits.MAX_EXPRESSION_LENGTH * 2])
    return render_template("survey_builder/_check.html", check=check, input_name=name)


# --- preview, file, publishing -------------------------------------------------------------

@bp.route("/<int:draft_id>/preview", methods=["GET", "POST"])
@allow(Permission.manage_surveys)
def preview(draft_id: int):
    draft = _draft(draft_id)
    width = "phone" if request.values.get("width") == "phone" else "desktop"
    preview = drafting.preview(draft.document, field_types(),
                               request.form if request.method == "POST" else None,
                               request.form.get("go") or request.values.get("section"))
    if preview is None:
        flash("定義に誤りがあるため、プレビューできません。一覧の誤りを直してください。", "error")
        return redirect(url_for(".editor", draft_id=draft.id), 303)
    template = ("survey_builder/_preview_form.html" if request.headers.get("HX-Request")
                else "survey_builder/preview.html")
    return render_template(template, draft=draft, preview=preview, width=width)


@bp.get("/<int:draft_id>/export")
@allow(Permission.manage_surveys)
def export(draft_id: int):
    draft = _draft(draft_id)
    name = f"{draft.survey_key or 'survey'}.yaml"
    return Response(authoring.to_yaml(draft.document), mimetype="application/x-yaml",
                    headers={"Content-Disposition": content_disposition(name)})


@bp.post("/<int:draft_id>/import")
@allow(Permission.manage_surveys)
def import_file(draft_id: int):
    draft = _draft(draft_id, for_update=True)
    text, message = _uploaded_text(request.files.get("file"))
    if text is None:
        session.rollback()
        return _editor(draft, "file", 422, message=message)
    try:
        document = drafts.document_from_file(text, request.files["file"].filename[:100],
                                             field_types())
    except DefinitionError as error:
        session.rollback()
        return _editor(draft, "file", 422, message="ファイルを読み込めませんでした: "
                       + " ".join(str(p) for p in error.problems[:3]))
    if drafts.keeps_key(draft) and document.get("key") != draft.survey_key:
        session.rollback()
        return _editor(draft, "file", 422, message="都道府県の版では、調査キーは全国版と同じです。")
    return _apply(draft_id, lambda _: document, "ファイルを読み込み", "survey")


@bp.post("/<int:draft_id>/publish")
@allow(Permission.manage_surveys)
def send_to_publishing(draft_id: int):
    draft = _draft(draft_id, for_update=True)
    try:
        version = drafts.send_to_publishing(draft, _revision(), field_types(), _user())
    except DefinitionError:
        session.rollback()
        return _editor(_draft(draft_id), "problems", 422,
                       message="誤りがあるため、公開の手続きに進めません。一覧の誤りを直してください。")
    except Refused as refused:
        session.rollback()
        if refused.status != 409:
            raise
        return _editor(_draft(draft_id), "survey", 409, message=refused.message)
    session.commit()
    flash(f"版{version.number}(下書き)として登録しました。差分と影響を確認し、適用開始日を選んで"
          "公開してください。", "success")
    target = url_for("survey_admin.version", version_id=version.id)
    if request.headers.get("HX-Request"):
        return make_response("", 204, {"HX-Redirect": target})
    return redirect(target, 303)
