"""調査ビルダーの下書き in the database: starting one, changing it one step at a time, undo
and redo, and turning it into a version of the survey for the publishing pipeline.

A draft belongs to an organisation (the national office, or one prefecture), not to a
person: whoever of it may manage surveys may continue it. Two people editing the same draft
do not overwrite each other: every change names the revision it was made on, and one made
on an older revision is refused with who changed the draft meanwhile (``Refused``, 409).

The changes themselves are pure (``gmis.surveys.engine.authoring``); this module keeps the
steps. Every change is stored at once, so there is nothing to forget to save.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import sqlalchemy as sa

from gmis import access, audit
from gmis.access import Permission
from gmis.accounts.models import User
from gmis.db import session, utcnow
from gmis.japan_time import to_tokyo
from gmis.refusals import Refused, conflict, invalid, not_found
from gmis.surveys.engine import authoring
from gmis.surveys.engine.authoring import Document, EditRefused
from gmis.surveys.engine.definition import load_definition, parse_text
from gmis.surveys.engine.document import too_large
from gmis.surveys.engine.errors import DefinitionError, Problem
from gmis.surveys.engine.registry import FieldTypeRegistry
from gmis.surveys.store import versions
from gmis.surveys.store.models import (
    DraftOrigin,
    Survey,
    SurveyDraft,
    SurveyDraftStep,
    SurveyVersion,
    VersionStatus,
)

#: Steps kept for undo; older ones are dropped (the draft itself is never lost).
HISTORY_KEPT = 200
#: And about as many bytes of them: each step holds the whole document, and a draft may be
#: as large as a definition file (1 MB), so a large draft keeps fewer steps (20 at 1 MB).
HISTORY_BYTES = 20 * 1024 * 1024


# --- whose ---------------------------------------------------------------------------------

def owner_of(user: User) -> str | None:
    """The organisation a user's drafts belong to (``access.survey_owner``); a user who does
    not manage surveys builds none."""
    if not access.can(user, Permission.manage_surveys):
        raise Refused("調査を作成する権限がありません。")
    return access.survey_owner(user)


def drafts_of(user: User) -> list[SurveyDraft]:
    """The organisation's drafts not yet sent to publishing, the latest changed first."""
    return list(session.scalars(
        sa.select(SurveyDraft)
        .where(access.survey_draft_scope(user), SurveyDraft.version_id.is_(None))
        .order_by(SurveyDraft.updated_at.desc(), SurveyDraft.id.desc())))


def draft_for(user: User, draft_id: int, *, for_update: bool = False) -> SurveyDraft:
    """The draft, or a 404 when it is not the user's organisation's (or does not exist)."""
    statement = sa.select(SurveyDraft).where(SurveyDraft.id == draft_id,
                                             access.survey_draft_scope(user))
    if for_update:
        statement = statement.with_for_update()
    draft = session.scalars(statement).first()
    if draft is None:
        raise not_found()
    return draft


def versions_to_start_from(user: User) -> list[SurveyVersion]:
    """The versions ``user`` may look at, newest first per survey: any may be copied; their
    own scope's may be revised, a published national one extended by a prefecture."""
    return list(session.scalars(
        sa.select(SurveyVersion).where(access.survey_version_scope(user))
        .order_by(SurveyVersion.survey_id, SurveyVersion.number.desc())))


# --- starting ------------------------------------------------------------------------------

def way_to_start(user: User, version: SurveyVersion) -> str | None:
    """How ``user`` may start a draft from ``version`` on its page: the next version of
    their own scope's survey, or a prefecture's extension of a published national one."""
    if not access.can(user, Permission.manage_surveys):
        return None
    owner = access.survey_owner(user)
    if owner is not None and version.prefecture_code is None:
        return "extension" if version.status == VersionStatus.published else None
    return "new_version" if version.prefecture_code == owner else None


def start_blank(user: User, key: str, title: str, period_kind: str) -> SurveyDraft:
    document = authoring.blank(key, title, period_kind)
    _refuse_taken_key(user, key)
    return _start(user, DraftOrigin.blank, document, None, f"新しい調査「{title}」を作成")


def start_copy(user: User, version: SurveyVersion, key: str, title: str) -> SurveyDraft:
    """Another survey made from ``version``: a new key, nothing locked, no prefecture scope."""
    document = dict(version.definition, key=key, title=title)
    authoring.blank(key, title)  # checks the key as a new survey's
    _refuse_taken_key(user, key)
    document = _unlocked(document)
    return _start(user, DraftOrigin.copy, document, version,
                  f"「{version.title}」(版{version.number})をコピー")


def start_new_version(user: User, version: SurveyVersion) -> SurveyDraft:
    """The next version of ``version``'s survey in the same scope, starting as it is."""
    if version.prefecture_code != owner_of(user):
        raise Refused("この版を改訂する権限がありません。")
    return _start(user, DraftOrigin.new_version, dict(version.definition), version,
                  f"版{version.number}から改訂を開始")


