"""Users, their server-side sessions, and single-use account tokens."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gmis.db import Base, stored_enum, utcnow
from gmis.facilities.models import (
    Aggregator,
    City,
    Facility,
    FireDepartment,
    Prefecture,
)


class Role(enum.StrEnum):
    facility = "facility"
    aggregator = "aggregator"
    prefecture = "prefecture"
    city = "city"
    fire_department = "fire_department"
    national = "national"
    secretariat = "secretariat"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.facility: "医療機関等",
    Role.aggregator: "とりまとめ団体",
    Role.prefecture: "都道府県",
    Role.city: "保健所設置市・特別区",
    Role.fire_department: "消防本部",
    Role.national: "厚生労働省",
    Role.secretariat: "G-MIS事務局(管理者)",
}

#: The organisation column each role must point at (None: the role has no organisation).
ROLE_ORGANISATION = {
    Role.facility: "facility_id",
    Role.aggregator: "aggregator_id",
    Role.prefecture: "prefecture_code",
    Role.city: "city_id",
    Role.fire_department: "fire_department_id",
    Role.national: None,
    Role.secretariat: None,
}


def _organisation_check() -> str:
    columns = [c for c in ROLE_ORGANISATION.values() if c]
    clauses = []
    for role, column in ROLE_ORGANISATION.items():
        required = [f"{c} IS NOT NULL" if c == column else f"{c} IS NULL" for c in columns]
        clauses.append(f"(role = '{role.value}' AND " + " AND ".join(required) + ")")
    return " OR ".join(clauses)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: None until the user sets a first password through the account set-up link.
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    name: Mapped[str] = mapped_column(sa.String(80))
    email: Mapped[str] = mapped_column(sa.String(254))
    role: Mapped[Role] = mapped_column(stored_enum(Role, "role"))
    facility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("facilities.id"), index=True)
    aggregator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("aggregators.id"))
    prefecture_code: Mapped[str | None] = mapped_column(sa.ForeignKey("prefectures.code"))
    city_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cities.id"))
    fire_department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("fire_departments.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    #: Consecutive failed sign-ins; reset by a successful one.
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The TOTP shared secret (RFC 6238, base32), kept as it is: the server must compute the
    #: same codes as the user's app, so it cannot be hashed (docs/security.md). None until
    #: two-factor sign-in is confirmed.
    two_factor_secret: Mapped[str | None] = mapped_column(sa.String(64))
    two_factor_enabled_at: Mapped[datetime | None]
    #: The last 30-second time step whose code was accepted: a code of this step or an
    #: earlier one is refused, so a code seen over someone's shoulder cannot be used again.
    two_factor_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    facility: Mapped[Facility | None] = relationship()
    aggregator: Mapped[Aggregator | None] = relationship()
    prefecture: Mapped[Prefecture | None] = relationship()
    city: Mapped[City | None] = relationship()
    fire_department: Mapped[FireDepartment | None] = relationship()

    __table_args__ = (sa.CheckConstraint(_organisation_check(), name="role_organisation"),)

    # Flask-Login reads these; the id it keeps in the cookie is the session token, not user.id.
    is_authenticated = True
    is_anonymous = False
    session_token = None

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def organisation(self):
        column = ROLE_ORGANISATION[self.role]
        return getattr(self, column.removesuffix("_id").removesuffix("_code")) if column else None

    @property
    def organisation_name(self) -> str:
        org = self.organisation
        return org.name if org is not None else self.role.label

    @property
    def home_prefecture_code(self) -> str | None:
        """The prefecture this user's organisation belongs to, if any."""
        if self.role == Role.prefecture:
            return self.prefecture_code
        org = self.organisation
        return getattr(org, "prefecture_code", None)


class UserSession(Base):
    """A signed-in browser. Deleting or revoking the row signs that browser out."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the token in the cookie, so a leaked table cannot be replayed.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    ip_address: Mapped[str] = mapped_column(sa.String(45), default="")
    user_agent: Mapped[str] = mapped_column(sa.String(255), default="")

    user: Mapped[User] = relationship()


class TokenPurpose(enum.StrEnum):
    account_setup = "account_setup"
    password_reset = "password_reset"


class AccountToken(Base):
    """A single-use, expiring link sent by e-mail to set a first or a new password."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(stored_enum(TokenPurpose, "token_purpose"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class RecoveryCode(Base):
    """A single-use recovery code (リカバリーコード) for signing in without the phone. Only its
    SHA-256 is kept: the codes are random and long enough that a slow hash adds nothing."""

    __tablename__ = "two_factor_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when the code is used; a used code never works again.
    used_at: Mapped[datetime | None]

    __table_args__ = (sa.UniqueConstraint("user_id", "code_hash"),)
class PasswordResetRequest(Base):
    """「パスワードをお忘れですか?」 as typed: a login ID waiting for the mail worker.

    The page only writes this row, whether or not the ID exists, so that it does the same
    work (and takes the same time) for every ID; the worker looks the ID up, creates the
    link and queues the e-mail, then deletes the row.
    """

    __tablename__ = "password_reset_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: As typed: not a foreign key, since an unknown ID must be stored like a known one.
    login_id: Mapped[str] = mapped_column(sa.String(64))
    ip_address: Mapped[str] = mapped_column(sa.String(45), default="")
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
