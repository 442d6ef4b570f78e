"""Outside development the app refuses to start with the development secret key or a short
one: whoever knows the key can sign a session cookie (and a CSRF token) for anybody."""

from __future__ import annotations

import pytest

from gmis import create_app

#: The key of a development checkout, readable by anybody in the source.
DEVELOPMENT_SECRET_KEY = "dev-only-secret-change-me"

GOOD_KEY = "5f2b8c0e9a7d4e13b6c1f08a2d9e7b45c3a1f6e0d8b2c7a94e5f1d3b0a6c8e27"


@pytest.fixture
def environment(monkeypatch):
    """``environment(GMIS_ENV=..., GMIS_SECRET_KEY=...)``: the settings as an operator
    exports them (None: unset)."""
    monkeypatch.setenv("GMIS_DATABASE_URL", "sqlite://")

    def set_to(**variables):
        for name, value in variables.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)

    return set_to


@pytest.mark.parametrize("environment_name", ["production", "acceptance", "training"])
def test_the_development_key_is_refused_outside_development(environment, environment_name):
    environment(GMIS_ENV=environment_name, GMIS_SECRET_KEY=None)
    with pytest.raises(RuntimeError) as refused:
        create_app()
    message = str(refused.value)
    assert "GMIS_SECRET_KEY が既定の開発用の値のままです" in message
    assert "secrets.token_hex(32)" in message
    assert "refusing to start" in message


def test_a_key_set_to_the_development_value_is_refused_too(environment):
    environment(GMIS_ENV="production", GMIS_SECRET_KEY=DEVELOPMENT_SECRET_KEY)
    with pytest.raises(RuntimeError):
        create_app()


def test_a_short_key_is_refused(environment):
    environment(GMIS_ENV="production", GMIS_SECRET_KEY="x" * 31)
    with pytest.raises(RuntimeError, match="32文字未満"):
        create_app()


def test_production_starts_with_a_long_random_key(environment):
    environment(GMIS_ENV="production", GMIS_SECRET_KEY=GOOD_KEY)
    app = create_app()
    assert app.config["SECRET_KEY"] == GOOD_KEY
    app.extensions["gmis.db"].engine.dispose()


def test_development_starts_with_the_development_key(environment):
    environment(GMIS_ENV=None, GMIS_SECRET_KEY=None)
    app = create_app()
    assert app.config["SECRET_KEY"] == DEVELOPMENT_SECRET_KEY
    app.extensions["gmis.db"].engine.dispose()
