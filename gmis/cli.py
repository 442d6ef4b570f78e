"""Command-line interface: ``flask --app wsgi <group> <command>``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from gmis import mail, migrate

db_cli = AppGroup("db", help="Database schema (Alembic migrations).")
mail_cli = AppGroup("mail", help="The e-mail outbox.")


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


def init_app(app: Flask) -> None:
    from gmis.demo import demo_cli
    from gmis.facility_import import facilities_cli
    from gmis.surveys.cli import surveys_cli

    for group in (db_cli, mail_cli, facilities_cli, demo_cli, surveys_cli):
        app.cli.add_command(group)
