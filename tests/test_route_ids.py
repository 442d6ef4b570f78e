"""A number in a URL that no row id can be (an id past PostgreSQL's integer, typed or sent
by a scanner) is a 404 on every route that takes one, never an overflow in the database."""

import pytest

from gmis.models import Role

HUGE = "99999999999999999999"


def routes_with_ids(app):
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and "<int:" in rule.rule})


def test_every_id_route_is_covered(app):
    assert "/public/facilities/<int:listing_id>" in routes_with_ids(app)


@pytest.mark.parametrize("role", [None, Role.secretariat])
def test_an_id_no_row_can_have_is_not_found(app, client, make_user, signed_in, role):
    if role is not None:
        signed_in(make_user(role=role))
    for rule in routes_with_ids(app):
        url = "/".join(HUGE if part.startswith("<int:") else part for part in rule.split("/"))
        if "<" in url:
            continue
        assert client.get(url).status_code in (302, 404), url
