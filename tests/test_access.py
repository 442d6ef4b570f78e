"""Every route with every role: allowed or refused exactly as intended.

``EXPECTED`` is the intended access table, written independently of ``gmis.access``; a route
added without an entry here fails ``test_every_route_has_an_expected_rule``.
"""

import re

import pytest

from gmis.models import Role
from tests.fixtures.web import sign_in

PUBLIC = "public"
EVERY_ROLE = frozenset(Role)
STAFF = frozenset({Role.prefecture, Role.secretariat})
MASTER_READERS = EVERY_ROLE - {Role.fire_department}
SURVEY_MANAGERS = frozenset({Role.prefecture, Role.national, Role.secretariat})
ANSWERERS = frozenset({Role.facility, Role.aggregator, Role.prefecture, Role.city})
REVIEWERS = frozenset({Role.prefecture, Role.city, Role.national, Role.secretariat})
BED_VIEWERS = frozenset({Role.prefecture, Role.city, Role.fire_department, Role.national,
                         Role.secretariat})
SOS_REQUESTERS = frozenset({Role.facility, Role.aggregator})
SOS_REVIEWERS = frozenset({Role.prefecture, Role.national, Role.secretariat})

EXPECTED = {
    "static": PUBLIC,
    "favicon": PUBLIC,
    "core.healthz": PUBLIC,
    "core.index": PUBLIC,
    "auth.login": PUBLIC,
    "auth.forgot_password": PUBLIC,
    "auth.set_password": PUBLIC,
    "auth.check_password": PUBLIC,
    "auth.change_password": EVERY_ROLE,
    "auth.logout": EVERY_ROLE,
    "two_factor.setup": EVERY_ROLE,
    "two_factor.disable": EVERY_ROLE,
    "two_factor.sign_in": PUBLIC,
    "home.index": EVERY_ROLE,
    "home.remind": REVIEWERS,
    "facilities.index": MASTER_READERS,
    "facilities.detail": MASTER_READERS,
    "facilities.edit": STAFF,
    "registration.apply": PUBLIC,
    "registration.postal_address": PUBLIC,
    "registration.done": PUBLIC,
    "registration.review_list": STAFF,
    "registration.review_detail": STAFF,
    "registration.approve": STAFF,
    "registration.reject": STAFF,
    "users.index": STAFF,
    "users.issue": STAFF,
    "users.detail": STAFF,
    "users.reset_two_factor": frozenset({Role.secretariat}),
    "survey_admin.index": SURVEY_MANAGERS,
    "survey_admin.upload": SURVEY_MANAGERS,
    "survey_admin.version": SURVEY_MANAGERS,
    "survey_admin.publish": SURVEY_MANAGERS,
    "survey_admin.withdraw": SURVEY_MANAGERS,
    "survey_admin.definition": SURVEY_MANAGERS,
    "survey_builder.index": SURVEY_MANAGERS,
    "survey_builder.start_blank": SURVEY_MANAGERS,
    "survey_builder.start_from_version": SURVEY_MANAGERS,
    "survey_builder.start_from_file": SURVEY_MANAGERS,
    "survey_builder.editor": SURVEY_MANAGERS,
    "survey_builder.survey_settings": SURVEY_MANAGERS,
    "survey_builder.add_section": SURVEY_MANAGERS,
    "survey_builder.section_settings": SURVEY_MANAGERS,
    "survey_builder.move_section": SURVEY_MANAGERS,
    "survey_builder.delete_section": SURVEY_MANAGERS,
    "survey_builder.add_field": SURVEY_MANAGERS,
    "survey_builder.field_settings": SURVEY_MANAGERS,
    "survey_builder.change_type": SURVEY_MANAGERS,
    "survey_builder.move_field": SURVEY_MANAGERS,
    "survey_builder.duplicate_field": SURVEY_MANAGERS,
    "survey_builder.delete_field": SURVEY_MANAGERS,
    "survey_builder.add_rule": SURVEY_MANAGERS,
    "survey_builder.rule_settings": SURVEY_MANAGERS,
    "survey_builder.delete_rule": SURVEY_MANAGERS,
    "survey_builder.undo": SURVEY_MANAGERS,
    "survey_builder.redo": SURVEY_MANAGERS,
    "survey_builder.try_logic": SURVEY_MANAGERS,
    "survey_builder.check_expression": SURVEY_MANAGERS,
    "survey_builder.preview": SURVEY_MANAGERS,
    "survey_builder.export": SURVEY_MANAGERS,
    "survey_builder.import_file": SURVEY_MANAGERS,
    "survey_builder.send_to_publishing": SURVEY_MANAGERS,
    "surveys.index": ANSWERERS,
    "surveys.fill": ANSWERERS,
    "surveys.open_day": ANSWERERS,
    "surveys.validate": ANSWERERS,
    "surveys.autosave": ANSWERERS,
    "surveys.unchanged": ANSWERERS,
    "surveys.response": ANSWERERS | REVIEWERS,
    "surveys.return_response": REVIEWERS,
    "surveys.accept": REVIEWERS,
    "reporting.home": ANSWERERS,
    "reporting.start": ANSWERERS,
    "reporting.discard": ANSWERERS,
    "reporting.windows": SURVEY_MANAGERS,
    "reporting.set_window": frozenset({Role.prefecture}),
    "reports.index": REVIEWERS,
    "reports.status": REVIEWERS,
    "reports.responses": REVIEWERS,
    "reports.export": REVIEWERS,
    "report_review.queue": REVIEWERS,
    "report_review.detail": REVIEWERS,
    "report_review.accept": REVIEWERS,
    "report_review.return_report": REVIEWERS,
    "report_review.accepted_csv": REVIEWERS,
    "beds.index": BED_VIEWERS,
    "beds.detail": BED_VIEWERS,
    "beds.full": BED_VIEWERS,
    "beds.export": BED_VIEWERS,
    "beds.full_export": BED_VIEWERS,
    "sos.index": SOS_REQUESTERS,
    "sos.new": SOS_REQUESTERS,
    "sos.detail": SOS_REQUESTERS | SOS_REVIEWERS,
    "sos.print_view": SOS_REQUESTERS | SOS_REVIEWERS,
    "sos.pdf": SOS_REQUESTERS | SOS_REVIEWERS,
    "sos.review_queue": SOS_REVIEWERS,
    "sos.review_export": SOS_REVIEWERS,
    "sos.accept": SOS_REVIEWERS,
    "sos.return_request": SOS_REVIEWERS,
    "public.index": PUBLIC,
    "public.search_page": PUBLIC,
    "public.facility": PUBLIC,
    "public.print_view": PUBLIC,
}


