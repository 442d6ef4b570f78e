"""Command-line interface: ``flask --app wsgi <group> <command>``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from gmis import mail, migrate

db_cli = AppGroup("db", help="Database schema (Alembic migrations).")
mail_cli = AppGroup("mail", help="The e-mail outbox.")
audit_cli = AppGroup("audit", help="The audit log (監査ログ).")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database up to REVISION (default: the newest)."""
    migrate.upgrade(revision)


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION (e.g. -1 or base)."""
    migrate.downgrade(revision)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from alembic import command

    command.revision(migrate.alembic_config(), message=message, autogenerate=True)


@db_cli.command("load-reference")
def db_load_reference() -> None:
    """Load prefectures, secondary medical areas and health-centre cities (idempotent)."""
    from gmis.db import session
    from gmis.reference import load_reference_data

    added = load_reference_data()
    session.commit()
    click.echo(", ".join(f"{name}: +{count}" for name, count in added.items()))


@mail_cli.command("work")
@click.option("--once", is_flag=True, help="Send what is due, then stop.")
@click.option("--poll", default=5.0, show_default=True, help="Seconds between polls.")
def mail_work(once: bool, poll: float) -> None:
    """Send queued e-mail, retrying while the mail server is unreachable."""
    mail.work(poll_seconds=poll, once=once)


@audit_cli.command("verify")
@click.option("--head", "noted", metavar="HASH",
              help="A head hash printed by an earlier run: fail unless a row still has it.")
@click.pass_context
def audit_verify(ctx: click.Context, noted: str | None) -> None:
    """Walk the audit log's hash chain and report the first broken link (exit 1)."""
    from gmis import audit
    from gmis.japan_time import to_tokyo

    def when(row) -> str:
        return to_tokyo(row.occurred_at, "%Y/%m/%d %H:%M:%S")

    walk = audit.verify(noted)
    if walk.broken is not None:
        broken = walk.broken
        click.echo(f"NG: 監査ログ id {broken.row.id}（{when(broken.row)}）: "
                   f"{broken.description}", err=True)
        click.echo(f"それより前の {walk.rows:,}行は正常です"
                   + (f"（最後の正常な行: id {broken.after_id}）。" if broken.after_id else "。"),
                   err=True)
        ctx.exit(1)
    if walk.noted_found is False:
        click.echo(f"NG: 控えたハッシュ {noted} の行がありません: それ以降の行が削除されたか、"
                   "連鎖が作り直されています / noted head not found", err=True)
        ctx.exit(1)
    click.echo(f"OK, {walk.rows:,} rows: 監査ログの連鎖は正常です。")
    if walk.head is not None:
        click.echo(f"最新の行 id {walk.head.id}（{when(walk.head)}）のハッシュ / head hash: "
                   f"{walk.head.row_hash}")
        click.echo("このハッシュを別の場所に控え、次回 --head で渡すと、それまでの行が"
                   "消されていないことも確かめられます。")


def init_app(app: Flask) -> None:
    from gmis.demo.cli import demo_cli
    from gmis.facilities.cli import facilities_cli
    from gmis.publication.cli import publication_cli
    from gmis.surveys.cli import surveys_cli

    for group in (db_cli, mail_cli, audit_cli, facilities_cli, demo_cli, surveys_cli,
                  publication_cli):
        app.cli.add_command(group)
