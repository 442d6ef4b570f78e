"""Use cases of emergency supply requests (緊急配布要請): create and save, the system check
and application, review (accept or return) with e-mail to the facility, and the queries of
the lists. Each changes data, records an event and an audit entry, and flushes; the request
commits.

Nothing here knows it is served over HTTP, so the demo, the benchmarks and the CLI call the
same functions: what cannot be done is raised as ``gmis.refusals.Refused`` (a request
changed meanwhile or in a state that does not allow it: a conflict; a facility the user may
not request for: not found). The request form shows it with what was typed; anywhere else
the app's error page answers it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from gmis import access, audit, mail
from gmis.accounts.operations import addresses_of
from gmis.db import session, utcnow
from gmis.filters import FilterError, parse_day
from gmis.models import (
    Facility,
    Prefecture,
    Role,
    SecondaryArea,
    SosEvent,
    SosRequest,
    SosRequestItem,
    SosStatus,
    User,
)
from gmis.refusals import conflict, not_found
from gmis.sos import system_check
from gmis.sos.business_days import handling_date
from gmis.sos.rules import Rules
from gmis.sos.rules import rules as rules_in_force
from gmis.surveys.store.eligibility import member_facility

#: The refusal of a change to an accepted request (受付完了), by the form or its detail page.
NOT_EDITABLE = "受付完了の要請は変更できません。"


def requesting_facility(user: User, facility_arg: str | None) -> Facility:
    """The facility ``user`` requests for: its own, or an aggregator's member. Any other is
    refused as not found: another aggregator's member looks exactly like a facility that does
    not exist."""
    if user.role == Role.aggregator:
        facility = member_facility(user, int(facility_arg)) if (facility_arg or "").isdigit() \
            else None
    else:
        facility = user.facility
    if facility is None or not facility.is_active:
        raise not_found()
    return facility


def request_query(user: User, request_id: int) -> sa.Select:
    """Request ``request_id`` among those ``user`` may see, with its items and facility (the
    blueprint runs it through the access policy, which answers 404 and notes a look outside
    the user's scope)."""
    return (access.sos_requests(user).where(SosRequest.id == request_id)
            .options(selectinload(SosRequest.items), joinedload(SosRequest.facility)))


def _event(request: SosRequest, user: User, action: str, comment: str = "") -> None:
    request.events.append(SosEvent(user_id=user.id, action=action, comment=comment))


def _set_items(request: SosRequest, rules: Rules, quantities: dict[str, int]) -> bool:
    """Replace the items; whether anything changed."""
    before = {i.item_key: i.quantity for i in request.items}
    if before == quantities:
        return False
    order = [i.key for i in rules.items]
    request.items = [SosRequestItem(item_key=key, quantity=quantity, position=order.index(key))
                     for key, quantity in quantities.items()]
    return True


@dataclass
class Changes:
    general_confirmed: bool
    n95_confirmed: bool
    remark: str
    quantities: dict[str, int]


def find_created(facility: Facility, user: User, creation_token: str) -> SosRequest | None:
    """The request a new-request form already created (a second click of its button).

    The token comes from the browser, so it is only looked up among the requests ``user``
    created for ``facility``: a token copied from another facility's (or another person's)
    form must not lead to that request."""
    if not creation_token:
        return None
    return session.scalars(sa.select(SosRequest).where(
        SosRequest.facility_id == facility.id, SosRequest.created_by_id == user.id,
        SosRequest.creation_token == creation_token)).first()


def _token_taken(facility: Facility, creation_token: str) -> bool:
    """Whether another request of ``facility`` already carries ``creation_token`` (a token
    is unique per facility)."""
    return session.scalar(sa.select(sa.exists().where(
        SosRequest.facility_id == facility.id,
        SosRequest.creation_token == creation_token))) or False


def _take(request: SosRequest, rules: Rules, changes: Changes) -> bool:
    """Copy ``changes`` into the request; whether anything changed."""
    changed = _set_items(request, rules, changes.quantities)
    for name in ("general_confirmed", "n95_confirmed", "remark"):
        if getattr(request, name) != getattr(changes, name):
            setattr(request, name, getattr(changes, name))
            changed = True
    return changed


def save(request: SosRequest | None, facility: Facility, user: User, rules: Rules,
         changes: Changes, revision: int | None, creation_token: str = "") -> SosRequest:
    """Create or change a request; a changed request goes back to 未申請 (it is checked
    again when applied). Refused (a conflict) for an accepted request or a change based on an
    old view of it."""
    now = utcnow()
    if request is None:
        if creation_token and _token_taken(facility, creation_token):
            # Someone else of the facility made a request with this token (``find_created``
            # found none of this user's): it cannot be this user's double click, so the
            # request is made without the token rather than refused.
            creation_token = ""
        request = SosRequest(facility=facility, prefecture_code=facility.prefecture_code,
                             title=SosRequest.title_for(facility, now), created_by_id=user.id,
                             updated_by_id=user.id,
                             answered_on_behalf=user.role == Role.aggregator, created_at=now,
                             updated_at=now, creation_token=creation_token or None)
        _take(request, rules, changes)
        _event(request, user, "created")
        try:
            with session.begin_nested():
                session.add(request)
                session.flush()
        except IntegrityError:
            if not creation_token:
                raise
            existing = find_created(facility, user, creation_token)
            if existing is None:
                raise conflict("同じ画面から別の方が同時に要請を作成しました。"
                               "入力内容は残っています。もう一度保存してください。") from None
            return existing  # the same form sent twice: the first made it
        audit.record("sos.saved", request)
        return request
    if not request.status.editable:
        raise conflict(NOT_EDITABLE)
    if revision is not None and revision != request.revision:
        raise conflict("この画面を開いた後に、ほかの方がこの要請を変更しました。"
                       "入力内容は残っています。画面の内容を確かめてから、もう一度保存してください。")
    if _take(request, rules, changes):
        request.status = SosStatus.draft
        request.updated_at, request.updated_by_id = now, user.id
        _event(request, user, "saved")
        session.flush()
        audit.record("sos.saved", request)
    return request


def apply(request: SosRequest, user: User, rules: Rules, now: datetime | None = None) -> bool:
    """システムチェック&申請: True when it passed (都道府県・国確認中), False when conditions
    failed (エラー有り, with the failures kept). A second apply of an applied request is
    refused; a double click therefore applies once."""
    now = now or utcnow()
    if request.status in (SosStatus.reviewing, SosStatus.accepted):
        raise conflict("この要請はすでに申請済みです。")
    result = system_check.check(rules, request.facility, [i.item_key for i in request.items], now)
    request.check_failures = [f.__dict__ for f in result.failures]
    request.updated_at, request.updated_by_id = now, user.id
    if result.ok:
        request.status = SosStatus.reviewing
        request.applied_at = now
        request.handling_date = handling_date(now)
        request.return_comment = ""
        _event(request, user, "applied")
    else:
        request.status = SosStatus.error
        _event(request, user, "check_failed", "\n".join(f.message for f in result.failures))
    session.flush()
    audit.record("sos.applied" if result.ok else "sos.check_failed", request)
    return result.ok


def _notify(request: SosRequest, template: str, **context) -> None:
    # The facility's users, and whoever filed it (an aggregator's user, say).
    creator = [request.created_by.email] if request.created_by else []
    for address in dict.fromkeys([*addresses_of(User.facility_id == request.facility_id),
                                  *creator]):
        mail.enqueue(address, template, request=request, **context)


def accept(request: SosRequest, reviewer: User) -> None:
    if request.status != SosStatus.reviewing:
        raise conflict("都道府県・国確認中の要請だけを受付完了にできます。")
    request.status = SosStatus.accepted
    request.reviewed_at, request.reviewed_by_id = utcnow(), reviewer.id
    _event(request, reviewer, "accepted")
    _notify(request, "sos_accepted")
    session.flush()
    audit.record("sos.accepted", request)


def return_request(request: SosRequest, reviewer: User, comment: str) -> None:
    if request.status != SosStatus.reviewing:
        raise conflict("都道府県・国確認中の要請だけを差し戻せます。")
    request.status = SosStatus.returned
    request.return_comment = comment
    request.reviewed_at, request.reviewed_by_id = utcnow(), reviewer.id
    _event(request, reviewer, "returned", comment)
    _notify(request, "sos_returned", comment=comment)
    session.flush()
    audit.record("sos.returned", request, comment=comment)


# --- lists ------------------------------------------------------------------------------------

def facility_requests(facility: Facility) -> list[SosRequest]:
    return list(session.scalars(
        sa.select(SosRequest).where(SosRequest.facility_id == facility.id)
        .order_by(SosRequest.created_at.desc(), SosRequest.id.desc())))


@dataclass
class QueueFilter:
    """The requests of the review queue (a ``gmis.filters.ListFilter``): those awaiting
    review unless another status (or all, ``None``) is asked for, by handling date, item,
    secondary area and, for the national office, prefecture."""

    status: SosStatus | None = SosStatus.reviewing
    start: date | None = None
    end: date | None = None
    item: str = ""
    area_code: str = ""
    prefecture_code: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str], user: User) -> QueueFilter:
        """Unknown values mean "all"; handling dates that cannot be read, or that end
        before they start, are refused."""
        status = args.get("status", SosStatus.reviewing.value)
        item = args.get("item", "")
        area = args.get("area", "")
        code = args.get("pref", "") if access.nationwide(user) else ""
        start = parse_day(args.get("from"), "対応日(開始)")
        end = parse_day(args.get("to"), "対応日(終了)")
        if start and end and end < start:
            raise FilterError("対応日(終了)は対応日(開始)以降にしてください。")
        return cls(
            status=SosStatus(status) if status in SosStatus.__members__ else None,
            start=start, end=end, item=item if rules_in_force().item(item) else "",
            area_code=area if area.isdigit() else "",
            prefecture_code=code if len(code) == 2 and code.isdigit() else "")

    def args(self) -> dict[str, str]:
        args = {"status": self.status.value if self.status is not None else "all",
                "from": self.start.isoformat() if self.start else "",
                "to": self.end.isoformat() if self.end else "",
                "item": self.item, "area": self.area_code, "pref": self.prefecture_code}
        return {key: value for key, value in args.items() if value}

    def clauses(self) -> list:
        clauses = []
        if self.status is not None:
            clauses.append(SosRequest.status == self.status)
        if self.start is not None:
            clauses.append(SosRequest.handling_date >= self.start)
        if self.end is not None:
            clauses.append(SosRequest.handling_date <= self.end)
        if self.item:
            clauses.append(SosRequest.id.in_(sa.select(SosRequestItem.request_id).where(
                SosRequestItem.item_key == self.item)))
        if self.prefecture_code:
            clauses.append(SosRequest.prefecture_code == self.prefecture_code)
        if self.area_code:
            clauses.append(SosRequest.facility_id.in_(
                sa.select(Facility.id).join(SecondaryArea,
                                            SecondaryArea.id == Facility.secondary_area_id)
                .where(SecondaryArea.code == self.area_code)))
        return clauses


