"""List pages load what their rows show with the page: the number of queries of a page does
not grow with the number of rows it lists."""

from __future__ import annotations

from gmis.db import session, utcnow
from gmis.models import Role, SosRequest, SosRequestItem, SosStatus
from gmis.surveys.engine import periods
from tests.fixtures.surveys import HOSPITAL_DAY
from tests.fixtures.web import client_of, counted_queries


def queries_of(app, client, url: str) -> int:
    session.expire_all()  # what the test itself loaded is read again, as a new request would
    with counted_queries(app) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def add_hospitals(make_user, make_facility, count: int) -> list:
    from gmis.models import SecondaryArea

    areas = session.query(SecondaryArea).filter_by(prefecture_code="13").all()
    return [make_user(facility=make_facility(secondary_area_id=areas[n % len(areas)].id))
            for n in range(count)]


def test_the_answer_status_and_response_pages(app, builtin_survey, make_user, make_facility,
                                              answer_survey):
    survey = builtin_survey("hospital_daily")
    today = periods.today(utcnow())
    prefecture = make_user(Role.prefecture)
    add_hospitals(make_user, make_facility, 2)
    for user in add_hospitals(make_user, make_facility, 2):
        answer_survey(survey, user, today, HOSPITAL_DAY)
    session.commit()
    client = client_of(app, prefecture)
    pages = ["/reports/hospital_daily/status", "/reports/hospital_daily/responses"]
    few = [queries_of(app, client, url) for url in pages]
    add_hospitals(make_user, make_facility, 5)
    for user in add_hospitals(make_user, make_facility, 5):
        answer_survey(survey, user, today, HOSPITAL_DAY)
    session.commit()
    assert [queries_of(app, client, url) for url in pages] == few


def test_the_supply_request_queue(app, make_user, make_facility):
    # Nationwide: no list of one prefecture's areas happens to be loaded for the filter.
    national = make_user(Role.national)

    def add_requests(count: int) -> None:
        for user in add_hospitals(make_user, make_facility, count):
            session.add(SosRequest(
                facility=user.facility, prefecture_code="13", title="要請",
                status=SosStatus.reviewing, applied_at=utcnow(),
                items=[SosRequestItem(item_key="gloves", quantity=10)]))
        session.commit()

    add_requests(2)
    client = client_of(app, national)
    few = queries_of(app, client, "/sos/review")
    add_requests(6)
    assert queries_of(app, client, "/sos/review") == few


def test_late_answers_are_counted_and_listed_without_more_queries(
        app, builtin_survey, make_user, make_facility, answer_survey):
    from datetime import timedelta

    survey = builtin_survey("hospital_daily")
    yesterday = periods.today(utcnow()) - timedelta(days=1)
    prefecture = make_user(Role.prefecture)

    def answer_late(count: int) -> None:
        # Yesterday's survey answered today: after its 13:00 deadline.
        for user in add_hospitals(make_user, make_facility, count):
            assert answer_survey(survey, user, yesterday, HOSPITAL_DAY).late
        session.commit()

    answer_late(2)
    client = client_of(app, prefecture)
    day = yesterday.isoformat()
    pages = [f"/reports/hospital_daily/status?date={day}",
             f"/reports/hospital_daily/responses?from={day}&to={day}&late=1"]
    few = [queries_of(app, client, url) for url in pages]
    answer_late(5)
    assert [queries_of(app, client, url) for url in pages] == few
