"""An SOS request form's creation token is the browser's to send back: it lets a double
click find the request the first click made, but a token taken from another facility's (or
another person's) form must neither change that request nor stop the sender's own."""

from __future__ import annotations

import re

import sqlalchemy as sa

from gmis.db import session
from gmis.models import Role, SosRequest
from tests.blueprints.test_sos import Requester
from tests.fixtures.web import client_of


def token_of(form: Requester) -> str:
    """The creation token the server put into ``form``'s page."""
    return re.search(r'name="creation_token" value="([^"]+)"', form.html).group(1)


def requests_of(facility) -> list[SosRequest]:
    return list(session.scalars(sa.select(SosRequest).where(
        SosRequest.facility_id == facility.id).order_by(SosRequest.id)))


def test_another_facilitys_token_makes_the_senders_own_request(app, make_user, make_facility):
    a = make_user(facility=make_facility(name="甲病院"))
    b = make_user(facility=make_facility(name="乙病院"))
    session.commit()
    form_a = Requester(client_of(app, a))
    assert form_a.post(general_confirmed="y", quantity_gloves="50",
                       remark="甲の要請").status_code == 303
    form_b = Requester(client_of(app, b))

    sent = form_b.post(creation_token=token_of(form_a), general_confirmed="y",
                       quantity_surgical_mask="900", remark="乙の要請")

    assert sent.status_code == 303
    [of_a] = requests_of(a.facility)
    assert (of_a.remark, of_a.quantity("gloves"), of_a.quantity("surgical_mask")) == (
        "甲の要請", 50, None)
    assert of_a.revision == 1 and of_a.updated_by_id == a.id
    [of_b] = requests_of(b.facility)
    assert of_b.remark == "乙の要請" and of_b.quantity("surgical_mask") == 900
    assert sent.headers["Location"].endswith(f"/sos/{of_b.id}")


def test_the_same_facility_retrying_its_own_token_still_makes_one_request(
        app, make_user, make_facility):
    a = make_user(facility=make_facility(name="甲病院"))
    b = make_user(facility=make_facility(name="乙病院"))
    session.commit()
    form_a = Requester(client_of(app, a))
    form_b = Requester(client_of(app, b))
    assert form_b.post(creation_token=token_of(form_a), general_confirmed="y",
                       quantity_gloves="10").status_code == 303

    first = form_a.post(general_confirmed="y", quantity_gloves="50")
    again = form_a.post(general_confirmed="y", quantity_gloves="50")

    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert len(requests_of(a.facility)) == 1 and len(requests_of(b.facility)) == 1


def test_a_colleagues_token_does_not_lead_to_the_colleagues_request(
        app, make_user, make_facility):
    hospital = make_facility(name="甲病院")
    nurse = make_user(facility=hospital)
    clerk = make_user(facility=hospital)
    session.commit()
    form_nurse = Requester(client_of(app, nurse))
    assert form_nurse.post(general_confirmed="y", quantity_gloves="50",
                           remark="看護部").status_code == 303
    form_clerk = Requester(client_of(app, clerk))

    sent = form_clerk.post(creation_token=token_of(form_nurse), general_confirmed="y",
                           quantity_face_shield="20", remark="事務部")

    assert sent.status_code == 303
    by_nurse, by_clerk = requests_of(hospital)
    assert (by_nurse.remark, by_nurse.created_by_id) == ("看護部", nurse.id)
    assert (by_clerk.remark, by_clerk.created_by_id) == ("事務部", clerk.id)


def test_an_aggregators_token_does_not_reach_another_members_request(
        app, make_user, make_facility):
    first, second = make_facility(name="甲診療所"), make_facility(name="乙診療所")
    association = make_user(role=Role.aggregator)
    association.aggregator.members.extend([first, second])
    session.commit()
    client = client_of(app, association)
    form_first = Requester(client, f"/sos/new?facility={first.id}")
    assert form_first.post(general_confirmed="y", quantity_gloves="50",
                           remark="甲の分").status_code == 303
    form_second = Requester(client, f"/sos/new?facility={second.id}")

    assert form_second.post(creation_token=token_of(form_first), general_confirmed="y",
                            quantity_gloves="70", remark="乙の分").status_code == 303

    [of_first] = requests_of(first)
    [of_second] = requests_of(second)
    assert (of_first.remark, of_first.quantity("gloves")) == ("甲の分", 50)
    assert (of_second.remark, of_second.quantity("gloves")) == ("乙の分", 70)
