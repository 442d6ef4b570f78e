"""Issuing accounts (アカウント発行): which roles and organisations the issuer may choose, and
resolving the organisation the form names. Issuing itself is ``operations.issue_account``.

No Flask here: the blueprint passes the issuer and what was typed, and shows the answers on
its form's fields."""

from __future__ import annotations

import sqlalchemy as sa

from gmis import access
from gmis.db import session
from gmis.models import Aggregator, City, Facility, FireDepartment, Prefecture, Role, User
from gmis.text import digits_only, facility_code_error


def issuable_roles(issuer: User) -> list[Role]:
    return [role for role in Role if access.may_issue_account_for(
        issuer, role, issuer.prefecture_code if issuer.role == Role.prefecture else None)]


def organisation_choices(issuer: User, role: Role) -> list[tuple[str, str]] | None:
    """Choices for the organisation select, or None when the role needs a facility code
    (typed) or no organisation at all."""
    restrict = issuer.prefecture_code if issuer.role == Role.prefecture else None
    match role:
        case Role.prefecture:
            return [(p.code, p.name) for p in session.scalars(
                sa.select(Prefecture).order_by(Prefecture.code))]
        case Role.city:
            return [(str(c.id), f"{c.prefecture.name} {c.name}") for c in session.scalars(
                sa.select(City).order_by(City.code))]
        case Role.fire_department:
            query = sa.select(FireDepartment).order_by(FireDepartment.prefecture_code,
                                                       FireDepartment.name)
            if restrict:
                query = query.where(FireDepartment.prefecture_code == restrict)
            return [(str(d.id), f"{d.prefecture.name} {d.name}") for d in session.scalars(query)]
        case Role.aggregator:
            query = sa.select(Aggregator).order_by(Aggregator.prefecture_code, Aggregator.name)
            if restrict:
                query = query.where(Aggregator.prefecture_code == restrict)
            return [(str(a.id), f"{a.prefecture.name} {a.name}") for a in session.scalars(query)]
    return None


def resolve_organisation(issuer: User, role: Role, value: str) -> tuple[dict, str | None]:
    """The organisation fields for a new ``role`` user, or an error message in Japanese."""
    if role in (Role.national, Role.secretariat):
        return {}, None
    if not value:
        return {}, "所属を選択または入力してください。"
    if role == Role.facility:
        code = digits_only(value)
        if error := facility_code_error(code):
            return {}, error
        facility = session.scalars(
            access.facilities(issuer).where(Facility.code == code)).first()
        if facility is None:
            return {}, ("この医療機関コードの医療機関は、"
                        "医療機関マスタ(所管の範囲)に登録されていません。")
        return {"facility": facility}, None
    if value not in {key for key, _ in organisation_choices(issuer, role) or []}:
        return {}, "選択された所属は指定できません。"
    field = {Role.prefecture: "prefecture_code", Role.city: "city_id",
             Role.fire_department: "fire_department_id", Role.aggregator: "aggregator_id"}[role]
    return {field: value if field == "prefecture_code" else int(value)}, None


def login_id_taken(login_id: str) -> bool:
    return bool(session.scalar(sa.select(sa.exists().where(User.login_id == login_id))))
