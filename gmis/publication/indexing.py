"""公表(検索用データの作成): an accepted report's public fields written into the search index.

``publish`` replaces a facility's listing with what an accepted report says, reading only the
fields whose definition says ``public: true`` and, for what the search finds a listing by,
the field keys of the definition's ``publication`` block: no code here knows a definition.
Rows are replaced, not compared: terms and hours are deleted and inserted in bulk, so
publishing one report stays a handful of statements.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from gmis import postal
from gmis.db import session, utcnow
from gmis.facilities.models import Facility, Prefecture
from gmis.models import ResponseStatus, Survey, SurveyResponse, SurveyVersion
from gmis.publication.models import (
    PublicListing,
    PublicListingHours,
    PublicListingTerm,
    PublicVocabulary,
)
from gmis.refusals import conflict
from gmis.surveys import runtime
from gmis.surveys.engine.builder import CompiledField, CompiledSurvey
from gmis.surveys.engine.fields.hours import DAYS
from gmis.surveys.engine.publication import FACETS_BY_NAME, facet_fields
from gmis.surveys.engine.validation import derived
from gmis.surveys.store import eligibility
from gmis.surveys.store.responses import stored_answers
from gmis.text import digits_only, normalise, search_fold

#: The facets residents search by a chosen value (``PublicListingTerm.facet``).
TERM_FACETS = ("departments", "treatments", "languages", "flags")
#: What joins name and kana in ``search_text``: never typed into a search (the query is
#: refused with it), so a name is not found across the join.
JOIN = "|"

#: 市区町村 at the start of an address without its prefecture: a county's town or village
#: (西多摩郡瑞穂町), a designated city's ward (横浜市中区), a city, a Tokyo ward.
_MUNICIPALITY = re.compile(r"^(?:.{1,6}?郡.{1,6}?[町村]|.{1,7}?市.{1,5}?区|.{1,7}?[市区町村])")


def _column_limit(column) -> int:
    return column.type.length


def publish(response: SurveyResponse) -> PublicListing | None:
    """Write (or replace) the facility's listing from ``response``, an accepted report.
    None, writing nothing, for a survey whose version has no ``publication`` block.
    Flushes; the caller commits."""
    compiled = runtime.compiled(response.version)
    publication = compiled.definition.publication
    if publication is None:
        return None
    if response.status != ResponseStatus.accepted or response.facility_id is None:
        raise conflict("受理されていない報告は公表できません。")
    facility = session.get(Facility, response.facility_id)
    context = (eligibility.for_facility(facility).expression_context()
               if compiled.uses_respondent else {})
    # Visibility worked out again: a public field the report's own answers hide (not
    # applicable) is not shown, whatever is stored for it.
    evaluation = derived(compiled, stored_answers(compiled, response.answers),
                         respondent=context)
    values = {key: value for key, value in evaluation.values.items()
              if key in evaluation.visible and compiled.fields[key].definition.public
              and not compiled.fields[key].type.is_empty(value)}

    def facet_value(name: str) -> Any:
        keys = facet_fields(publication, FACETS_BY_NAME[name])
        return values.get(keys[0]) if keys else None

    name = normalise(facet_value("name") or "") or facility.name
    kana = normalise(facet_value("kana") or "")
    address = normalise(facet_value("address") or "")
    postal_code = digits_only(facet_value("postal_code") or "")[:7]

    listing = session.scalars(sa.select(PublicListing).where(
        PublicListing.survey_id == response.survey_id,
        PublicListing.facility_id == facility.id)).first()
    if listing is None:
        listing = PublicListing(survey_id=response.survey_id, facility_id=facility.id)
        session.add(listing)
    listing.response_id = response.id
    listing.version_id = response.version_id
    listing.facility_type = facility.facility_type
    listing.prefecture_code = facility.prefecture_code
    listing.secondary_area_id = facility.secondary_area_id
    listing.municipality = _municipality(postal_code, address, facility.prefecture_code)
    listing.name = name[:_column_limit(PublicListing.name)]
    listing.name_kana = kana[:_column_limit(PublicListing.name_kana)]
    listing.search_text = search_fold(name) + JOIN + search_fold(kana)
    listing.kana_key = search_fold(kana)[:_column_limit(PublicListing.kana_key)]
    listing.postal_code = postal_code
    listing.address = address[:_column_limit(PublicListing.address)]
    listing.phone = digits_only(facet_value("phone") or "")[:_column_limit(PublicListing.phone)]
    listing.website = normalise(facet_value("website") or "")[
        :_column_limit(PublicListing.website)]
    listing.latitude, listing.longitude = facility.latitude, facility.longitude
    listing.sections = _sections(compiled, values)
    listing.reported_at = response.submitted_at or response.accepted_at or utcnow()
    listing.published_at = utcnow()
    session.flush()

    # Replaced wholesale: fewer statements than working out what changed.
    session.execute(sa.delete(PublicListingTerm).where(
        PublicListingTerm.listing_id == listing.id))
    session.execute(sa.delete(PublicListingHours).where(
        PublicListingHours.listing_id == listing.id))
    terms = _terms(compiled, values)
    if terms:
        session.execute(sa.insert(PublicListingTerm), [
            {"listing_id": listing.id, "facet": facet, "term": term} for facet, term in terms])
    hours = _hours(compiled, values)
    if hours:
        session.execute(sa.insert(PublicListingHours), [
            {"listing_id": listing.id, "day": day, "opens": opens, "closes": closes}
            for day, opens, closes in hours])
    _write_vocabulary(response.version, compiled)
    session.expire(listing, ["terms", "hours"])
    return listing


def unpublish(survey: Survey, facility: Facility) -> bool:
    """Remove the facility's listing of ``survey``; False when there was none."""
    listing_id = session.scalar(sa.select(PublicListing.id).where(
        PublicListing.survey_id == survey.id, PublicListing.facility_id == facility.id))
    if listing_id is None:
        return False
    # Explicit deletes: SQLite enforces ON DELETE CASCADE only with its foreign keys on.
    session.execute(sa.delete(PublicListingTerm).where(PublicListingTerm.listing_id == listing_id))
    session.execute(sa.delete(PublicListingHours).where(
        PublicListingHours.listing_id == listing_id))
    session.execute(sa.delete(PublicListing).where(PublicListing.id == listing_id))
    session.expire_all()
    return True


