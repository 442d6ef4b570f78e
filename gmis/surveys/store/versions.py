"""Survey versions in the database: importing definitions, publishing them for a reporting
period and a scope, and finding the version in force for a respondent on a date.

A stored version never changes. Importing a changed definition makes a new draft version;
importing the same definition again does nothing. A prefecture extends the national
version with its own items, but may not remove or change the national items marked
``locked``.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from gmis import audit
from gmis.db import session, utcnow
from gmis.models import Survey, SurveyVersion, User, VersionStatus
from gmis.surveys.engine import contracts, limits
from gmis.surveys.engine.builder import CompiledSurvey, compile_survey
from gmis.surveys.engine.definition import SurveyDefinition, load_definition
from gmis.surveys.engine.errors import DefinitionError, Problem
from gmis.surveys.engine.registry import FieldTypeRegistry

#: The attributes of a locked field that a prefecture version must keep as they are, with
#: the names people who write definitions see.
LOCKED_ATTRIBUTES = {"type": "種類", "label": "項目名", "required": "必須",
                     "required_if": "必須条件", "visible_if": "表示条件", "min": "最小値",
                     "max": "最大値", "choices": "選択肢", "compute": "計算式",
                     "options": "種類ごとの設定", "public": "住民への公開"}


def checksum(data: dict) -> str:
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Imported:
    version: SurveyVersion
    #: False when the same definition was already stored (nothing was written).
    created: bool


#: More values than any real definition holds (the reader refuses an alias bomb first;
#: this bounds definitions that come as data).
MAX_VALUES = limits.MAX_DEFINITION_VALUES


def plain_data(data: dict, source: str) -> dict:
    """``data`` as JSON can hold it, since the definition is stored as JSON and its checksum
    taken from JSON: YAML dates become ISO strings and keys strings. Values JSON cannot hold
    (binary, sets, NaN) and definitions of absurd size are a DefinitionError."""
    budget = [MAX_VALUES]
    largest = 10 ** limits.MAX_NUMBER_DIGITS
    problems: list[Problem] = []

    def plain(value, path: str):
        budget[0] -= 1
        if budget[0] < 0:
            raise DefinitionError(source, [Problem("", "定義が大きすぎます(値が"
                                                       f"{MAX_VALUES:,}個を超えています)。")])
        if isinstance(value, dict):
            return {str(k): plain(v, f"{path}.{k}" if path else str(k))
                    for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v, f"{path}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, int) and abs(value) >= largest:
            problems.append(Problem(path, "数値の桁が多すぎます"
                                          f"({limits.MAX_NUMBER_DIGITS}桁まで)。"))
            return None
        if value is None or isinstance(value, str | bool | int) or (
                isinstance(value, float) and math.isfinite(value)):
            return value
        problems.append(Problem(path, "この値は使えません(文字列・数値・true/false・"
                                      "リスト・マッピングで書いてください)。"))
        return None

    try:
        result = plain(data, "")
    except RecursionError:
        raise DefinitionError(source, [Problem("", "入れ子が深すぎます。")]) from None
    if problems:
        raise DefinitionError(source, problems)
    return result


def validate(data: dict, registry: FieldTypeRegistry, source: str) -> CompiledSurvey:
    """Parse and compile, or raise DefinitionError naming ``source``."""
    data = plain_data(data, source)
    return compile_survey(load_definition(data, source), registry, source)


def latest(survey: Survey, prefecture_code: str | None) -> SurveyVersion | None:
    return session.scalars(
        sa.select(SurveyVersion)
        .where(SurveyVersion.survey_id == survey.id,
               SurveyVersion.prefecture_code.is_(None) if prefecture_code is None
               else SurveyVersion.prefecture_code == prefecture_code)
        .order_by(SurveyVersion.number.desc())
    ).first()


def latest_published_national(survey: Survey) -> SurveyVersion | None:
    """The national version prefectures extend: the newest not put back by 前の版に戻す."""
    return session.scalars(
        sa.select(SurveyVersion)
        .where(SurveyVersion.survey_id == survey.id, SurveyVersion.prefecture_code.is_(None),
               SurveyVersion.status == VersionStatus.published,
               SurveyVersion.withdrawn_from.is_(None))
        .order_by(SurveyVersion.effective_from.desc(), SurveyVersion.number.desc())
    ).first()


def locked_field_problems(base: SurveyDefinition, extension: SurveyDefinition) -> list[Problem]:
    """What a prefecture version does to the national version's locked items."""
    problems = []
    paths = {f.key: f"sections[{s}].fields[{i}]" for s, section in enumerate(extension.sections)
             for i, f in enumerate(section.fields)}
    for field in base.iter_fields():
        if not field.locked:
            continue
        theirs = extension.field(field.key)
        if theirs is None:
            problems.append(Problem(f"fields.{field.key}",
                                    f"全国共通の固定項目「{field.label}」は削除できません。"))
            continue
        changed = [label for name, label in LOCKED_ATTRIBUTES.items()
                   if getattr(theirs, name) != getattr(field, name)]
        if changed:
            problems.append(Problem(paths[field.key],
                                    f"全国共通の固定項目「{field.label}」は変更できません"
                                    f"(変更された属性: {'、'.join(changed)})。"))
    return problems


