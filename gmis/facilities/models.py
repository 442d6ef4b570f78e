"""Organisations: prefectures, secondary medical areas, health-centre cities, facilities,
aggregators and fire departments."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gmis.db import Base, stored_enum, utcnow


class FacilityType(enum.StrEnum):
    hospital = "hospital"
    clinic = "clinic"
    dental_clinic = "dental_clinic"
    pharmacy = "pharmacy"
    outpatient_centre = "outpatient_centre"

    @property
    def label(self) -> str:
        return FACILITY_TYPE_LABELS[self]


FACILITY_TYPE_LABELS = {
    FacilityType.hospital: "病院",
    FacilityType.clinic: "診療所",
    FacilityType.dental_clinic: "歯科診療所",
    FacilityType.pharmacy: "薬局",
    FacilityType.outpatient_centre: "外来・検査センター",
}

#: Designations a facility can hold; the key is stored, the label shown.
DESIGNATIONS = {
    "outpatient_testing": "診療・検査医療機関",
    "pcr_testing": "PCR検査実施医療機関",
    "covid_inpatient": "新型コロナウイルス感染症患者受入医療機関",
}


class CityKind(enum.StrEnum):
    health_centre_city = "health_centre_city"
    special_ward = "special_ward"


class Prefecture(Base):
    """都道府県."""

    __tablename__ = "prefectures"

    #: JIS X 0401 code, "01" (北海道) to "47" (沖縄県).
    code: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(8), unique=True)
    name_kana: Mapped[str] = mapped_column(sa.String(16))
    region: Mapped[str] = mapped_column(sa.String(8))

    __table_args__ = (sa.CheckConstraint("code BETWEEN '01' AND '47'", name="jis_code"),)


class SecondaryArea(Base):
    """二次医療圏."""

    __tablename__ = "secondary_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Prefecture code followed by a two-digit sequence within the prefecture.
    code: Mapped[str] = mapped_column(sa.String(4), unique=True)
    prefecture_code: Mapped[str] = mapped_column(sa.ForeignKey("prefectures.code"), index=True)
    name: Mapped[str] = mapped_column(sa.String(40))

    prefecture: Mapped[Prefecture] = relationship()

    __table_args__ = (sa.UniqueConstraint("prefecture_code", "name", name="uq_area_name"),)


class City(Base):
    """保健所設置市・特別区: a municipality running its own health centre."""

    __tablename__ = "cities"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 全国地方公共団体コード (6 digits, with check digit).
    code: Mapped[str] = mapped_column(sa.String(6), unique=True)
    prefecture_code: Mapped[str] = mapped_column(sa.ForeignKey("prefectures.code"), index=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    kind: Mapped[CityKind] = mapped_column(stored_enum(CityKind, "city_kind"))

    prefecture: Mapped[Prefecture] = relationship()


class Facility(Base):
    """医療機関等: a hospital, clinic, dental clinic, pharmacy or outpatient/testing centre."""

    __tablename__ = "facilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_type: Mapped[FacilityType] = mapped_column(stored_enum(FacilityType, "facility_type"))
    #: 医療機関コード (10 digits with a Luhn check digit); outpatient centres may have none.
    code: Mapped[str | None] = mapped_column(sa.String(10), unique=True)
    #: 保険医療機関・保険薬局コード as given by the facility.
    insurance_code: Mapped[str | None] = mapped_column(sa.String(10))
    name: Mapped[str] = mapped_column(sa.String(120))
    name_kana: Mapped[str] = mapped_column(sa.String(240), default="")
    postal_code: Mapped[str] = mapped_column(sa.String(7), default="")
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    phone: Mapped[str] = mapped_column(sa.String(13), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    beds: Mapped[int | None]
    prefecture_code: Mapped[str] = mapped_column(sa.ForeignKey("prefectures.code"), index=True)
    secondary_area_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("secondary_areas.id"), index=True
    )
    #: The health-centre city or special ward the facility lies in, if any.
    city_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cities.id"), index=True)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    prefecture: Mapped[Prefecture] = relationship()
    secondary_area: Mapped[SecondaryArea | None] = relationship()
    city: Mapped[City | None] = relationship()
    designations: Mapped[list[FacilityDesignation]] = relationship(
        cascade="all, delete-orphan", order_by="FacilityDesignation.designation"
    )

    __table_args__ = (
        sa.CheckConstraint(
            "code IS NOT NULL OR facility_type = 'outpatient_centre'", name="code_required"
        ),
        sa.CheckConstraint("beds IS NULL OR beds >= 0", name="beds_not_negative"),
        sa.CheckConstraint(
            "latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude_range"
        ),
        sa.CheckConstraint(
            "longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude_range"
        ),
        sa.Index("ix_facilities_prefecture_type", "prefecture_code", "facility_type"),
    )

    @property
    def designation_keys(self) -> set[str]:
        return {d.designation for d in self.designations}

    @property
    def designation_labels(self) -> list[str]:
        return [DESIGNATIONS.get(d.designation, d.designation) for d in self.designations]


class FacilityDesignation(Base):
    __tablename__ = "facility_designations"

    facility_id: Mapped[int] = mapped_column(
        sa.ForeignKey("facilities.id", ondelete="CASCADE"), primary_key=True
    )
    designation: Mapped[str] = mapped_column(sa.String(32), primary_key=True)


aggregator_members = sa.Table(
    "aggregator_members",
    Base.metadata,
    sa.Column("aggregator_id", sa.ForeignKey("aggregators.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("facility_id", sa.ForeignKey("facilities.id", ondelete="CASCADE"),
              primary_key=True, index=True),
)


class Aggregator(Base):
    """とりまとめ団体: reports on behalf of its member facilities, e.g. a city medical
    association."""

    __tablename__ = "aggregators"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    prefecture_code: Mapped[str] = mapped_column(sa.ForeignKey("prefectures.code"), index=True)
    phone: Mapped[str] = mapped_column(sa.String(13), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")

    prefecture: Mapped[Prefecture] = relationship()
    members: Mapped[list[Facility]] = relationship(
        secondary=aggregator_members, order_by=Facility.name
    )


class FireDepartment(Base):
    """消防本部."""

    __tablename__ = "fire_departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    prefecture_code: Mapped[str] = mapped_column(sa.ForeignKey("prefectures.code"), index=True)

    prefecture: Mapped[Prefecture] = relationship()
