"""Issuing accounts is a use case of the accounts capability: which roles and organisations
an issuer may choose is answered without a request, so the demo and commands can ask it."""

from __future__ import annotations

from gmis.accounts import issuing
from gmis.models import Role


def test_a_prefecture_resolves_a_facility_code_within_its_scope_only(make_user, make_facility):
    tokyo_office = make_user(role=Role.prefecture, prefecture_code="13")
    own, other = make_facility(prefecture_code="13"), make_facility(prefecture_code="27")
    assert issuing.resolve_organisation(tokyo_office, Role.facility, own.code) == (
        {"facility": own}, None)
    assert issuing.resolve_organisation(tokyo_office, Role.facility, other.code) == (
        {}, "この医療機関コードの医療機関は、医療機関マスタ(所管の範囲)に登録されていません。")
    assert set(issuing.issuable_roles(tokyo_office)) == {Role.facility, Role.fire_department}