def contract_problems(definition: SurveyDefinition,
                      registry: FieldTypeRegistry | None = None) -> list[Problem]:
    """What ``definition`` breaks of the features' contracts (``gmis.surveys.engine.contracts``):
    a field a feature reads that is missing or of a type it cannot read."""
    field_types, paths = {}, {}
    for s, section in enumerate(definition.sections):
        for i, field in enumerate(section.fields):
            field_types[field.key] = field.type
            paths[field.key] = f"sections[{s}].fields[{i}].type"

    def type_label(name: str) -> str:
        found = registry.get(name) if registry is not None else None
        return found.label if found is not None else name

    return [Problem(paths.get(breach.need.key, "sections"), breach.message(type_label))
            for breach in contracts.breaches(definition.key, field_types)]


def no_national_base(key: str) -> Problem:
    """Why a prefecture's version of ``key`` cannot be stored: a prefecture's version extends
    the published national one, and there is none."""
    return Problem("key", f"全国版の調査「{key}」が公開されていないため、拡張できません。")


def import_definition(data: dict, registry: FieldTypeRegistry, *, source: str,
                      prefecture_code: str | None = None, user: User | None = None) -> Imported:
    """Store ``data`` as a new draft version of its survey (creating the survey), unless the
    newest version of that scope already has exactly this definition. Raises
    DefinitionError; nothing is written then."""
    data = plain_data(data, source)
    compiled = validate(data, registry, source)
    definition = compiled.definition
    problems = contract_problems(definition, registry)
    if problems:
        raise DefinitionError(source, problems)
    survey = session.scalars(sa.select(Survey).where(Survey.key == definition.key)).first()
    base = None
    if prefecture_code is not None:
        base = latest_published_national(survey) if survey else None
        if base is None:
            raise DefinitionError(source, [no_national_base(definition.key)])
        base_definition = load_definition(base.definition, f"{source} (全国版)")
        problems = locked_field_problems(base_definition, definition)
        if problems:
            raise DefinitionError(source, problems)
    digest = checksum(data)
    if survey is not None:
        newest = latest(survey, prefecture_code)
        if newest is not None and newest.checksum == digest:
            return Imported(newest, created=False)
    else:
        survey = Survey(key=definition.key, title=definition.title)
        session.add(survey)
        session.flush()
    number = (session.scalar(sa.select(sa.func.max(SurveyVersion.number))
                             .where(SurveyVersion.survey_id == survey.id)) or 0) + 1
    version = SurveyVersion(
        survey=survey, number=number, prefecture_code=prefecture_code, base_version=base,
        definition=data, checksum=digest, source_name=source[:255],
        created_by_id=user.id if user else None,
    )
    if prefecture_code is None:
        survey.title = definition.title
    session.add(version)
    session.flush()
    audit.record("survey.version_imported", version, user=user, survey=survey.key,
                 number=number, scope=prefecture_code or "national")
    return Imported(version, created=True)


def check_publishable(version: SurveyVersion, effective_from: date) -> None:
    """ValueError, with the reason in Japanese, if ``version`` cannot be published from
    ``effective_from``; checked before asking for confirmation and again when publishing."""
    if version.status == VersionStatus.published:
        raise ValueError("この版はすでに公開されています。")
    # Checked again here: a draft imported before a feature declared what it reads.
    problems = contract_problems(load_definition(version.definition, f"版{version.number}"))
    if problems:
        raise ValueError("この版は公開できません: " + " ".join(p.message for p in problems))
    if version.prefecture_code is not None:
        _check_extension(version, effective_from)


def publish(version: SurveyVersion, effective_from: date, user: User | None = None) -> None:
    """Put a draft version in force from ``effective_from`` (Japan time) for its scope.
    ValueError, with the reason in Japanese, if it cannot be published."""
    check_publishable(version, effective_from)
    version.status = VersionStatus.published
    version.effective_from = effective_from
    version.published_at = utcnow()
    version.published_by_id = user.id if user else None
    audit.record("survey.version_published", version, user=user,
                 effective_from=effective_from.isoformat())


def _check_extension(version: SurveyVersion, effective_from: date) -> None:
    """A prefecture's version keeps the locked items of the newest national version, which
    may have been published after the draft was imported, and does not start before it."""
    base = latest_published_national(version.survey)
    if base is None:
        raise ValueError("全国版が公開されていないため、公開できません。")
    if base.id != version.base_version_id:
        problems = locked_field_problems(load_definition(base.definition, f"版{base.number}"),
                                         load_definition(version.definition,
                                                         f"版{version.number}"))
        if problems:
            raise ValueError(f"この版の作成後に全国版(版{base.number})が公開されました。"
                             "全国版に合わせて定義を直し、登録し直してください: "
                             + " ".join(str(p) for p in problems))
    if base.effective_from is not None and effective_from < base.effective_from:
        raise ValueError(f"適用開始日は全国版(版{base.number})の適用開始日"
                         f"{base.effective_from:%Y/%m/%d}以降にしてください。")


