"""Publishing an accepted report into the search index: public fields only, replaced on
every publication, every facet the definition's publication block names."""

import time

import pytest
import sqlalchemy as sa

from gmis.db import session
from gmis.models import FacilityType, ResponseStatus
from gmis.publication import indexing
from gmis.publication.models import (
    PublicListing,
    PublicListingHours,
    PublicListingTerm,
    PublicVocabulary,
)
from gmis.refusals import Refused
from tests.publication.helpers import accepted_report, compiled_of, every_answer

REPORTS = [("medical_function", FacilityType.hospital),
           ("dental_function", FacilityType.dental_clinic),
           ("pharmacy_function", FacilityType.pharmacy)]


@pytest.mark.parametrize(("key", "facility_type"), REPORTS)
def test_only_public_fields_are_written_with_every_facet(builtin_survey, make_facility, key,
                                                       facility_type):
    survey = builtin_survey(key)
    facility = make_facility(facility_type=facility_type, latitude=35.69, longitude=139.69)
    survey_compiled = compiled_of(survey, facility)
    answers = every_answer(survey_compiled)
    listing = indexing.publish(accepted_report(survey, facility, answers))
    written = {item["key"] for section in listing.sections for item in section["items"]}
    public = {k for k, f in survey_compiled.fields.items() if f.definition.public}
    assert written and written <= public
    assert not any(f"LEAK-{k}-X" in str(listing.sections) for k in survey_compiled.fields
                   if k not in public)
    publication = survey_compiled.definition.publication
    assert listing.name == f"LEAK-{publication.name}-X"
    assert listing.kana_key == f"leak-{publication.kana}-x"
    assert listing.municipality == "新宿区"
    assert (listing.latitude, listing.longitude) == (35.69, 139.69)
    facets = {facet for facet, in session.execute(sa.select(PublicListingTerm.facet).where(
        PublicListingTerm.listing_id == listing.id))}
    expected = {name for name in indexing.TERM_FACETS if getattr(publication, name)}
    assert facets == expected
    days = {day for day, in session.execute(sa.select(PublicListingHours.day).where(
        PublicListingHours.listing_id == listing.id))}
    assert {"mon", "sat", "holiday"} <= days and "sun" not in days
    vocabulary = session.get(PublicVocabulary, listing.version_id)
    assert set(vocabulary.facets) == expected


def test_republishing_replaces_and_unpublish_removes(builtin_survey, make_facility):
    survey = builtin_survey("pharmacy_function")
    facility = make_facility(facility_type=FacilityType.pharmacy)
    answers = every_answer(compiled_of(survey, facility))
    first = indexing.publish(accepted_report(survey, facility, answers))
    changed = {**answers, "name": "あおば薬局", "languages": []}
    second = indexing.publish(accepted_report(survey, facility, changed,
                                              period_key="adhoc-20261204"))
    assert second.id == first.id and second.name == "あおば薬局"
    assert session.scalar(sa.select(sa.func.count()).select_from(PublicListing)) == 1
    assert not session.scalars(sa.select(PublicListingTerm).where(
        PublicListingTerm.listing_id == first.id, PublicListingTerm.facet == "languages")).all()
    assert indexing.unpublish(survey, facility)
    assert session.scalar(sa.select(sa.func.count()).select_from(PublicListingTerm)) == 0


def test_an_unaccepted_report_is_refused_and_publishing_is_fast(builtin_survey, make_facility):
    survey = builtin_survey("medical_function")
    facility = make_facility()
    answers = every_answer(compiled_of(survey, facility))
    with pytest.raises(Refused):
        indexing.publish(accepted_report(survey, facility, answers,
                                         status=ResponseStatus.submitted))
    report = accepted_report(survey, facility, answers, period_key="adhoc-20261204")
    indexing.publish(report)
    started = time.perf_counter()
    indexing.publish(report)
    assert time.perf_counter() - started < 0.05


def test_rebuild_publishes_each_facilitys_latest_accepted_report(builtin_survey, make_facility):
    from datetime import UTC, datetime
    survey = builtin_survey("pharmacy_function")
    facility = make_facility(facility_type=FacilityType.pharmacy)
    answers = every_answer(compiled_of(survey, facility))
    accepted_report(survey, facility, {**answers, "name": "古い薬局"},
                    accepted_at=datetime(2026, 1, 5, tzinfo=UTC))
    accepted_report(survey, facility, {**answers, "name": "新しい薬局"},
                    period_key="adhoc-20261204")
    assert indexing.rebuild() == (1, 0)
    assert session.scalars(sa.select(PublicListing.name)).all() == ["新しい薬局"]


def test_the_rebuild_command(app, builtin_survey, make_facility):
    survey = builtin_survey("pharmacy_function")
    facility = make_facility(facility_type=FacilityType.pharmacy)
    accepted_report(survey, facility, every_answer(compiled_of(survey, facility)))
    result = app.test_cli_runner().invoke(args=["publication", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "published 1" in result.output