def start_extension(user: User, national: SurveyVersion) -> SurveyDraft:
    """A prefecture's own version of a published national survey: the national items as
    they are (the locked ones stay locked), the prefecture's items to be added around them."""
    prefecture = owner_of(user)
    if prefecture is None or national.prefecture_code is not None \
            or national.status != VersionStatus.published:
        raise Refused("都道府県の拡張は、公開中の全国版からのみ作成できます。")
    return _start(user, DraftOrigin.extension, dict(national.definition), national,
                  f"全国版(版{national.number})の拡張を開始")


def document_from_file(text: str, source: str, registry: FieldTypeRegistry) -> Document:
    """The definition of an uploaded file, read with the format's bounds, as a draft's
    document. A file that is not a definition at all (or not of its shape) is a
    DefinitionError; one with mistakes in it is a document all the same, whose problems are
    listed as any draft's."""
    document = versions.plain_data(parse_text(text, source), source)
    if not isinstance(document.get("key"), str):
        raise DefinitionError(source, [Problem("key", "調査のキー(key)がありません。")])
    problems = authoring.shape_problems(document, registry)
    if problems:
        raise DefinitionError(source, problems)
    return document


def start_from_file(user: User, text: str, source: str,
                    registry: FieldTypeRegistry) -> SurveyDraft:
    return _start(user, DraftOrigin.upload, document_from_file(text, source, registry), None,
                  f"ファイル「{source}」を読み込み")


def _start(user: User, origin: DraftOrigin, document: Document,
           based_on: SurveyVersion | None, summary: str) -> SurveyDraft:
    now = utcnow()
    draft = SurveyDraft(prefecture_code=owner_of(user), origin=origin, based_on=based_on,
                        document=document, revision=1, step=1, created_at=now,
                        created_by_id=user.id, updated_at=now, updated_by_id=user.id)
    session.add(draft)
    session.flush()
    session.add(SurveyDraftStep(draft_id=draft.id, number=1, document=document,
                                summary=summary[:200], author_id=user.id, at=now))
    audit.record("survey.draft_started", draft, user=user, origin=origin.value,
                 survey=draft.survey_key)
    return draft


def _refuse_taken_key(user: User, key: str) -> None:
    if session.scalar(sa.select(Survey.id).where(Survey.key == key)) is not None:
        raise invalid(f"キー「{key}」の調査はすでにあります。新しい版を作る場合は、その調査の"
                      "「改訂」から始めてください。")


def _unlocked(document: Document) -> Document:
    sections = [dict(section, fields=[{k: v for k, v in item.items() if k != "locked"}
                                      for item in section.get("fields") or []])
                for section in document.get("sections") or []]
    return dict(document, sections=sections)


# --- changing ------------------------------------------------------------------------------

