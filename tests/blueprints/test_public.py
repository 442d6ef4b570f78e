"""The public pages: search, facility page and print view, without signing in; a bad search
is a Japanese 400 with the form as typed; and nothing unpublished ever appears."""

import html
from datetime import UTC, datetime

import pytest

from gmis.models import FacilityType, ResponseStatus
from gmis.publication import indexing
from tests.publication.helpers import accepted_report, compiled_of, every_answer

REPORTS = [("medical_function", FacilityType.hospital), ("medical_function", FacilityType.clinic),
           ("dental_function", FacilityType.dental_clinic),
           ("pharmacy_function", FacilityType.pharmacy)]


def text_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.get_data(as_text=True))


def test_public_redirects_to_the_search(app):
    response = app.test_client().get("/public/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/public/search")


@pytest.mark.parametrize("query", ["q=" + "あ" * 101, "q=%00", "pref=99", "open=at&day=mon",
                                   "sort=distance", "near=abc"])
def test_a_bad_search_is_a_japanese_400_with_the_form_as_typed(app, query):
    response = app.test_client().get(f"/public/search?{query}&municipality=LIKE%25_")
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert 'class="notice notice-error"' in page and 'value="LIKE%_"' in page


def test_the_search_page_allows_geolocation_only_on_itself(app):
    response = app.test_client().get("/public/search")
    assert response.status_code == 200
    assert "geolocation=(self)" in response.headers["Permissions-Policy"]


@pytest.mark.parametrize(("key", "facility_type"), REPORTS)
def test_nothing_internal_leaks_and_public_fields_show(app, builtin_survey, make_facility,
                                                       key, facility_type):
    survey = builtin_survey(key)
    facility = make_facility(facility_type=facility_type, latitude=35.69, longitude=139.69)
    survey_compiled = compiled_of(survey, facility)
    answers = every_answer(survey_compiled)
    listing = indexing.publish(accepted_report(survey, facility, answers))
    client = app.test_client()
    pages = [text_of(client, f"/public/search?q={listing.name}"),
             text_of(client, f"/public/facilities/{listing.id}"),
             text_of(client, f"/public/facilities/{listing.id}/print")]
    assert listing.name in pages[0]
    shown = {item["key"] for section in listing.sections for item in section["items"]}
    public_text = " ".join(
        [f.definition.label for f in survey_compiled.fields.values() if f.definition.public]
        + [s.title for s in survey_compiled.sections]
        + [c.label for f in survey_compiled.fields.values() for c in f.definition.choices])
    for field_key, field in survey_compiled.fields.items():
        if field.definition.public:
            if field_key in shown:
                for page in pages[1:]:
                    assert field.definition.label in page, field_key
            continue
        for page in pages:
            for stored in _spottable(answers.get(field_key)):
                assert stored not in page, (field_key, stored)
            if field.definition.label not in public_text:
                assert field.definition.label not in page, field_key


def _spottable(value):
    """The distinctive texts of a stored value (those a page would show it by)."""
    if isinstance(value, dict):
        return [text for cell in value.values() for text in _spottable(cell)]
    if isinstance(value, list):
        return [text for cell in value for text in _spottable(cell)]
    if isinstance(value, str) and ("LEAK-" in value or "leak-" in value):
        return [value]
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 1_000_000:
        return [f"{value:,}".split(".")[0]]
    return []


def test_unaccepted_reports_never_appear(app, builtin_survey, make_facility):
    survey = builtin_survey("pharmacy_function")
    client = app.test_client()
    for status in (ResponseStatus.draft, ResponseStatus.submitted, ResponseStatus.returned):
        facility = make_facility(facility_type=FacilityType.pharmacy)
        answers = every_answer(compiled_of(survey, facility))
        accepted_report(survey, facility, {**answers, "name": f"未公表-{status.value}"},
                        status=status)
        assert f"未公表-{status.value}" not in text_of(client, "/public/search?q=未公表")
    # A facility whose newest report was returned keeps what was accepted before.
    facility = make_facility(facility_type=FacilityType.pharmacy)
    answers = every_answer(compiled_of(survey, facility))
    listing = indexing.publish(accepted_report(
        survey, facility, {**answers, "name": "受理済み薬局"},
        accepted_at=datetime(2026, 1, 5, tzinfo=UTC)))
    accepted_report(survey, facility, {**answers, "name": "差戻し中の名前"},
                    status=ResponseStatus.returned, period_key="adhoc-20261204")
    page = text_of(client, f"/public/facilities/{listing.id}")
    assert "受理済み薬局" in page and "差戻し中の名前" not in page
    assert "受理済み薬局" in text_of(client, "/public/search?q=薬局")


def test_a_resident_finds_by_department_and_open_now(app, builtin_survey, make_facility):
    survey = builtin_survey("medical_function")
    facility = make_facility(facility_type=FacilityType.clinic)
    answers = every_answer(compiled_of(survey, facility))
    listing = indexing.publish(accepted_report(survey, facility, answers))
    department = answers[survey_departments := compiled_of(survey, facility)
                         .definition.publication.departments][0]
    page = text_of(app.test_client(), f"/public/search?department={department}")
    assert listing.name in page and f"/public/facilities/{listing.id}" in page
    assert survey_departments


def test_the_search_is_rate_limited(limited_app):
    app = limited_app(RATELIMIT_PUBLIC="2 per minute")
    client = app.test_client()
    assert [client.get("/public/search").status_code for _ in range(2)] == [200, 200]
    assert client.get("/public/search").status_code == 429
