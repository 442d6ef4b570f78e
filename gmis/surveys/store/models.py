"""Surveys as data: their versions, the responses given against a version, and the history
of every change."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gmis.accounts.models import User
from gmis.db import Base, stored_enum, utcnow
from gmis.facilities.models import City, Facility, Prefecture

#: Stored answers: JSON, and on PostgreSQL JSONB, whose fields are read without parsing text.
ANSWERS_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class VersionStatus(enum.StrEnum):
    draft = "draft"
    published = "published"

    @property
    def label(self) -> str:
        return {"draft": "下書き", "published": "公開中"}[self.value]


class ResponseStatus(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    accepted = "accepted"

    @property
    def label(self) -> str:
        return RESPONSE_STATUS_LABELS[self]


#: A response counts as answered once submitted (accepted ones too); a draft or a returned
#: one does not.
ANSWERED_STATUSES = (ResponseStatus.submitted, ResponseStatus.accepted)

RESPONSE_STATUS_LABELS = {
    ResponseStatus.draft: "一時保存",
    ResponseStatus.submitted: "提出済み",
    ResponseStatus.returned: "差戻し",
    ResponseStatus.accepted: "受理済み",
}


class Survey(Base):
    """調査: one survey (e.g. the hospital daily survey), whatever its versions."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(63), unique=True)
    #: The title of the newest national version, for lists.
    title: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[SurveyVersion]] = relationship(
        back_populates="survey", order_by="SurveyVersion.number"
    )


class SurveyVersion(Base):
    """One version of a survey's definition. Published versions with responses are never
    changed: a changed definition becomes a new version."""

    __tablename__ = "survey_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id"), index=True)
    #: 1, 2, 3 ... within the survey, whatever the scope.
    number: Mapped[int]
    #: None: nationwide. A prefecture code: that prefecture's extension of a national version.
    prefecture_code: Mapped[str | None] = mapped_column(sa.ForeignKey("prefectures.code"))
    #: The national version a prefecture version extends.
    base_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("survey_versions.id"))
    #: The definition as written (validated), YAML or JSON loaded into plain data.
    definition: Mapped[dict] = mapped_column(sa.JSON)
    #: SHA-256 of the canonical JSON of ``definition``: importing the same file twice is a no-op.
    checksum: Mapped[str] = mapped_column(sa.String(64))
    source_name: Mapped[str] = mapped_column(sa.String(255), default="")
    status: Mapped[VersionStatus] = mapped_column(
        stored_enum(VersionStatus, "version_status"), default=VersionStatus.draft
    )
    #: The first reporting date (Japan time) this version is used for, once published.
    effective_from: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: 前の版に戻す: the first reporting date this published version is no longer used for;
    #: from then the version in force before it applies again. Nothing else changes:
    #: responses given against this version keep it.
    withdrawn_from: Mapped[date | None]
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    survey: Mapped[Survey] = relationship(back_populates="versions")
    prefecture: Mapped[Prefecture | None] = relationship()
    base_version: Mapped[SurveyVersion | None] = relationship(remote_side=[id])

    __table_args__ = (
        sa.UniqueConstraint("survey_id", "number", name="uq_survey_version_number"),
        sa.CheckConstraint("status = 'draft' OR effective_from IS NOT NULL",
                           name="published_has_date"),
        sa.CheckConstraint("withdrawn_from IS NULL OR status = 'published'",
                           name="withdrawn_was_published"),
    )

    @property
    def title(self) -> str:
        return self.definition.get("title", self.survey.title)

    @property
    def scope_label(self) -> str:
        return self.prefecture.name if self.prefecture else "全国"


