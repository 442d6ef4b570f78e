"""``flask --app wsgi surveys ...``: import, list and validate survey definitions.

``import PATH`` takes one file or a folder of ``*.yaml``, ``*.yml`` and ``*.json`` files.
Every file is read and checked before anything is written; if any file is broken, every
problem is printed as ``file: path: reason`` and nothing is imported. The functions here do
the work; the commands only print.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from gmis.db import session, utcnow
from gmis.models import Prefecture, Survey, SurveyResponse, VersionStatus
from gmis.surveys.engine import periods
from gmis.surveys.engine.definition import parse_bytes
from gmis.surveys.engine.errors import DefinitionError
from gmis.surveys.engine.registry import FieldTypeRegistry
from gmis.surveys.engine.source_map import located
from gmis.surveys.store import versions

surveys_cli = AppGroup("surveys", help="Survey definitions and their versions.")

SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class DefinitionFile:
    #: How messages name the file: the path as given on the command line.
    name: str
    data: dict
    key: str
    #: The file as read, for the line and column of a problem found later.
    raw: bytes = b""


class ImportRefused(Exception):
    """Something is wrong with at least one file; nothing was imported.

    Not a ``gmis.refusals.Refused``: it carries every problem of every file, one line each
    (``lines``), which the commands print one by one before they exit."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