def queue(user: User, filters: QueueFilter) -> sa.Select:
    """Requests awaiting review (or as filtered) in the user's scope: oldest handling date
    first, as they are to be worked through."""
    return (access.sos_requests(user).where(*filters.clauses())
            .options(selectinload(SosRequest.items),
                     joinedload(SosRequest.facility).joinedload(Facility.secondary_area),
                     joinedload(SosRequest.prefecture))
            .order_by(SosRequest.handling_date.nulls_last(), SosRequest.applied_at,
                      SosRequest.id))


def totals(user: User, filters: QueueFilter) -> list[tuple[str, date | None, str, int]]:
    """(prefecture, handling date, item key, quantity): what was requested per prefecture
    and day, for the requests the filters select."""
    return list(session.execute(
        sa.select(Prefecture.name, SosRequest.handling_date, SosRequestItem.item_key,
                  sa.func.sum(SosRequestItem.quantity))
        .join(SosRequest, SosRequest.id == SosRequestItem.request_id)
        .join(Prefecture, Prefecture.code == SosRequest.prefecture_code)
        .where(access.sos_request_scope(user), *filters.clauses())
        .group_by(Prefecture.code, Prefecture.name, SosRequest.handling_date,
                  SosRequestItem.item_key)
        .order_by(SosRequest.handling_date.desc(), Prefecture.code)).all())