class SurveyResponse(Base):
    """回答: one respondent's answer to one survey for one reporting period."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id"))
    #: The exact version the answers were given against.
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_versions.id"), index=True)
    #: "facility:<id>", "prefecture:<code>" or "city:<id>": unique with the survey and period.
    respondent_key: Mapped[str] = mapped_column(sa.String(32))
    facility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("facilities.id"), index=True)
    prefecture_code: Mapped[str] = mapped_column(sa.ForeignKey("prefectures.code"))
    city_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cities.id"))
    #: The reporting period: "2026-11-21" (daily), "2026-W47" (weekly), "FY2026", "adhoc-N".
    period_key: Mapped[str] = mapped_column(sa.String(16))
    #: First day of the period (Japan time), for ordering and date-range filters.
    period_start: Mapped[date]
    status: Mapped[ResponseStatus] = mapped_column(
        stored_enum(ResponseStatus, "response_status"), default=ResponseStatus.draft
    )
    #: By field key. JSONB on PostgreSQL: the bed view reads figures out of it in SQL.
    answers: Mapped[dict] = mapped_column(ANSWERS_TYPE, default=dict)
    #: Incremented by every save; a save based on an older revision is a conflict.
    revision: Mapped[int] = mapped_column(default=1)
    return_comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    #: 受理: when a reviewer accepted it (a report: when it became the published one).
    accepted_at: Mapped[datetime | None]
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: Set when an aggregator answered for its member facility.
    answered_on_behalf: Mapped[bool] = mapped_column(default=False)
    #: 期限後: the first submission came after the period's deadline (a correction or a
    #: resubmission after a return keeps the mark).
    late: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: A submitted response's corrections saved but not yet submitted, by field key: its own
    #: draft. ``answers`` stays what was submitted (what prefectures read) until then.
    correction: Mapped[dict | None] = mapped_column(ANSWERS_TYPE, nullable=True)
    #: What fields held that could not be read or validated yet, as typed (field key → raw
    #: input), so that a draft gives back everything that was typed, with its message.
    pending_inputs: Mapped[dict | None] = mapped_column(sa.JSON, nullable=True)

    survey: Mapped[Survey] = relationship()
    version: Mapped[SurveyVersion] = relationship()
    facility: Mapped[Facility | None] = relationship()
    prefecture: Mapped[Prefecture] = relationship()
    city: Mapped[City | None] = relationship()
    updated_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": revision}

    __table_args__ = (
        sa.UniqueConstraint("survey_id", "respondent_key", "period_key", name="uq_response_period"),
        sa.Index("ix_response_survey_period", "survey_id", "period_start", "status"),
        # A respondent's latest earlier answer: pre-filling a new response, the SOS check.
        sa.Index("ix_response_respondent_start", "survey_id", "respondent_key", "period_start"),
    )


class ResponseChange(Base):
    """One field changed in a response: who, when, from what to what."""

    __tablename__ = "response_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_responses.id", ondelete="CASCADE"), index=True
    )
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    field_key: Mapped[str] = mapped_column(sa.String(63))
    old_value: Mapped[Any] = mapped_column(sa.JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(sa.JSON, nullable=True)

    user: Mapped[User | None] = relationship()


class ResponseEvent(Base):
    """A step of a response's life: created, submitted, returned (with a comment), accepted."""

    __tablename__ = "response_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_responses.id", ondelete="CASCADE"), index=True
    )
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(sa.String(32))
    comment: Mapped[str] = mapped_column(sa.Text, default="")

    user: Mapped[User | None] = relationship()


class ReportWindow(Base):
    """定期報告期間: the days a prefecture accepts the periodic reports of one fiscal year
    for one survey of period kind ``report`` (the prefectures set theirs, each its own)."""

    __tablename__ = "report_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id"))
    prefecture_code: Mapped[str] = mapped_column(sa.ForeignKey("prefectures.code"))
    #: The fiscal year whose periodic report (as of 1 January) the window takes.
    fiscal_year: Mapped[int]
    #: Japan-time days, both included.
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    survey: Mapped[Survey] = relationship()
    prefecture: Mapped[Prefecture] = relationship()
    updated_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("survey_id", "prefecture_code", "fiscal_year",
                            name="uq_report_window"),
        sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )


class SurveyReminder(Base):
    """A reminder e-mailed to a respondent that had not answered a period near its deadline:
    one per respondent and period, however many workers run the reminder job."""

    __tablename__ = "survey_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id"))
    period_key: Mapped[str] = mapped_column(sa.String(16))
    respondent_key: Mapped[str] = mapped_column(sa.String(32))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: How many addresses the reminder was queued for.
    recipients: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        sa.UniqueConstraint("survey_id", "period_key", "respondent_key",
                            name="uq_reminder_period"),
    )


