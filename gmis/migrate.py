"""Alembic, driven from the app: ``flask db upgrade`` migrates the app's own database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import current_app

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", current_app.config["DATABASE_URL"])
    return config


def upgrade(revision: str = "head") -> None:
    command.upgrade(alembic_config(), revision)


def downgrade(revision: str) -> None:
    command.downgrade(alembic_config(), revision)