def latest_accepted_reports() -> list[SurveyResponse]:
    """Each facility's newest accepted report (by ``accepted_at``) of every survey: what
    the index holds when it is up to date."""
    ranked = sa.select(
        SurveyResponse.id,
        sa.func.row_number().over(
            partition_by=(SurveyResponse.survey_id, SurveyResponse.facility_id),
            order_by=(SurveyResponse.accepted_at.desc(), SurveyResponse.id.desc()),
        ).label("rank"),
    ).where(SurveyResponse.status == ResponseStatus.accepted,
            SurveyResponse.facility_id.is_not(None)).subquery()
    return list(session.scalars(
        sa.select(SurveyResponse).join(ranked, ranked.c.id == SurveyResponse.id)
        .where(ranked.c.rank == 1).order_by(SurveyResponse.id)))


def rebuild() -> tuple[int, int]:
    """Publish every facility's latest accepted report again, and remove listings no
    accepted report stands behind any more: (published, removed)."""
    published, kept = 0, set()
    for response in latest_accepted_reports():
        if publish(response) is not None:
            published += 1
            kept.add((response.survey_id, response.facility_id))
    removed = 0
    for listing_id, survey_id, facility_id in session.execute(sa.select(
            PublicListing.id, PublicListing.survey_id, PublicListing.facility_id)).all():
        if (survey_id, facility_id) not in kept:
            session.execute(sa.delete(PublicListingTerm).where(
                PublicListingTerm.listing_id == listing_id))
            session.execute(sa.delete(PublicListingHours).where(
                PublicListingHours.listing_id == listing_id))
            session.execute(sa.delete(PublicListing).where(PublicListing.id == listing_id))
            removed += 1
    session.flush()
    return published, removed


# --- what is written -------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _postal_city(postal_code: str) -> str:
    """The city of a postal code; remembered, as Japan Post's bundled data never changes
    while the process runs and opening it costs more than the rest of a publication."""
    found = postal.lookup(postal_code)
    return found.city if found is not None else ""


def _municipality(postal_code: str, address: str, prefecture_code: str) -> str:
    """市区町村: from the postal code's area when it is known, else the start of the
    address after the prefecture's name."""
    city = _postal_city(postal_code) if postal_code else ""
    if city:
        return city[:_column_limit(PublicListing.municipality)]
    prefecture = session.get(Prefecture, prefecture_code)
    rest = address.replace(" ", "")
    if prefecture is not None and rest.startswith(prefecture.name):
        rest = rest[len(prefecture.name):]
    matched = _MUNICIPALITY.match(rest)
    return matched.group(0)[:_column_limit(PublicListing.municipality)] if matched else ""