def test_every_route_has_an_expected_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - EXPECTED.keys() == set(), "routes without an expected access rule"
    assert EXPECTED.keys() - endpoints == set(), "expected rules for routes that do not exist"


def _requests(app, sample):
    """One (endpoint, method, url) per route, logout last (it ends the session)."""
    found = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static":
                continue
            args = {name: sample[name] for name in rule.arguments}
            method = "GET" if "GET" in rule.methods else "POST"
            found.append((rule.endpoint, method, url_for(rule.endpoint, **args)))
    return sorted(found, key=lambda item: item[0] == "auth.logout")


@pytest.fixture
def sample(make_facility, make_user):
    from gmis.db import session
    from gmis.models import RegistrationApplication

    facility = make_facility()
    application = RegistrationApplication(
        facility_type=facility.facility_type, facility_code="1310000019",
        facility_name="試験病院", postal_code="1600023", address="東京都新宿区西新宿2-8-1",
        phone="0353211111", contact_name="試験 太郎", email="a@example.jp",
        prefecture_code="13", number="20261121000001",
    )
    session.add(application)
    version = _published_survey_version()
    response = _survey_response(facility)
    from gmis.models import SosRequest

    sos_request = SosRequest(facility=facility, prefecture_code="13", title="要請")
    session.add(sos_request)
    session.commit()
    return {"survey_key": response.survey.key, "period_key": response.period_key,
            "response_id": response.id, "version_id": version.id, "facility_id": facility.id,
            "application_id": application.id,
            "user_id": make_user().id, "token": "no-such-token", "number": "x",
            "filename": "css/app.css", "request_id": sos_request.id,
            # A draft of nobody's organisation: a 404 for those who may build surveys.
            "draft_id": 999_999, "listing_id": 999_999, "key": "no_such_item"}


def _published_survey_version():
    from datetime import date

    from gmis.surveys.runtime import field_types
    from gmis.surveys.store import versions

    definition = {"schema_version": 1, "key": "access_check", "title": "権限確認",
                  "period": {"kind": "ad_hoc"},
                  "sections": [{"key": "s", "title": "S",
                                "fields": [{"key": "n", "type": "integer", "label": "N"}]}]}
    version = versions.import_definition(definition, field_types(), source="access.yaml").version
    versions.publish(version, date(2026, 4, 1))
    return version


def _survey_response(facility):
    """A survey every answering role answers, and a draft response of ``facility``."""
    from datetime import date

    from gmis.db import session, utcnow
    from gmis.models import SurveyResponse
    from gmis.surveys.engine import periods
    from gmis.surveys.runtime import field_types
    from gmis.surveys.store import versions

    definition = {"schema_version": 1, "key": "access_fill", "title": "回答権限確認",
                  "respondents": {"roles": ["facility", "prefecture", "city"]},
                  "period": {"kind": "ad_hoc"},
                  "sections": [{"key": "s", "title": "S",
                                "fields": [{"key": "n", "type": "integer", "label": "N"}]}]}
    version = versions.import_definition(definition, field_types(), source="fill.yaml").version
    versions.publish(version, date(2026, 4, 1))
    period = periods.period_for("ad_hoc", periods.today(utcnow()))
    response = SurveyResponse(
        survey=version.survey, version=version, respondent_key=f"facility:{facility.id}",
        facility_id=facility.id, prefecture_code=facility.prefecture_code,
        period_key=period.key, period_start=period.start, answers={"n": 1})
    session.add(response)
    session.flush()
    return response


def _refused(response) -> bool:
    return response.status_code == 403


def _sent_to_login(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_anonymous_visitors_reach_only_public_routes(app, sample):
    client = app.test_client()
    for endpoint, method, url in _requests(app, sample):
        response = client.open(url, method=method)
        if EXPECTED[endpoint] == PUBLIC:
            assert not _refused(response) and not _sent_to_login(response), endpoint
        else:
            assert _sent_to_login(response), (endpoint, response.status_code)
        response.close()  # a file streams from disk until its response is closed


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_allowed_and_refused_as_expected(app, sample, make_user, role):
    user = make_user(role=role)
    client = app.test_client()
    sign_in(client, user)
    token = re.search(r'name="csrf-token" content="([^"]+)"',
                      client.get("/home", follow_redirects=True).get_data(as_text=True)).group(1)
    for endpoint, method, url in _requests(app, sample):
        response = client.open(url, method=method, headers={"X-CSRFToken": token})
        allowed = EXPECTED[endpoint] == PUBLIC or role in EXPECTED[endpoint]
        assert response.status_code < 500, (endpoint, response.status_code)
        if allowed:
            assert not _refused(response) and not _sent_to_login(response), (
                endpoint, response.status_code)
        else:
            assert _refused(response), (endpoint, response.status_code)
        response.close()
