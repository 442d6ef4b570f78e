"""Who answers a survey (回答対象): the respondent a user answers for, and whether a
survey's definition asks that respondent.

A respondent is the organisation a response belongs to: a facility (answered by its own
users, or by an aggregator for a member facility when the survey allows it), a prefecture or
a health-centre city / special ward. Facilities are asked by type, designation and
prefecture, as the definition's ``respondents`` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from gmis.db import session
from gmis.models import City, Facility, FacilityDesignation, Role, User, aggregator_members
from gmis.surveys.engine.definition import SurveyDefinition

NOT_ASKED = "この調査の回答対象ではありません。"


@dataclass(frozen=True)
class Respondent:
    """The organisation a response belongs to."""

    #: Stored as ``SurveyResponse.respondent_key``: "facility:12", "prefecture:13", "city:4".
    key: str
    #: "facility", "prefecture" or "city" (the roles of ``respondents.roles``).
    kind: str
    name: str
    prefecture_code: str
    facility: Facility | None = None
    city_id: int | None = None
    #: An aggregator answering for its member facility.
    on_behalf: bool = False

    @property
    def facility_id(self) -> int | None:
        return self.facility.id if self.facility is not None else None

    def expression_context(self) -> dict[str, Any]:
        """``respondent`` in expressions: type, prefecture and designations."""
        facility = self.facility
        return {
            "type": facility.facility_type.value if facility is not None else self.kind,
            "prefecture": self.prefecture_code,
            "designations": sorted(facility.designation_keys) if facility is not None else [],
        }


def for_facility(facility: Facility, *, on_behalf: bool = False) -> Respondent:
    return Respondent(key=f"facility:{facility.id}", kind="facility", name=facility.name,
                      prefecture_code=facility.prefecture_code, facility=facility,
                      city_id=facility.city_id, on_behalf=on_behalf)


def respondent_of_response(response) -> Respondent:
    """The respondent a stored ``SurveyResponse`` belongs to."""
    if response.facility is not None:
        return for_facility(response.facility, on_behalf=response.answered_on_behalf)
    kind = response.respondent_key.partition(":")[0]
    name = response.city.name if kind == "city" and response.city else response.prefecture.name
    return Respondent(key=response.respondent_key, kind=kind, name=name,
                      prefecture_code=response.prefecture_code, city_id=response.city_id)


def member_facility(user: User, facility_id: int) -> Facility | None:
    """An active member facility of the aggregator ``user`` (None for anyone else's)."""
    return session.scalars(
        sa.select(Facility)
        .join(aggregator_members, aggregator_members.c.facility_id == Facility.id)
        .where(aggregator_members.c.aggregator_id == user.aggregator_id,
               Facility.id == facility_id, Facility.is_active.is_(True))
    ).first()


def members(user: User) -> list[Facility]:
    return list(session.scalars(
        sa.select(Facility)
        .join(aggregator_members, aggregator_members.c.facility_id == Facility.id)
        .where(aggregator_members.c.aggregator_id == user.aggregator_id,
               Facility.is_active.is_(True))
        .order_by(Facility.name_kana, Facility.name, Facility.id)
    ))


def respondent_of(user: User, facility: Facility | None = None) -> Respondent | None:
    """Whom ``user`` answers for: their facility, prefecture or city; an aggregator answers
    for ``facility`` (one of its members, already checked by the caller)."""
    match user.role:
        case Role.facility:
            return for_facility(user.facility) if user.facility.is_active else None
        case Role.aggregator:
            return for_facility(facility, on_behalf=True) if facility is not None else None
        case Role.prefecture:
            return Respondent(key=f"prefecture:{user.prefecture_code}", kind="prefecture",
                              name=user.prefecture.name, prefecture_code=user.prefecture_code)
        case Role.city:
            city: City = user.city
            return Respondent(key=f"city:{city.id}", kind="city", name=city.name,
                              prefecture_code=city.prefecture_code, city_id=city.id)
    return None


def refusal(definition: SurveyDefinition, respondent: Respondent) -> str | None:
    """Why ``respondent`` does not answer the survey (Japanese), or None when it does."""
    asked = definition.respondents
    if respondent.kind not in asked.roles:
        return NOT_ASKED
    if asked.prefectures and respondent.prefecture_code not in asked.prefectures:
        return "この調査は、この都道府県では実施されていません。"
    if respondent.kind != "facility":
        return None
    facility = respondent.facility
    if respondent.on_behalf and not asked.aggregators_on_behalf:
        return "この調査は、とりまとめ団体による代理回答の対象ではありません。"
    if asked.facility_types and facility.facility_type.value not in asked.facility_types:
        return f"{facility.facility_type.label}はこの調査の回答対象ではありません。"
    if asked.designations and not (facility.designation_keys & set(asked.designations)):
        return "この調査は、指定を受けた医療機関等のみが回答します。"
    return None


def answers(definition: SurveyDefinition, respondent: Respondent) -> bool:
    return refusal(definition, respondent) is None


def asked_facilities(definition: SurveyDefinition) -> sa.ColumnElement[bool]:
    """The facilities the survey asks, as a WHERE clause on ``Facility``: the same test as
    ``refusal`` for a facility answering itself, for counting who has answered."""
    asked = definition.respondents
    if "facility" not in asked.roles:
        return sa.false()
    clauses = [Facility.is_active.is_(True)]
    if asked.facility_types:
        clauses.append(Facility.facility_type.in_(asked.facility_types))
    if asked.designations:
        clauses.append(sa.exists().where(
            FacilityDesignation.facility_id == Facility.id,
            FacilityDesignation.designation.in_(asked.designations)))
    if asked.prefectures:
        clauses.append(Facility.prefecture_code.in_(asked.prefectures))
    return sa.and_(*clauses)
