"""The facility master is kept together: what it knows in gmis/facilities, how it is served
in gmis/blueprints/facilities (the house rules of the layout: tests/test_layout.py).

The CSV import, the demo and the benchmarks call the same rules and use cases as the pages:
they work without a request, from plain mappings."""

from __future__ import annotations

import pytest

from gmis.facilities import operations
from gmis.filters import FilterError
from gmis.models import FacilityType, Role


def test_the_organisation_models_are_still_seen_whole_through_gmis_models():
    # Alembic and every other module read the schema through gmis.models.
    import gmis.facilities.models as facility_models
    import gmis.models

    for name in ("Prefecture", "SecondaryArea", "City", "Facility", "FacilityDesignation",
                 "Aggregator", "FireDepartment", "aggregator_members", "DESIGNATIONS"):
        assert getattr(gmis.models, name) is getattr(facility_models, name)


@pytest.fixture
def tokyo_office(make_user):
    return make_user(role=Role.prefecture, prefecture_code="13")


def test_a_search_runs_without_a_request_from_a_plain_mapping(tokyo_office, make_facility):
    wanted = make_facility(name="新宿中央病院", name_kana="シンジュクチュウオウビョウイン")
    make_facility(name="みどり薬局", facility_type=FacilityType.pharmacy)
    search = operations.Search.from_args({"q": "しんじゅく", "type": "hospital"}, tokyo_office)
    page = operations.search_facilities(tokyo_office, search)
    assert [facility.id for facility in page.items] == [wanted.id]


def test_a_bad_filter_is_explained_in_japanese_without_a_request(tokyo_office):
    with pytest.raises(FilterError) as refused:
        operations.Search.from_args({"type": "hotel", "page": "0"}, tokyo_office)
    assert refused.value.messages == ["施設種別の指定が正しくありません。一覧から選んでください。",
                                      "ページ番号が正しくありません。"]