def change(draft: SurveyDraft, revision: int, edit: Callable[[Document], Document],
           summary: str, user: User) -> SurveyDraft:
    """Apply ``edit`` to the draft as shown at ``revision`` and keep it as the next step.
    ``EditRefused`` from the edit leaves everything as it was."""
    _check_revision(draft, revision)
    document = bounded(edit(draft.document))
    kept = max(2, min(HISTORY_KEPT, HISTORY_BYTES // _size(document)))
    _advance(draft, user)
    session.execute(sa.delete(SurveyDraftStep).where(SurveyDraftStep.draft_id == draft.id,
                                                     SurveyDraftStep.number > draft.step))
    draft.step += 1
    draft.document = document
    session.add(SurveyDraftStep(draft_id=draft.id, number=draft.step, document=document,
                                summary=summary[:200], author_id=user.id, at=draft.updated_at))
    session.execute(sa.delete(SurveyDraftStep).where(
        SurveyDraftStep.draft_id == draft.id,
        SurveyDraftStep.number <= draft.step - kept))
    return draft


def _size(document: Document) -> int:
    """Bytes of ``document`` as a file (as stored, near enough)."""
    return len(json.dumps(document, ensure_ascii=False).encode())


def bounded(document: Document) -> Document:
    """``document`` if a definition file of it would be accepted: a draft grows one change at
    a time, and is held to the limits of the file it becomes (size, values, depth)."""
    message = too_large(_size(document))
    if message:
        raise EditRefused(message.replace("このファイル", "変更後の下書き")
                          + "項目や選択肢を減らしてください。")
    try:
        return versions.plain_data(document, "下書き")
    except DefinitionError as error:
        raise EditRefused(error.problems[0].message) from None


def undo(draft: SurveyDraft, revision: int, user: User) -> str:
    """Back one step; returns what was undone. Refused at the first step kept."""
    _check_revision(draft, revision)
    current, previous = _step(draft, draft.step), _step(draft, draft.step - 1)
    if previous is None:
        raise conflict("これ以上元に戻せません。")
    _advance(draft, user)
    draft.step, draft.document = previous.number, previous.document
    return current.summary


def redo(draft: SurveyDraft, revision: int, user: User) -> str:
    """Forward one step; returns what was redone."""
    _check_revision(draft, revision)
    following = _step(draft, draft.step + 1)
    if following is None:
        raise conflict("やり直す操作がありません。")
    _advance(draft, user)
    draft.step, draft.document = following.number, following.document
    return following.summary


def history(draft: SurveyDraft) -> tuple[SurveyDraftStep | None, SurveyDraftStep | None]:
    """(the step undo would take back, the step redo would bring), either None."""
    return _step(draft, draft.step), _step(draft, draft.step + 1)


def can_undo(draft: SurveyDraft) -> bool:
    return _step(draft, draft.step - 1) is not None


def _step(draft: SurveyDraft, number: int) -> SurveyDraftStep | None:
    if number < 1:
        return None
    return session.scalars(sa.select(SurveyDraftStep).where(
        SurveyDraftStep.draft_id == draft.id, SurveyDraftStep.number == number)).first()


def _check_revision(draft: SurveyDraft, revision: int) -> None:
    if draft.version_id is not None:
        raise conflict("この下書きはすでに公開の手続きに進んでいるため、変更できません。")
    if revision != draft.revision:
        who = draft.updated_by.name if draft.updated_by else "ほかの人"
        raise conflict(f"この下書きは、表示した後に{who}さんが変更しました"
                       f"({to_tokyo(draft.updated_at)})。画面を読み込み直して、変更を確認してから"
                       "もう一度操作してください。")


def _advance(draft: SurveyDraft, user: User) -> None:
    """One revision on: done by the database, so that of two changes sent at once for the
    same revision exactly one wins."""
    now = utcnow()
    claimed = session.execute(
        sa.update(SurveyDraft)
        .where(SurveyDraft.id == draft.id, SurveyDraft.revision == draft.revision)
        .values(revision=SurveyDraft.revision + 1, updated_at=now, updated_by_id=user.id)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        session.refresh(draft)
        _check_revision(draft, -1)
    draft.revision += 1
    draft.updated_at, draft.updated_by_id = now, user.id
    session.expire(draft, ["updated_by"])


# --- what it is ----------------------------------------------------------------------------

def locked_keys(draft: SurveyDraft) -> frozenset[str]:
    """The national items a prefecture's version may not change or remove."""
    national = _national_base(draft)
    if national is None:
        return frozenset()
    return frozenset(item["key"] for section in national.definition.get("sections") or []
                     for item in section.get("fields") or [] if item.get("locked"))


def keeps_key(draft: SurveyDraft) -> bool:
    """A prefecture's version of a published national survey extends that survey: a new key
    (typed, or from a file read into it) would make it another survey's, locked items or
    not."""
    return _national_base(draft) is not None


def problems(draft: SurveyDraft, registry: FieldTypeRegistry) -> list[Problem]:
    """What stops the draft from being published, each with the path of what it is about.
    A draft with problems is kept all the same: it is being built."""
    source = draft.title
    try:
        compiled = versions.validate(draft.document, registry, source)
    except DefinitionError as error:
        return list(error.problems)
    found = versions.contract_problems(compiled.definition, registry)
    national = _national_base(draft)
    if national is None and draft.prefecture_code is not None:
        # Else the list says there is nothing to fix and publishing refuses all the same.
        found.append(versions.no_national_base(compiled.definition.key))
    elif national is not None:
        found += versions.locked_field_problems(
            load_definition(national.definition, f"版{national.number}"), compiled.definition)
    return found


def _national_base(draft: SurveyDraft) -> SurveyVersion | None:
    """The national version a prefecture's draft is held to: the one its import will be
    checked against (``versions.import_definition``)."""
    if draft.prefecture_code is None:
        return None
    survey = session.scalars(sa.select(Survey).where(Survey.key == draft.survey_key)).first()
    return versions.latest_published_national(survey) if survey else None


def send_to_publishing(draft: SurveyDraft, revision: int, registry: FieldTypeRegistry,
                       user: User) -> SurveyVersion:
    """The draft as a version of its survey, to be compared, given a period and published
    on the version's page. Refused (with the problems) while it has any."""
    _check_revision(draft, revision)
    found = problems(draft, registry)
    if found:
        raise DefinitionError(draft.title, found)
    imported = versions.import_definition(draft.document, registry,
                                          source=f"調査ビルダー: {draft.title}",
                                          prefecture_code=draft.prefecture_code, user=user)
    if not imported.created and imported.version.status != VersionStatus.draft:
        # The newest version of its scope already reads so: there is nothing to publish,
        # and the draft would be sent as a version that is in force already.
        raise conflict(f"この下書きは、{imported.version.status.label}の版"
                       f"{imported.version.number}と同じ内容です。変更してから公開の手続きに"
                       "進んでください。")
    _advance(draft, user)
    draft.version_id = imported.version.id
    audit.record("survey.draft_sent", draft, user=user, version=imported.version.id)
    return imported.version