def version_in_force(survey: Survey, prefecture_code: str | None, day: date, *,
                     excluding: SurveyVersion | None = None) -> SurveyVersion | None:
    """The published version a respondent of ``prefecture_code`` answers for ``day``: the one
    with the latest start on or before ``day`` that was not withdrawn by then; on the same
    start a prefecture's own version wins over the national one. ``excluding``: as if that
    version had been withdrawn (what 前の版に戻す would bring back)."""
    scopes = [SurveyVersion.prefecture_code.is_(None)]
    if prefecture_code:
        scopes.append(SurveyVersion.prefecture_code == prefecture_code)
    query = (
        sa.select(SurveyVersion)
        .where(SurveyVersion.survey_id == survey.id,
               SurveyVersion.status == VersionStatus.published,
               SurveyVersion.effective_from <= day,
               sa.or_(SurveyVersion.withdrawn_from.is_(None),
                      SurveyVersion.withdrawn_from > day),
               sa.or_(*scopes))
        .order_by(SurveyVersion.effective_from.desc(),
                  SurveyVersion.prefecture_code.is_(None),  # False (a prefecture's) first
                  SurveyVersion.number.desc()))
    if excluding is not None:
        query = query.where(SurveyVersion.id != excluding.id)
    return session.scalars(query).first()


# --- 前の版に戻す ------------------------------------------------------------------------------

def same_scope(version: SurveyVersion) -> sa.ColumnElement[bool]:
    """Versions of the same scope as ``version`` (nationwide, or the same prefecture)."""
    return (SurveyVersion.prefecture_code.is_(None) if version.prefecture_code is None
            else SurveyVersion.prefecture_code == version.prefecture_code)


def newest_of_scope(version: SurveyVersion) -> SurveyVersion | None:
    """The newest published version of ``version``'s scope still standing: the one in force
    (or about to be), and so the one 前の版に戻す takes back."""
    return session.scalars(
        sa.select(SurveyVersion)
        .where(SurveyVersion.survey_id == version.survey_id, same_scope(version),
               SurveyVersion.status == VersionStatus.published,
               SurveyVersion.withdrawn_from.is_(None))
        .order_by(SurveyVersion.effective_from.desc(), SurveyVersion.number.desc())
    ).first()


def may_withdraw(version: SurveyVersion) -> bool:
    """Only the newest standing version of a scope is put back, so that going back is one
    step at a time and never reaches past a version in force after it."""
    return (version.status == VersionStatus.published and version.withdrawn_from is None
            and newest_of_scope(version) is version)


def version_restored(version: SurveyVersion, from_day: date) -> SurveyVersion | None:
    """What respondents of ``version``'s scope would answer from ``from_day`` once
    ``version`` is withdrawn (for a prefecture this can be the national version)."""
    return version_in_force(version.survey, version.prefecture_code,
                            max(from_day, version.effective_from), excluding=version)


def check_withdrawable(version: SurveyVersion, from_day: date) -> SurveyVersion:
    """The version 前の版に戻す would bring back from ``from_day``; ValueError, with the reason
    in Japanese, if it cannot be done. Checked before asking for confirmation and again when
    withdrawing."""
    if not may_withdraw(version):
        raise ValueError("前の版に戻せるのは、その範囲で最も新しい公開中の版だけです。")
    restored = version_restored(version, from_day)
    if restored is None:
        raise ValueError("この版より前に公開された版がないため、戻せません。")
    return restored


def withdraw(version: SurveyVersion, from_day: date, user: User | None = None) -> SurveyVersion:
    """前の版に戻す: from ``from_day`` (Japan time) the version in force before ``version``
    applies again; returns it. Nothing is deleted and responses keep the version they were
    given against. ValueError, with the reason in Japanese, if it cannot be done."""
    restored = check_withdrawable(version, from_day)
    version.withdrawn_from = from_day
    version.withdrawn_at = utcnow()
    version.withdrawn_by_id = user.id if user else None
    audit.record("survey.version_withdrawn", version, user=user,
                 withdrawn_from=from_day.isoformat(), restored_version=restored.number)
    return restored


def version_for_period(survey: Survey, prefecture_code: str | None, period,
                       today: date) -> SurveyVersion | None:
    """The version a period is answered with: the one in force on its first day, or, for a
    period under way when a survey's first version started (a week begun on Monday, a
    version published on Tuesday), the one in force on its last day so far."""
    return version_in_force(survey, prefecture_code, period.start) or version_in_force(
        survey, prefecture_code, min(period.end, today))


def first_starts(prefecture_code: str | None) -> dict[int, date]:
    """By survey id, the first day any version a respondent of ``prefecture_code`` answers
    was in force: no period ending before it can be answered (see version_for_period)."""
    scopes = [SurveyVersion.prefecture_code.is_(None)]
    if prefecture_code:
        scopes.append(SurveyVersion.prefecture_code == prefecture_code)
    return dict(session.execute(
        sa.select(SurveyVersion.survey_id, sa.func.min(SurveyVersion.effective_from))
        .where(SurveyVersion.status == VersionStatus.published, sa.or_(*scopes))
        .group_by(SurveyVersion.survey_id)).all())
