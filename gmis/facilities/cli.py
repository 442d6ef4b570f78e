"""``flask --app wsgi facilities import FILE``: the facility master CSV import on the command
line. The work is done by ``gmis.facilities.imports``; the command gives it the configured
size limit, prints the report and commits."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from gmis.db import session
from gmis.facilities.imports import ENCODING_NAMES, ENCODINGS, import_file
from gmis.refusals import Refused

facilities_cli = AppGroup("facilities", help="The facility master.")


def max_bytes() -> int:
    """The largest file the command reads (GMIS_FACILITY_IMPORT_MAX_MB)."""
    return current_app.config["FACILITY_IMPORT_MAX_MB"] * 1024 * 1024


@facilities_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--encoding", type=click.Choice(ENCODINGS, case_sensitive=False), default="auto",
              show_default=True, help="Character encoding; auto tries UTF-8, then cp932.")
@click.option("--skip-errors", is_flag=True,
              help="Import the good rows even if some rows have errors.")
@click.option("--dry-run", is_flag=True, help="Check the file only; write nothing.")
@click.pass_context
def import_command(ctx: click.Context, file: Path, encoding: str, skip_errors: bool,
                   dry_run: bool) -> None:
    """Import (create or update by 医療機関コード) facilities from a CSV FILE."""
    try:
        report = import_file(file, encoding=encoding.lower(), skip_errors=skip_errors,
                             dry_run=dry_run, max_bytes=max_bytes())
    except Refused as error:
        click.echo(f"エラー: {error}", err=True)
        click.echo("1件も取り込んでいません。", err=True)
        ctx.exit(2)
    for error in report.errors:
        click.echo(str(error), err=True)
    if report.imported:
        session.commit()
    click.echo(f"{file.name}({ENCODING_NAMES[report.encoding]}、{report.rows}行): "
               + report.summary())
    ctx.exit(report.exit_code)
