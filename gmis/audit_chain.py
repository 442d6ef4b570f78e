"""The audit log's hash chain (監査ログの連鎖): each row's hash covers its own content and the
hash of the row before it, so that changing or deleting a row breaks every link after it.

Pure functions over plain values, with nothing but the standard library: the same canonical
form is computed when a row is written (gmis/audit.py), when the chain is verified
(``flask audit verify``) and, in a copy of its own, by the migration that chained the rows
written before the chain existed. The form must never change: a row hashed today has to
verify in ten years. Should it ever have to, add a new form beside this one and say in each
row which form it was hashed with.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

#: The "previous hash" of the very first row.
GENESIS = "0" * 64


def canonical_time(value: datetime) -> str:
    """A time as the chain hashes it: UTC, microseconds, a fixed width. A naive value is UTC
    (SQLite returns the stored UTC time without its offset)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(value) -> str:
    """JSON with sorted keys and no spaces: one text for one value, whatever the key order
    of the dict it came from."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_hash(previous_hash: str, *, occurred_at: datetime, user_id: int | None, action: str,
             object_type: str, object_id: str, details: dict, ip_address: str) -> str:
    """SHA-256 (hex) of a row's content and its predecessor's hash. The fields go in as one
    JSON array, so no value can pass for the end of one field and the start of the next."""
    fields = [previous_hash, canonical_time(occurred_at), user_id, action, object_type,
              object_id, details, ip_address]
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()


# --- walking the chain -----------------------------------------------------------------------

@dataclass(frozen=True)
class ChainRow:
    """One stored row, as read for verification."""

    id: int
    occurred_at: datetime
    user_id: int | None
    action: str
    object_type: str
    object_id: str
    details: dict
    ip_address: str
    previous_hash: str
    row_hash: str

    def recomputed_hash(self) -> str:
        return row_hash(self.previous_hash, occurred_at=self.occurred_at, user_id=self.user_id,
                        action=self.action, object_type=self.object_type,
                        object_id=self.object_id, details=self.details,
                        ip_address=self.ip_address)


#: What can be wrong with a row, and how ``audit verify`` says it.
CHANGED = "changed"
DELETED = "deleted"
UNLINKED = "unlinked"
PROBLEMS = {
    CHANGED: "内容が書き換えられています（行の内容とハッシュが一致しません） / content changed",
    DELETED: "直前の行が削除されています / a row before it was deleted",
    UNLINKED: "直前の行とのつながりが切れています / link to the previous row broken",
}


@dataclass(frozen=True)
class BrokenLink:
    """The first row at which the chain does not hold."""

    row: ChainRow
    problem: str
    #: The id of the last intact row before it (None: it is the first row).
    after_id: int | None

    @property
    def description(self) -> str:
        return PROBLEMS[self.problem]


@dataclass(frozen=True)
class Walk:
    """The outcome of walking the chain from its first row."""

    rows: int
    #: The last row walked (the head of the chain when nothing is broken).
    head: ChainRow | None
    broken: BrokenLink | None = None
    #: Whether a row carries the hash noted earlier (None: none was given).
    noted_found: bool | None = None


def walk(rows: Iterable[ChainRow], noted: str | None = None) -> Walk:
    """Check ``rows`` (in id order, the whole chain from its first row) link by link and stop
    at the first that does not hold.

    A row whose hash is not that of its content was edited. A row whose own hash holds but
    whose predecessor's is not the one it names follows a deleted row when ids are missing
    between the two (ids can have gaps of their own: a rolled-back insert uses one up, so a
    gap alone proves nothing), and a rewritten predecessor otherwise. Deleting the newest
    rows leaves no trace in the chain: that is what ``noted``, a head hash noted earlier, is
    for; the walk says whether a row still carries it.
    """
    count = 0
    found = False
    previous: ChainRow | None = None
    for row in rows:
        problem = _problem(row, previous)
        if problem is not None:
            return Walk(count, previous, BrokenLink(row, problem,
                                                    previous.id if previous else None))
        count += 1
        found = found or row.row_hash == noted
        previous = row
    return Walk(count, previous, noted_found=found if noted else None)


def _problem(row: ChainRow, previous: ChainRow | None) -> str | None:
    if row.recomputed_hash() != row.row_hash:
        return CHANGED
    expected = previous.row_hash if previous is not None else GENESIS
    if row.previous_hash == expected:
        return None
    if previous is None or row.id > previous.id + 1:
        return DELETED
    return UNLINKED
