"""``flask --app wsgi publication rebuild``: the search index written again from every
facility's latest accepted report (after a change of the index or of a definition)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from gmis.db import session
from gmis.publication import indexing

publication_cli = AppGroup("publication", help="The public search index.")


@publication_cli.command("rebuild")
def rebuild() -> None:
    published, removed = indexing.rebuild()
    session.commit()
    click.echo(f"published {published} listing(s), removed {removed}")
