"""The demo data set as plain records, before anything is written: ``generate()`` makes
them, ``write()`` stores them, and tests compare the two."""

from __future__ import annotations

from dataclasses import dataclass

from gmis.models import FacilityType, Role


@dataclass(frozen=True)
class FacilityRecord:
    facility_type: FacilityType
    code: str | None
    insurance_code: str | None
    name: str
    name_kana: str
    postal_code: str
    address: str
    phone: str
    email: str
    beds: int | None
    prefecture_code: str
    secondary_area_code: str
    #: Code of the health-centre city or special ward the address lies in, if any.
    city_code: str | None
    latitude: float | None
    longitude: float | None
    designations: tuple[str, ...]


@dataclass(frozen=True)
class AggregatorRecord:
    name: str
    prefecture_code: str
    phone: str
    email: str
    #: Positions of the member facilities in ``DemoData.facilities``.
    members: tuple[int, ...]


@dataclass(frozen=True)
class FireDepartmentRecord:
    name: str
    prefecture_code: str


@dataclass(frozen=True)
class UserRecord:
    login_id: str
    name: str
    email: str
    role: Role
    #: Positions in the lists of ``DemoData`` for the organisation kinds that have no code.
    facility: int | None = None
    aggregator: int | None = None
    fire_department: int | None = None
    prefecture_code: str | None = None
    city_code: str | None = None


@dataclass(frozen=True)
class ApplicationRecord:
    """A pending 新規ユーザ登録申請, so that the prefecture's review list has work in it."""

    facility_type: FacilityType
    facility_code: str
    facility_name: str
    postal_code: str
    address: str
    phone: str
    contact_name: str
    email: str


@dataclass(frozen=True)
class DemoData:
    facilities: tuple[FacilityRecord, ...]
    aggregators: tuple[AggregatorRecord, ...]
    fire_departments: tuple[FireDepartmentRecord, ...]
    users: tuple[UserRecord, ...]
    applications: tuple[ApplicationRecord, ...] = ()