class ReminderBroadcast(Base):
    """「未回答の全機関に督促」: a prefecture, city or the national office reminding every
    respondent in its scope that has not answered a period; once per survey, period and scope."""

    __tablename__ = "reminder_broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id"))
    period_key: Mapped[str] = mapped_column(sa.String(16))
    #: Whose non-responders: "national", "prefecture:<code>" or "city:<id>".
    scope_key: Mapped[str] = mapped_column(sa.String(32))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: How many respondents were reminded.
    respondents: Mapped[int] = mapped_column(default=0)

    sent_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("survey_id", "period_key", "scope_key",
                            name="uq_reminder_broadcast_scope"),
    )


class LatestResponse(Base):
    """The latest answer of each respondent to each survey (by period, as
    ``gmis.surveys.store.latest`` defines it), kept as responses are submitted: the bed view
    reads "today's figures" of thousands of hospitals without scanning a year of daily
    answers. (One facility's is found by ``latest.response_of``, through the index
    ``ix_response_respondent_start``, which can also leave out a returned response or an
    old one, as the emergency supply check does.)"""

    __tablename__ = "latest_responses"

    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id"), primary_key=True)
    respondent_key: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    facility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("facilities.id"), index=True)
    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_responses.id", ondelete="CASCADE"))
    period_start: Mapped[date]

    response: Mapped[SurveyResponse] = relationship()


class DraftOrigin(enum.StrEnum):
    """How a survey builder draft began."""

    blank = "blank"
    copy = "copy"
    new_version = "new_version"
    extension = "extension"
    upload = "upload"

    @property
    def label(self) -> str:
        return DRAFT_ORIGIN_LABELS[self]


DRAFT_ORIGIN_LABELS = {
    DraftOrigin.blank: "新規作成",
    DraftOrigin.copy: "既存の調査のコピー",
    DraftOrigin.new_version: "公開中の版の改訂",
    DraftOrigin.extension: "全国版の都道府県拡張",
    DraftOrigin.upload: "ファイルから",
}


class SurveyDraft(Base):
    """調査ビルダーの下書き: a definition being built in the browser, before it becomes a
    version. The document is the definition format itself; each change is kept as a step
    (``SurveyDraftStep``) for undo and redo."""

    __tablename__ = "survey_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The organisation that owns it: None for the national office (national and the
    #: secretariat share it), else the prefecture's code.
    prefecture_code: Mapped[str | None] = mapped_column(sa.ForeignKey("prefectures.code"),
                                                        index=True)
    origin: Mapped[DraftOrigin] = mapped_column(stored_enum(DraftOrigin, "draft_origin"))
    #: The version it began from (a copy, a new version, an extension of a national one).
    based_on_id: Mapped[int | None] = mapped_column(sa.ForeignKey("survey_versions.id"))
    document: Mapped[dict] = mapped_column(sa.JSON)
    #: Raised by every change, undo and redo: a change sent for an older revision is refused
    #: as a conflict instead of overwriting what someone else did meanwhile.
    revision: Mapped[int] = mapped_column(default=1)
    #: The step the document is at; undo goes back one, redo forward one.
    step: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: The version made from it, once sent to publishing.
    version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("survey_versions.id"))

    based_on: Mapped[SurveyVersion | None] = relationship(foreign_keys=[based_on_id])
    version: Mapped[SurveyVersion | None] = relationship(foreign_keys=[version_id])
    prefecture: Mapped[Prefecture | None] = relationship()
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    @property
    def title(self) -> str:
        return str(self.document.get("title") or "(無題)")

    @property
    def survey_key(self) -> str:
        return str(self.document.get("key") or "")

    @property
    def scope_label(self) -> str:
        return self.prefecture.name if self.prefecture else "全国"


class SurveyDraftStep(Base):
    """One state of a draft's document, with what changed to reach it."""

    __tablename__ = "survey_draft_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_drafts.id", ondelete="CASCADE"))
    number: Mapped[int]
    document: Mapped[dict] = mapped_column(sa.JSON)
    #: What the change did, in Japanese ("項目「空床数」を追加").
    summary: Mapped[str] = mapped_column(sa.String(200))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("draft_id", "number", name="uq_survey_draft_step_number"),
    )
