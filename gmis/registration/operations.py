"""新規ユーザ登録申請: submitting an application, reviewing it, approving or rejecting it.

Each use case changes data, flushes and records an audit event; the request commits.
Nothing here reads a request or a form: the blueprint passes in what was typed and the
links that e-mails carry, and shows the answers on its form's fields. A second application
for the same facility, or a decision on one decided meanwhile, is refused as a conflict
(``gmis.refusals.Refused``), which the pages show with what was typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from gmis import access, audit, mail, postal
from gmis.accounts.operations import AccountMail, issue_account
from gmis.db import session, utcnow
from gmis.japan_time import to_tokyo
from gmis.models import (
    ApplicationStatus,
    Facility,
    FacilityType,
    Prefecture,
    RegistrationApplication,
    Role,
    User,
)
from gmis.pagination import Page
from gmis.refusals import Refused, conflict

PER_PAGE = 50

POSTAL_NOT_FOUND = (
    "郵便番号に該当する住所が見つかりません。郵便番号をご確認ください。"
    "大口事業所の個別番号には対応していないため、所在地の郵便番号を入力してください。"
)

#: The status filter of the review list; the key is the query-string value.
STATUS_FILTERS: dict[str, tuple[str, ApplicationStatus | None]] = {
    "pending": ("承認待ち", ApplicationStatus.pending),
    "approved": ("承認済み", ApplicationStatus.approved),
    "rejected": ("却下", ApplicationStatus.rejected),
    "all": ("すべて", None),
}


#: Refused (a conflict) when the facility code has an application under review already.
DUPLICATE_APPLICATION = (
    "この医療機関コードの新規ユーザ登録申請は、すでに受け付けており、現在都道府県で"
    "審査中です。審査結果のメールをお待ちください。申請内容に誤りがある場合は、"
    "管轄の都道府県の窓口へご連絡ください。"
)


def _already_decided(application: RegistrationApplication) -> Refused:
    """The refusal of a decision on an application another reviewer decided meanwhile."""
    return conflict(
        f"この申請はすでに「{application.status.label}」となっています"
        f"({to_tokyo(application.decided_at)})。画面を読み込み直して確認してください。"
    )


# --- postal code look-up -------------------------------------------------------------------

@dataclass
class AddressFill:
    """The address field filled from a postal code. ``found`` is None when the code is not
    one (the field keeps what was typed, and ``POSTAL_NOT_FOUND`` is the answer)."""

    found: postal.PostalAddress | None
    #: What the address field holds afterwards.
    address: str = ""
    #: What the applicant had typed, when the looked-up address replaced it.
    replaced: str = ""


def fill_address(postal_code: str, typed: str | None) -> AddressFill:
    """The address for ``postal_code``, unless ``typed`` goes on from it already."""
    found = postal.lookup(postal_code)
    typed = typed or ""
    if found is None:
        return AddressFill(None, typed)
    if typed.startswith(found.address):
        return AddressFill(found, typed)  # the applicant has gone on typing the street number
    return AddressFill(found, found.address, replaced=typed)


@dataclass
class LocationCheck:
    """The answer of ``check_location``: the address to keep, and the problem, if any, with
    the name of the form field it belongs to."""

    address: str
    field: str = ""
    problem: str = ""


def check_location(facility_code: str, postal_code: str, address: str) -> LocationCheck:
    """Cross-field checks once every field is valid on its own: the postal code exists,
    lies in the prefecture of the facility code, and the address begins with that
    prefecture (an address that begins with the city gets the prefecture put in front)."""
    found = postal.lookup(postal_code)
    if found is None:
        return LocationCheck(address, "postal_code", POSTAL_NOT_FOUND)
    code_prefecture = facility_code[:2]
    if found.prefecture_code != code_prefecture:
        name = session.get(Prefecture, code_prefecture).name
        return LocationCheck(
            address,
            "postal_code",
            f"郵便番号の住所({found.prefecture})が、医療機関コードの都道府県番号"
            f"「{code_prefecture}」({name})と一致しません。郵便番号と医療機関コードを"
            "ご確認ください。",
        )
    if found.city and address.startswith(found.city):
        address = found.prefecture + address
    if not address.startswith(found.prefecture):
        names = session.scalars(sa.select(Prefecture.name)).all()
        other = next((n for n in names if address.startswith(n)), None)
        return LocationCheck(
            address,
            "address",
            f"所在地の都道府県({other})が郵便番号の住所({found.prefecture})と一致しません。"
            if other
            else f"所在地は都道府県名から入力してください(例: {found.address}1-2-3)。",
        )
    return LocationCheck(address)


# --- applying ------------------------------------------------------------------------------

def pending_application(facility_code: str) -> RegistrationApplication | None:
    return session.scalars(
        sa.select(RegistrationApplication).where(
            RegistrationApplication.facility_code == facility_code,
            RegistrationApplication.status == ApplicationStatus.pending,
        )
    ).first()


def submit(details: Mapping[str, Any]) -> RegistrationApplication:
    """Store a validated application (``details``: its columns as typed, from
    ``facility_type`` to ``email``), give it its 申請番号 and send the receipt. Refused
    (``DUPLICATE_APPLICATION``) while the facility has another application under review."""
    code = details["facility_code"]
    if pending_application(code) is not None:
        raise conflict(DUPLICATE_APPLICATION)
    application = RegistrationApplication(
        **details, prefecture_code=code[:2], submitted_at=utcnow()
    )
    try:
        # The partial unique index decides between two applicants submitting at once.
        with session.begin_nested():
            session.add(application)
            session.flush()
    except IntegrityError:
        if pending_application(code) is not None:
            raise conflict(DUPLICATE_APPLICATION) from None
        raise
    application.assign_number()
    session.flush()
    mail.enqueue(application.email, "registration_received", application=application)
    audit.record("registration.submitted", application, number=application.number,
                 facility_code=code)
    return application


def submitted_application(number: str) -> RegistrationApplication | None:
    return session.scalars(
        sa.select(RegistrationApplication).where(RegistrationApplication.number == number)
    ).first()


# --- reviewing -----------------------------------------------------------------------------

def review_page(user: User, status_key: str, page_number: int) -> Page:
    """Applications in ``user``'s scope, newest first."""
    query = sa.select(RegistrationApplication).where(access.registration_scope(user))
    status = STATUS_FILTERS[status_key][1]
    if status is not None:
        query = query.where(RegistrationApplication.status == status)
    query = query.order_by(
        RegistrationApplication.submitted_at.desc(), RegistrationApplication.id.desc()
    )
    return Page.of(query, page_number, PER_PAGE)


