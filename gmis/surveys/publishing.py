"""Publishing survey versions: reading an upload, importing it for the uploader's scope,
what a version is compared with, its preview, publishing it and going back to the
previous version.

National and secretariat users manage the nationwide versions; a prefecture manages its own
extension of the national version. Which versions a user sees and may publish is decided in
``gmis.access``. Nothing here reads a request: the blueprint passes in the file or text
sent; what cannot be done is raised as ``gmis.refusals.Refused``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import PurePosixPath
from typing import Any, BinaryIO, Protocol

import sqlalchemy as sa
import yaml

from gmis import access
from gmis.db import session, utcnow
from gmis.models import Role, Survey, SurveyResponse, SurveyVersion, User, VersionStatus
from gmis.refusals import Kind, Refused, conflict, invalid
from gmis.surveys.engine import periods
from gmis.surveys.engine.builder import CompiledField, CompiledSurvey
from gmis.surveys.engine.definition import SectionDef, parse_bytes
from gmis.surveys.engine.diff import DefinitionDiff, diff_definitions
from gmis.surveys.engine.errors import DefinitionError
from gmis.surveys.engine.source_map import located
from gmis.surveys.engine.validation import Evaluation, defaults, evaluate
from gmis.surveys.runtime import compiled, field_types
from gmis.surveys.store import versions

#: The largest definition accepted, as a file or pasted.
MAX_BYTES = 1024 * 1024
EXTENSIONS = (".yaml", ".yml", ".json")
PASTED = "貼り付けたテキスト"


def today_in_japan() -> date:
    return periods.today(utcnow())


def tomorrow_in_japan() -> date:
    return today_in_japan() + timedelta(days=1)


def scope_of(user: User) -> str | None:
    """The scope a user's uploads get: a prefecture's own code, or None (nationwide)."""
    return user.prefecture_code if user.role == Role.prefecture else None


def scope_label(user: User) -> str:
    return user.prefecture.name if scope_of(user) is not None else "全国"


# --- upload ----------------------------------------------------------------------------------

class UploadRefused(Refused):
    """The upload itself is unusable (missing, too large, not a definition file). More than
    a message: ``field`` names the part of the form it is about (the file or the pasted
    text), where the page shows it."""

    def __init__(self, field: str, message: str):
        super().__init__(message, Kind.INVALID)
        self.field = field


class Sent(Protocol):
    """A file as the browser sent it (werkzeug's ``FileStorage``)."""

    filename: str | None
    stream: BinaryIO


def _file_name(sent: Sent) -> str:
    # Only the last part of what the browser sent, whichever separator it used.
    return PurePosixPath((sent.filename or "").replace("\\", "/")).name[:100]


@dataclass(frozen=True)
class Upload:
    data: dict
    #: How messages name it: the file's name, or 貼り付けたテキスト.
    source: str
    #: As sent, for the line and column of a problem found after parsing.
    raw: bytes


def read_upload(sent: Sent | None, text: str | None) -> Upload:
    """The definition sent as a file or as text. Raises UploadRefused for the upload
    itself, DefinitionError for its content."""
    # Only trailing space goes: what precedes the definition still counts in line numbers.
    text = (text or "").rstrip()
    has_file = sent is not None and bool(sent.filename)
    if has_file and text.strip():
        raise UploadRefused("text", "ファイルと貼り付けのどちらか一方だけを送ってください。")
    if not has_file and not text.strip():
        raise UploadRefused("file", "定義ファイルを選ぶか、定義を貼り付けてください。")
    if not has_file:
        raw = text.encode()
        if len(raw) > MAX_BYTES:
            raise UploadRefused("text", "貼り付けた定義が大きすぎます(1MBまで)。")
        return Upload(parse_bytes(raw, PASTED), PASTED, raw)
    name = _file_name(sent)
    if not name.lower().endswith(EXTENSIONS):
        raise UploadRefused("file", "YAML(.yaml・.yml)または JSON(.json)のファイルを選んで"
                                    "ください。")
    raw = sent.stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise UploadRefused("file", "ファイルが大きすぎます(1MBまで)。")
    if not raw.strip():
        raise UploadRefused("file", "ファイルが空です。")
    if b"\0" in raw:
        raise UploadRefused("file", "テキストのファイルではありません。YAML または JSON の"
                                    "ファイルを選んでください。")
    return Upload(parse_bytes(raw, name), name, raw)


def upload_definition(user: User, upload: Upload) -> versions.Imported:
    """Import an upload as a draft of the user's scope. DefinitionError, naming the line
    and column of each problem: nothing written."""
    try:
        return versions.import_definition(upload.data, field_types(), source=upload.source,
                                          prefecture_code=scope_of(user), user=user)
    except DefinitionError as error:
        raise located(error, upload.raw) from error


# --- finding versions ------------------------------------------------------------------------

def version_in_scope(user: User, version_id: int) -> SurveyVersion:
    return access.scoped_or_404(sa.select(SurveyVersion).where(
        SurveyVersion.id == version_id, access.survey_version_scope(user)), version_id)


def may_publish(user: User, version: SurveyVersion) -> bool:
    return bool(session.scalar(sa.select(sa.exists().where(
        SurveyVersion.id == version.id, access.survey_publish_scope(user)))))


def version_to_publish(user: User, version_id: int) -> SurveyVersion:
    """The version, locked for the change; out of the user's publishing scope is a 404."""
    return access.scoped_or_404(
        sa.select(SurveyVersion)
        .where(SurveyVersion.id == version_id, access.survey_publish_scope(user))
        .with_for_update(),
        version_id)


@dataclass
class SurveyRow:
    survey: Survey
    versions: list[SurveyVersion]
    #: The version the user's scope answers today (a prefecture: its own or the national).
    in_force: SurveyVersion | None
    #: The version the user may put back (前の版に戻す), if any.
    withdrawable: SurveyVersion | None = None


def survey_rows(user: User) -> list[SurveyRow]:
    """Every survey with a version the user may see, its versions newest first."""
    found = session.scalars(
        sa.select(SurveyVersion).join(Survey)
        .where(access.survey_version_scope(user))
        .order_by(Survey.key, SurveyVersion.number.desc())).all()
    grouped: dict[int, list[SurveyVersion]] = defaultdict(list)
    for version in found:
        grouped[version.survey_id].append(version)
    today = today_in_japan()
    return [SurveyRow(listed[0].survey, listed,
                      versions.version_in_force(listed[0].survey, scope_of(user), today),
                      next((v for v in listed if v.status == VersionStatus.published
                            and v.withdrawn_from is None and may_withdraw(user, v)), None))
            for listed in grouped.values()]


def answer_counts(user: User, version_ids: list[int]) -> dict[int, int]:
    """Responses per version, of those the user may read."""
    if not version_ids:
        return {}
    return dict(session.execute(
        sa.select(SurveyResponse.version_id, sa.func.count())
        .where(SurveyResponse.version_id.in_(version_ids), access.response_scope(user))
        .group_by(SurveyResponse.version_id)).all())


def published_national(survey: Survey) -> list[SurveyVersion]:
    return list(session.scalars(
        sa.select(SurveyVersion)
        .where(SurveyVersion.survey_id == survey.id, SurveyVersion.prefecture_code.is_(None),
               SurveyVersion.status == VersionStatus.published)
        .order_by(SurveyVersion.number.desc())))


def extendable_versions(user: User) -> list[SurveyVersion]:
    """For a prefecture: the newest published national version of each survey, the ones
    its uploads extend."""
    if scope_of(user) is None:
        return []
    published = sa.exists().where(SurveyVersion.survey_id == Survey.id,
                                  SurveyVersion.prefecture_code.is_(None),
                                  SurveyVersion.status == VersionStatus.published)
    return [versions.latest_published_national(survey)
            for survey in session.scalars(sa.select(Survey).where(published).order_by(Survey.key))]


def compared_with(version: SurveyVersion) -> SurveyVersion | None:
    """What a version is shown against. A draft: what its respondents answer today (so the
    diff says what publishing it changes), else the newest published version of its scope,
    else the national version it extends. A published version: the one of its scope
    published before it, else the national version it extends."""
    if version.status == VersionStatus.draft:
        current = versions.version_in_force(version.survey, version.prefecture_code,
                                            today_in_japan())
        if current is not None:
            return current
        newest = session.scalars(
            sa.select(SurveyVersion)
            .where(SurveyVersion.survey_id == version.survey_id, versions.same_scope(version),
                   SurveyVersion.status == VersionStatus.published)
            .order_by(SurveyVersion.effective_from.desc(), SurveyVersion.number.desc())
        ).first()
        return newest or version.base_version
    earlier = session.scalars(
        sa.select(SurveyVersion)
        .where(SurveyVersion.survey_id == version.survey_id, versions.same_scope(version),
               SurveyVersion.status == VersionStatus.published, SurveyVersion.id != version.id,
               sa.or_(SurveyVersion.effective_from < version.effective_from,
                      sa.and_(SurveyVersion.effective_from == version.effective_from,
                              SurveyVersion.number < version.number)))
        .order_by(SurveyVersion.effective_from.desc(), SurveyVersion.number.desc())
    ).first()
    return earlier or version.base_version


def type_labels() -> dict[str, str]:
    return {t.name: t.label for t in field_types()}


def version_diff(version: SurveyVersion, against: SurveyVersion | None) -> DefinitionDiff:
    old = compiled(against).definition if against is not None else None
    return diff_definitions(old, compiled(version).definition, type_labels=type_labels())


def user_name(user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id else None
    return user.name if user else "(コマンドで登録)"


def definition_yaml(version: SurveyVersion) -> str:
    return yaml.safe_dump(version.definition, allow_unicode=True, sort_keys=False, width=100)


# --- preview ---------------------------------------------------------------------------------

@dataclass
class PreviewField:
    field: CompiledField
    #: What the control shows (for a computed field: its value; else what was typed when
    #: it could not be read).
    value: Any
    required: bool
    hidden: bool
    errors: list[str] = field(default_factory=list)
    #: The clean value, which a computed field shows.
    answer: Any = None


@dataclass
class PreviewSection:
    section: SectionDef
    fields: list[PreviewField] = field(default_factory=list)


def preview(survey: CompiledSurvey, show_all: bool = False) -> list[PreviewSection]:
    """The form as a new respondent first sees it: defaults filled in, fields whose
    visible-if is not yet true hidden (all shown with ``show_all``)."""
    return preview_sections(survey, evaluate(survey, defaults(survey), partial=True),
                            show_all=show_all)


def preview_sections(survey: CompiledSurvey, evaluation: Evaluation, *, show_all: bool = False,
                     with_errors: bool = False) -> list[PreviewSection]:
    """Each section's fields as ``evaluation`` leaves them (the version page shows a new
    form; the survey builder's preview what was typed into it, with its messages)."""
    sections = []
    for section in survey.sections:
        shown = PreviewSection(section)
        for compiled_field in survey.section_fields(section.key):
            key = compiled_field.key
            value = evaluation.values.get(key)
            raw = evaluation.raw.get(key)
            shown.fields.append(PreviewField(
                field=compiled_field,
                value=value if compiled_field.compute is not None
                else raw if raw is not None else compiled_field.type.as_input(value),
                required=compiled_field.definition.required or key in evaluation.required,
                hidden=not show_all and key not in evaluation.visible,
                errors=evaluation.errors.get(key, []) if with_errors else [],
                answer=value,
            ))
        sections.append(shown)
    return sections


def hidden_count(sections: list[PreviewSection]) -> int:
    return sum(f.hidden for s in sections for f in s.fields)


# --- publishing ------------------------------------------------------------------------------

@dataclass
class Replacement:
    """What publishing ``version`` from ``effective_from`` changes, for the confirmation: the
    version its respondents answer until then, and the difference."""

    version: SurveyVersion
    effective_from: date
    replaces: SurveyVersion | None
    diff: DefinitionDiff


def publication(version: SurveyVersion, effective_from: date) -> Replacement:
    """The confirmation of a publication, or Refused (invalid) with the reason it could not
    be done."""
    try:
        versions.check_publishable(version, effective_from)
    except ValueError as refused:
        raise invalid(str(refused)) from None
    replaces = versions.version_in_force(version.survey, version.prefecture_code, effective_from)
    return Replacement(version, effective_from, replaces, version_diff(version, replaces))


def publish_version(user: User, version: SurveyVersion, effective_from: date) -> None:
    """Publish a draft, or Refused (invalid) with the reason (see ``versions.publish``)."""
    try:
        versions.publish(version, effective_from, user)
    except ValueError as refused:
        raise invalid(str(refused)) from None
    session.flush()


# --- 前の版に戻す ------------------------------------------------------------------------------

def may_withdraw(user: User, version: SurveyVersion) -> bool:
    """Whether 前の版に戻す is offered: the user's scope, and a version to go back to."""
    return (may_publish(user, version) and versions.may_withdraw(version)
            and versions.version_restored(version, today_in_japan()) is not None)


def withdrawal(version: SurveyVersion, from_day: date) -> Replacement:
    """The confirmation of 前の版に戻す from ``from_day``: the version that comes back, and what
    changes for respondents (the withdrawn version against the restored one). Refused
    (conflict: the versions as they stand do not allow it) if it cannot be done."""
    try:
        restored = versions.check_withdrawable(version, from_day)
    except ValueError as refused:
        raise conflict(str(refused)) from None
    return Replacement(restored, from_day, version, version_diff(restored, version))


def restored_by(version: SurveyVersion) -> SurveyVersion | None:
    """For a withdrawn version: the one in force from the day it was withdrawn."""
    if version.withdrawn_from is None:
        return None
    return versions.version_in_force(version.survey, version.prefecture_code,
                                     version.withdrawn_from)


def withdraw_version(user: User, version: SurveyVersion, from_day: date) -> SurveyVersion:
    """前の版に戻す, or Refused (conflict) with the reason; returns the version back in force."""
    try:
        restored = versions.withdraw(version, from_day, user)
    except ValueError as refused:
        raise conflict(str(refused)) from None
    session.flush()
    return restored
