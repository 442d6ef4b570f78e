"""The public search index (医療情報ネットの役割): what residents may read of each facility's
accepted report, written when a prefecture accepts it.

Denormalised on purpose: a public page reads these rows and nothing else, so it never
evaluates a definition, and never sees a draft, a returned report or an internal field.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gmis.db import Base, postgresql_only, stored_enum, utcnow
from gmis.facilities.models import FacilityType


class PublicListing(Base):
    """One facility's published information from one report survey."""

    __tablename__ = "public_listings"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id"))
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id"))
    #: The accepted report published here.
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_responses.id"))
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_versions.id"), index=True)
    facility_type: Mapped[FacilityType] = mapped_column(
        stored_enum(FacilityType, "facility_type"))
    prefecture_code: Mapped[str] = mapped_column(sa.ForeignKey("prefectures.code"))
    secondary_area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("secondary_areas.id"))
    #: 市区町村 as residents name it (「横浜市中区」, 「千代田区」), for the municipality filter.
    municipality: Mapped[str] = mapped_column(sa.String(40), default="")
    name: Mapped[str] = mapped_column(sa.String(200))
    name_kana: Mapped[str] = mapped_column(sa.String(240), default="")
    #: Name, kana and English name folded for matching (``gmis.text.search_fold``):
    #: full-width, katakana as hiragana, lower case, so that any way of typing matches.
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    #: The kana folded the same way, for a prefix ("さくら…") search on an index.
    kana_key: Mapped[str] = mapped_column(sa.String(240), default="")
    postal_code: Mapped[str] = mapped_column(sa.String(7), default="")
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    #: The public fields as the facility page shows them, grouped as the definition's
    #: sections: ``[{"key", "title", "items": [{"key", "label", ...}]}]``.
    sections: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: When the published report was submitted (「最終報告日」) and accepted.
    reported_at: Mapped[datetime]
    published_at: Mapped[datetime] = mapped_column(default=utcnow)

    terms: Mapped[list[PublicListingTerm]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True)
    hours: Mapped[list[PublicListingHours]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (
        sa.UniqueConstraint("survey_id", "facility_id", name="uq_public_listing_facility"),
        sa.Index("ix_public_listing_place", "prefecture_code", "facility_type"),
        sa.Index("ix_public_listing_municipality", "municipality"),
        sa.Index("ix_public_listing_area", "secondary_area_id"),
        sa.Index("ix_public_listing_kana", "kana_key",
                 postgresql_ops={"kana_key": "varchar_pattern_ops"}),
        # PostgreSQL finds a name anywhere in it through trigrams; SQLite scans.
        postgresql_only(sa.Index("ix_public_listing_search_text", "search_text",
                                 postgresql_using="gin",
                                 postgresql_ops={"search_text": "gin_trgm_ops"})),
        sa.Index("ix_public_listing_position", "latitude", "longitude"),
    )


class PublicListingTerm(Base):
    """A value a listing is found by: a department, a treatment, a language or a flag,
    each as ``facet`` and the choice's stored value (flags: ``field`` or ``field.value``)."""

    __tablename__ = "public_listing_terms"

    listing_id: Mapped[int] = mapped_column(
        sa.ForeignKey("public_listings.id", ondelete="CASCADE"), primary_key=True)
    facet: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    term: Mapped[str] = mapped_column(sa.String(128), primary_key=True)

    __table_args__ = (sa.Index("ix_public_listing_term", "facet", "term", "listing_id"),)


class PublicListingHours(Base):
    """One time range a listing is open on one day of the week (or on public holidays),
    in minutes from midnight, for "open now" and "open at"."""

    __tablename__ = "public_listing_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        sa.ForeignKey("public_listings.id", ondelete="CASCADE"), index=True)
    #: mon … sun, or holiday.
    day: Mapped[str] = mapped_column(sa.String(8))
    opens: Mapped[int]
    closes: Mapped[int]

    __table_args__ = (
        sa.Index("ix_public_listing_hours_day", "day", "opens", "closes", "listing_id"),
        sa.CheckConstraint("opens >= 0 AND closes <= 1440 AND opens < closes",
                           name="range_within_day"),
    )


class PublicVocabulary(Base):
    """The choices residents search by (departments, treatments, languages, flags) of one
    published survey version, with their labels: the search form reads them here."""

    __tablename__ = "public_vocabularies"

    version_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_versions.id"),
                                            primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id"))
    #: ``{facet: [[term, label], ...]}`` in the definition's order.
    facets: Mapped[dict] = mapped_column(sa.JSON, default=dict)
