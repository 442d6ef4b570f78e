"""The facility master is kept together: what it knows in gmis/facilities, how it is served
in gmis/blueprints/facilities.

The CSV import, the demo and the benchmarks call the same rules and use cases as the pages,
so those must work without a request; and the other features (beds, reports, SOS review)
take the area and prefecture choices from the capability, not from another blueprint."""

from __future__ import annotations

import pytest

from gmis.facilities import operations
from gmis.filters import FilterError
from gmis.models import FacilityType, Role
from tests.fixtures.imports import PACKAGE, imports_of, modules_in

#: The command-line adapter: it reads the configured size limit, as the blueprint reads the
#: request; everything else in the package is free of Flask.
COMMAND_LINE = "cli.py"




def _is_web(module: str) -> bool:
    return (module.split(".")[0] in ("flask", "flask_login", "flask_wtf", "werkzeug")
            or module.startswith("gmis.blueprints"))


def test_the_capability_package_imports_neither_flask_nor_the_web_adapter():
    offending = [(path.name, module) for path in modules_in(PACKAGE / "facilities")
                 if path.name != COMMAND_LINE
                 for module, _ in imports_of(path) if _is_web(module)]
    assert offending == []


def test_the_command_line_adapter_does_not_reach_into_the_web_adapter():
    offending = [module for module, _ in imports_of(PACKAGE / "facilities" / COMMAND_LINE)
                 if module.startswith("gmis.blueprints")]
    assert offending == []


def test_only_the_facility_blueprint_and_the_app_factory_import_it():
    allowed = {"blueprints/__init__.py"}
    outside = [relative for path in modules_in(PACKAGE)
               if (relative := path.relative_to(PACKAGE).as_posix()) not in allowed
               and not relative.startswith("blueprints/facilities/")
               for module, _ in imports_of(path)
               if module.startswith("gmis.blueprints.facilities")]
    assert outside == []


def test_no_module_takes_a_private_name_from_the_facility_modules_or_the_models():
    # The other models once took the organisation models' private alias of stored_enum.
    private = [(path.relative_to(PACKAGE).as_posix(), module, name)
               for path in modules_in(PACKAGE)
               for module, names in imports_of(path)
               if module.startswith(("gmis.facilities", "gmis.blueprints.facilities",
                                     "gmis.models"))
               for name in names if name.startswith("_")]
    assert private == []


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