def definition_paths(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
    return [path]


def problem_lines(error: DefinitionError) -> list[str]:
    return [f"{error.source}: {problem}" for problem in error.problems]


def read_definitions(path: Path, registry: FieldTypeRegistry) -> list[DefinitionFile]:
    """Every definition under ``path``, each checked; ImportRefused lists every problem of
    every file."""
    paths = definition_paths(path)
    if not paths:
        raise ImportRefused([f"{path}: 調査定義のファイル(*.yaml, *.yml, *.json)がありません。"])
    files, lines = [], []
    seen: dict[str, str] = {}
    for file_path in paths:
        name = str(file_path)
        try:
            raw = file_path.read_bytes()
        except OSError as error:
            lines.append(f"{name}: ファイルを読めません({error.strerror})。")
            continue
        try:
            data = versions.plain_data(parse_bytes(raw, name), name)
            compiled = versions.validate(data, registry, name)
            # Before importing anything, so validate refuses what import would.
            broken = versions.contract_problems(compiled.definition, registry)
            if broken:
                raise DefinitionError(name, broken)
        except DefinitionError as error:
            lines.extend(problem_lines(located(error, raw)))
            continue
        key = compiled.definition.key
        if key in seen:
            lines.append(f"{name}: key: 調査キー「{key}」は {seen[key]} と同じです"
                         "(1つの調査は1つのファイルに書いてください)。")
            continue
        seen[key] = name
        files.append(DefinitionFile(name, data, key, raw))
    if lines:
        raise ImportRefused(lines)
    return files


def import_definitions(files: list[DefinitionFile], registry: FieldTypeRegistry, *,
                       prefecture_code: str | None = None,
                       publish_from: date | None = None) -> list[str]:
    """Import (and publish) every file in the current transaction, returning one line per
    file; ImportRefused if any file is refused (the caller rolls back)."""
    report, refused = [], []
    for file in files:
        try:
            imported = versions.import_definition(
                file.data, registry, source=Path(file.name).name, prefecture_code=prefecture_code)
        except DefinitionError as error:
            refused.extend(f"{file.name}: {problem}"
                           for problem in located(error, file.raw).problems)
            continue
        version = imported.version
        label = f"{file.key} 版{version.number}({version.scope_label})"
        if imported.created:
            line = f"{file.name}: {label}を取り込みました"
        else:
            line = f"{file.name}: 変更なし({label}と同じ内容です)"
        if publish_from is not None and version.status == VersionStatus.draft:
            try:
                versions.publish(version, publish_from)
            except ValueError as error:
                refused.append(f"{file.name}: {error}")
                continue
            line += f"。{publish_from:%Y-%m-%d}から公開しました"
        elif version.status == VersionStatus.draft:
            line += "。下書きです(公開するには --publish)"
        report.append(line + "。")
    if refused:
        raise ImportRefused(refused)
    return report


# --- commands --------------------------------------------------------------------------------

def _registry() -> FieldTypeRegistry:
    from gmis.surveys.runtime import field_types

    return field_types()


def _refuse(lines: list[str], imported: bool) -> None:
    for line in lines:
        click.echo(line, err=True)
    if imported:
        click.echo("誤りがあるため、1件も取り込んでいません。", err=True)
    raise SystemExit(1)


_path_argument = click.argument(
    "path", type=click.Path(exists=True, file_okay=True, dir_okay=True, path_type=Path))


@surveys_cli.command("import")
@_path_argument
@click.option("--publish", is_flag=True, help="Publish the imported versions.")
@click.option("--effective-from", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="First reporting date (YYYY-MM-DD, Japan time) of published versions; "
                   "default: today.")
@click.option("--prefecture", "prefecture_code", metavar="CODE", default=None,
              help="Import as this prefecture's extension of the national version (JIS code).")
def import_command(path: Path, publish: bool, effective_from: datetime | None,
                   prefecture_code: str | None) -> None:
    """Import the survey definition in PATH (a file, or a folder of them)."""
    if effective_from is not None and not publish:
        raise click.UsageError("--effective-from は --publish と一緒に指定してください。")
    if prefecture_code is not None and session.get(Prefecture, prefecture_code) is None:
        raise click.BadParameter(f"都道府県コード「{prefecture_code}」はありません(01〜47)。",
                                 param_hint="--prefecture")
    registry = _registry()
    try:
        files = read_definitions(path, registry)
        publish_from = (effective_from.date() if effective_from else periods.today(utcnow())
                        ) if publish else None
        lines = import_definitions(files, registry, prefecture_code=prefecture_code,
                                   publish_from=publish_from)
    except ImportRefused as refused:
        session.rollback()
        _refuse(refused.lines, imported=True)
    session.commit()
    for line in lines:
        click.echo(line)


@surveys_cli.command("validate")
@_path_argument
def validate_command(path: Path) -> None:
    """Check the survey definitions in PATH without importing them."""
    try:
        files = read_definitions(path, _registry())
    except ImportRefused as refused:
        _refuse(refused.lines, imported=False)
    for file in files:
        click.echo(f"{file.name}: {file.key} OK")


@surveys_cli.command("list")
def list_command() -> None:
    """List the surveys and their versions: scope, status, effective date, answers."""
    answers = dict(session.execute(
        sa.select(SurveyResponse.version_id, sa.func.count())
        .group_by(SurveyResponse.version_id)).all())
    surveys = session.scalars(sa.select(Survey).order_by(Survey.key)).all()
    if not surveys:
        click.echo("調査はまだありません。")
    for survey in surveys:
        click.echo(f"{survey.key}  {survey.title}")
        for version in survey.versions:
            effective = (f"{version.effective_from:%Y-%m-%d}〜" if version.effective_from
                         else "-")
            click.echo(f"  版{version.number:<3} {version.scope_label:<4} "
                       f"{version.status.label:<3} {effective:<12} "
                       f"回答{answers.get(version.id, 0)}件  {version.source_name}")



@surveys_cli.command("remind")
@click.option("--every", "every", type=click.IntRange(min=30), default=None, metavar="SECONDS",
              help="Keep running, checking this often (instead of once, from cron).")
def remind_command(every: int | None) -> None:
    """E-mail the facilities that have not answered a survey whose deadline is near
    (GMIS_SURVEY_REMINDER_MINUTES before it). Run it every few minutes, or with --every."""
    import time

    from gmis.surveys.reminders import send_due_reminders

    while True:
        click.echo(f"{send_due_reminders()}件の医療機関に回答の督促メールを送りました。")
        if every is None:
            return
        session.remove()  # a fresh session each round: nothing stale is kept between them
        time.sleep(every)


@surveys_cli.command("rebuild-latest")
@click.argument("keys", nargs=-1)
def rebuild_latest_command(keys: tuple[str, ...]) -> None:
    """Recompute each respondent's latest response (the bed view's figures) of the surveys
    KEYS (all when none), after responses were loaded in bulk past the application."""
    from gmis.surveys.store import latest

    query = sa.select(Survey).order_by(Survey.key)
    if keys:
        query = query.where(Survey.key.in_(keys))
    found = session.scalars(query).all()
    unknown = set(keys) - {s.key for s in found}
    if unknown:
        raise click.BadParameter("調査キーがありません: " + "、".join(sorted(unknown)),
                                 param_hint="KEYS")
    for survey in found:
        click.echo(f"{survey.key}: {latest.rebuild(survey.id):,}件の回答者の最新回答")
    session.commit()
