"""新規ユーザ登録申請: a facility's public application for a G-MIS account."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gmis.accounts.models import User
from gmis.db import Base, stored_enum, utcnow
from gmis.facilities.models import Facility, FacilityType, Prefecture
from gmis.japan_time import to_tokyo


class ApplicationStatus(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"

    @property
    def label(self) -> str:
        return {"pending": "承認待ち", "approved": "承認済み", "rejected": "却下"}[self.value]


class RegistrationApplication(Base):
    __tablename__ = "registration_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 申請番号 shown to the applicant and quoted in e-mails: YYYYMMDD (Japan time) + the id,
    #: zero-padded to at least 6 digits.
    number: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    facility_type: Mapped[FacilityType] = mapped_column(stored_enum(FacilityType, "facility_type"))
    facility_code: Mapped[str] = mapped_column(sa.String(10), index=True)
    insurance_code: Mapped[str] = mapped_column(sa.String(10), default="")
    facility_name: Mapped[str] = mapped_column(sa.String(120))
    postal_code: Mapped[str] = mapped_column(sa.String(7))
    address: Mapped[str] = mapped_column(sa.String(200))
    phone: Mapped[str] = mapped_column(sa.String(13))
    contact_name: Mapped[str] = mapped_column(sa.String(80))
    email: Mapped[str] = mapped_column(sa.String(254))
    prefecture_code: Mapped[str] = mapped_column(sa.ForeignKey("prefectures.code"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(
        stored_enum(ApplicationStatus, "application_status"), default=ApplicationStatus.pending
    )
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    rejection_reason: Mapped[str] = mapped_column(sa.Text, default="")
    facility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("facilities.id"))
    #: The account issued on approval, or the facility's existing one.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    prefecture: Mapped[Prefecture] = relationship()
    facility: Mapped[Facility | None] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    def assign_number(self) -> None:
        """Give the flushed application its 申請番号."""
        self.number = to_tokyo(self.submitted_at, "%Y%m%d") + f"{self.id:06d}"

    __table_args__ = (
        # One open application per facility code: a second one is a duplicate.
        sa.Index(
            "uq_registration_pending_code",
            "facility_code",
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
        sa.CheckConstraint(
            "status = 'pending' OR decided_at IS NOT NULL", name="decision_recorded"
        ),
    )