def application_for_review(user: User, application_id: int) -> RegistrationApplication:
    """The application, or 404 when it is missing or outside ``user``'s scope."""
    return access.scoped_or_404(
        sa.select(RegistrationApplication).where(
            RegistrationApplication.id == application_id, access.registration_scope(user)
        ),
        application_id,
    )


@dataclass
class MasterMatch:
    """What the facility master already holds for an application's facility code."""

    facility: Facility | None
    users: list[User]

    @property
    def active_users(self) -> list[User]:
        return [u for u in self.users if u.is_active]


def master_match(application: RegistrationApplication) -> MasterMatch:
    facility = session.scalars(
        sa.select(Facility).where(Facility.code == application.facility_code)
    ).first()
    if facility is None:
        return MasterMatch(None, [])
    users = session.scalars(
        sa.select(User).where(User.facility_id == facility.id).order_by(User.id)
    ).all()
    return MasterMatch(facility, list(users))


def _decide(application: RegistrationApplication, status: ApplicationStatus, reviewer: User,
            **values) -> None:
    # A conditional UPDATE: of two reviewers pressing a button at the same moment, exactly
    # one decides; the other is told the application has been decided meanwhile.
    result = session.execute(
        sa.update(RegistrationApplication)
        .where(
            RegistrationApplication.id == application.id,
            RegistrationApplication.status == ApplicationStatus.pending,
        )
        .values(status=status, decided_at=utcnow(), decided_by_id=reviewer.id, **values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(application)
    if result.rowcount != 1:
        raise _already_decided(application)


def _facility_from(application: RegistrationApplication) -> Facility:
    facility = Facility(
        facility_type=FacilityType(application.facility_type),
        code=application.facility_code,
        insurance_code=application.insurance_code or None,
        name=application.facility_name,
        postal_code=application.postal_code,
        address=application.address,
        phone=application.phone,
        email=application.email,
        prefecture_code=application.prefecture_code,
    )
    session.add(facility)
    session.flush()
    audit.record("facility.created", facility, source="registration",
                 number=application.number)
    return facility


def approve(application: RegistrationApplication, reviewer: User, login_url: str,
            account_mail: AccountMail) -> str:
    """Approve: the facility gets an account-issuance e-mail (``account_mail``), or, when it
    already has an account, an e-mail naming that account and the sign-in page
    (``login_url``). Returns "issued" or "existing"."""
    _decide(application, ApplicationStatus.approved, reviewer)
    match = master_match(application)
    facility = match.facility or _facility_from(application)
    application.facility = facility
    if match.active_users:
        application.user = match.active_users[0]
        mail.enqueue(
            application.email,
            "existing_account",
            application=application,
            facility=facility,
            login_ids=[u.login_id for u in match.active_users],
            login_url=login_url,
        )
        outcome = "existing"
    else:
        application.user = issue_account(
            role=Role.facility, name=application.contact_name, email=application.email,
            account_mail=account_mail, facility=facility,
        )
        outcome = "issued"
    session.flush()
    audit.record("registration.approved", application, user=reviewer, outcome=outcome,
                 login_id=application.user.login_id, facility_id=facility.id)
    return outcome


def reject(application: RegistrationApplication, reviewer: User, reason: str,
           apply_url: str) -> None:
    """Reject: the applicant gets the reason and the form's address (``apply_url``) to
    apply again."""
    _decide(application, ApplicationStatus.rejected, reviewer, rejection_reason=reason)
    mail.enqueue(
        application.email,
        "registration_rejected",
        application=application,
        apply_url=apply_url,
    )
    audit.record("registration.rejected", application, user=reviewer, reason=reason)
