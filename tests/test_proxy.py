"""Behind a reverse proxy the client's address (audit log, sessions) is the one the proxy
saw, and only when the proxy is trusted by configuration."""

import pytest

from gmis import create_app
from gmis.access import PUBLIC


@pytest.mark.parametrize(("hops", "seen"), [(0, "10.0.0.2"), (1, "203.0.113.9")])
def test_the_forwarded_address_is_trusted_only_when_configured(hops, seen):
    app = create_app({"DATABASE_URL": "sqlite://", "PROXY_HOPS": hops})

    @app.get("/_where")
    def where():
        from flask import request

        return request.remote_addr

    where.access_rule = PUBLIC
    response = app.test_client().get("/_where", headers={"X-Forwarded-For": "203.0.113.9"},
                                     environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert response.get_data(as_text=True) == seen
