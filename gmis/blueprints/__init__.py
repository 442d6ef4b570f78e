"""Blueprints, one package per feature."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from gmis.blueprints.auth.views import bp as auth
    from gmis.blueprints.core.views import bp as core
    from gmis.blueprints.home.views import bp as home

    for blueprint in (core, auth, home):
        app.register_blueprint(blueprint)