def _sections(compiled: CompiledSurvey, values: dict[str, Any]) -> list[dict]:
    """The public fields answered, grouped as the definition's sections, each as the
    facility page shows it (``text`` through the field type's ``display``)."""
    sections = []
    for section in compiled.sections:
        items = [_item(field, values[field.key]) for field in compiled.section_fields(section.key)
                 if field.key in values]
        if items:
            sections.append({"key": section.key, "title": section.title, "items": items})
    return sections


def _item(field: CompiledField, value: Any) -> dict:
    field_type = field.type
    item = {"key": field.key, "label": field.definition.label, "type": field_type.name,
            "text": field_type.display(value)}
    if field_type.name == "weekly_hours":
        # Kept per day for the page's grid.
        item["days"] = [[short, field_type.day_text(value, day)] for day, short, _ in DAYS]
    elif field_type.name == "multiple_choice":
        item["list"] = [field_type.choice_label(choice) for choice in value]
    elif hasattr(field_type, "columns") and hasattr(field_type, "rows"):  # a table
        item["columns"] = [column.label for column in field_type.columns]
        item["rows"] = [
            [label, [column.type.display(value[row][column.key])
                     if column.key in value.get(row, {}) else "" for column in field_type.columns]]
            for row, label in field_type.rows if value.get(row)]
    elif hasattr(field_type, "items") and isinstance(value, list):  # a repeating group
        item["columns"] = [sub.label for sub in field_type.items]
        item["rows"] = [[str(number), [sub.type.display(entry[sub.key]) if sub.key in entry
                                       else "" for sub in field_type.items]]
                        for number, entry in enumerate(value, 1)]
    return item


def _terms(compiled: CompiledSurvey, values: dict[str, Any]) -> set[tuple[str, str]]:
    publication = compiled.definition.publication
    terms: set[tuple[str, str]] = set()
    for facet_name in TERM_FACETS:
        for key in facet_fields(publication, FACETS_BY_NAME[facet_name]):
            value = values.get(key)
            if value is None:
                continue
            field_type = compiled.fields[key].type
            if facet_name != "flags":
                terms.update((facet_name, choice) for choice in value)
            elif field_type.name == "yes_no":
                if value is True:
                    terms.add((facet_name, key))
            else:
                terms.update((facet_name, f"{key}.{choice}") for choice in value)
    return terms


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _hours(compiled: CompiledSurvey, values: dict[str, Any]) -> set[tuple[str, int, int]]:
    """Every range of every weekly hours field the publication block names: outpatient,
    night and holiday hours all answer "open at"."""
    publication = compiled.definition.publication
    rows = set()
    for key in facet_fields(publication, FACETS_BY_NAME["hours"]):
        value = values.get(key) or {}
        for day, ranges in value.items():
            for start, end in ranges:
                opens, closes = _minutes(start), _minutes(end)
                if opens < closes:
                    rows.add((day, opens, closes))
    return rows


def vocabulary(compiled: CompiledSurvey) -> dict[str, list[list[str]]]:
    """The choices of the facets residents pick from, with their labels, in the
    definition's order: ``{facet: [[term, label], ...]}``."""
    publication = compiled.definition.publication
    facets: dict[str, list[list[str]]] = {}
    for facet_name in TERM_FACETS:
        seen: dict[str, str] = {}
        for key in facet_fields(publication, FACETS_BY_NAME[facet_name]):
            definition = compiled.fields[key].definition
            if facet_name == "flags" and compiled.fields[key].type.name == "yes_no":
                seen.setdefault(key, definition.label)
                continue
            for choice in definition.choices:
                term = f"{key}.{choice.value}" if facet_name == "flags" else choice.value
                seen.setdefault(term, choice.label)
        if seen:
            facets[facet_name] = [[term, label] for term, label in seen.items()]
    return facets


def _write_vocabulary(version: SurveyVersion, compiled: CompiledSurvey) -> None:
    """Once per version: a version never changes, nor do its choices."""
    if session.get(PublicVocabulary, version.id) is not None:
        return
    session.add(PublicVocabulary(version_id=version.id, survey_id=version.survey_id,
                                 facets=vocabulary(compiled)))
    session.flush()
