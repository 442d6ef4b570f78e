"""緊急配布要請 (SOS): a facility's request for emergency medical supplies, its items and
the steps of its life."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gmis.db import Base, stored_enum, utcnow
from gmis.japan_time import TOKYO

if TYPE_CHECKING:
    # Named by string in the relationships: importing them here would import gmis.models,
    # which imports this module to show Alembic the whole schema.
    from gmis.models import Facility, Prefecture, User


class SosStatus(enum.StrEnum):
    draft = "draft"
    error = "error"
    reviewing = "reviewing"
    returned = "returned"
    accepted = "accepted"

    @property
    def label(self) -> str:
        return SOS_STATUS_LABELS[self]

    @property
    def editable(self) -> bool:
        """Everything but an accepted request, and one under review, can still be changed
        by the facility (a change under review takes it back to 未申請)."""
        return self != SosStatus.accepted


SOS_STATUS_LABELS = {
    SosStatus.draft: "未申請",
    SosStatus.error: "エラー有り",
    SosStatus.reviewing: "都道府県・国確認中",
    SosStatus.returned: "差戻し",
    SosStatus.accepted: "受付完了",
}


class SosRequest(Base):
    """緊急配布要請: one request of one facility."""

    __tablename__ = "sos_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id"), index=True)
    #: The facility's prefecture, which reviews the request (for scoping).
    prefecture_code: Mapped[str] = mapped_column(sa.ForeignKey("prefectures.code"), index=True)
    #: "2026/12/01_<facility>_緊急配布要請": the date it was created, Japan time.
    title: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[SosStatus] = mapped_column(stored_enum(SosStatus, "sos_status"),
                                              default=SosStatus.draft)
    #: 緊急配布条件(全体)を満たしていることを確認した.
    general_confirmed: Mapped[bool] = mapped_column(default=False)
    #: 緊急配布条件(N95マスク)を満たしていることを確認した.
    n95_confirmed: Mapped[bool] = mapped_column(default=False)
    remark: Mapped[str] = mapped_column(sa.Text, default="")
    #: When "システムチェック&申請" last passed; None until then.
    applied_at: Mapped[datetime | None]
    #: The business day the request is handled: the day of applying before 13:00 Japan time.
    handling_date: Mapped[date | None] = mapped_column(index=True)
    #: The conditions the last system check found unmet: [{"message", "survey_key", ...}].
    check_failures: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    return_comment: Mapped[str] = mapped_column(sa.Text, default="")
    answered_on_behalf: Mapped[bool] = mapped_column(default=False)
    #: A random token of the form that created the request: a double click on "保存" of a
    #: new request finds the request the first click made instead of making a second one.
    #: The browser sends it back, so it is unique per facility and looked up only among the
    #: requests the same user made for the same facility.
    creation_token: Mapped[str | None] = mapped_column(sa.String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: Incremented by every change; a change based on an older revision is a conflict.
    revision: Mapped[int] = mapped_column(default=1)

    facility: Mapped[Facility] = relationship()
    prefecture: Mapped[Prefecture] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    items: Mapped[list[SosRequestItem]] = relationship(
        cascade="all, delete-orphan", order_by="SosRequestItem.position")
    events: Mapped[list[SosEvent]] = relationship(
        cascade="all, delete-orphan", order_by="SosEvent.id")

    __mapper_args__ = {"version_id_col": revision}

    __table_args__ = (
        sa.CheckConstraint("status NOT IN ('reviewing', 'accepted') OR applied_at IS NOT NULL",
                           name="applied_before_review"),
        sa.UniqueConstraint("facility_id", "creation_token",
                            name="uq_sos_requests_facility_creation_token"),
    )

    @staticmethod
    def title_for(facility: Facility, created_at: datetime) -> str:
        """The title of the source's lists: "2026/12/01_<facility>_緊急配布要請"."""
        return f"{created_at.astimezone(TOKYO):%Y/%m/%d}_{facility.name}_緊急配布要請"

    def quantity(self, item_key: str) -> int | None:
        return next((i.quantity for i in self.items if i.item_key == item_key), None)


class SosRequestItem(Base):
    """One requested item with its quantity (the item list itself is data: gmis/sos/sos.yaml)."""

    __tablename__ = "sos_request_items"

    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sos_requests.id", ondelete="CASCADE"), primary_key=True)
    item_key: Mapped[str] = mapped_column(sa.String(63), primary_key=True)
    #: The item's place in the rules' list, for showing items in that order.
    position: Mapped[int] = mapped_column(default=0)
    quantity: Mapped[int]

    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)


class SosEvent(Base):
    """A step of a request: created, saved, checked (failed), applied, returned, accepted."""

    __tablename__ = "sos_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sos_requests.id", ondelete="CASCADE"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(sa.String(32))
    comment: Mapped[str] = mapped_column(sa.Text, default="")

    user: Mapped[User | None] = relationship()

    ACTION_LABELS = {"created": "作成", "saved": "保存",
                     "check_failed": "システムチェック(エラー有り)", "applied": "申請",
                     "returned": "差戻し", "accepted": "受付完了"}

    @property
    def label(self) -> str:
        return self.ACTION_LABELS.get(self.action, self.action)
