"""A use case that will not do what it was asked says so with one exception: ``Refused``,
carrying the Japanese reason the user reads and the kind of refusal, which decides the HTTP
status. Use cases raise it without knowing about HTTP; ``gmis.web`` turns it into an error
page in one handler, so every capability's refusals look and answer alike.
"""

from __future__ import annotations

import enum


class Kind(enum.IntEnum):
    """Why something was refused, as the status the web answers with."""

    #: The user may not do this (another facility's response, a role without the right).
    FORBIDDEN = 403
    #: It does not exist, or the user may not know that it does: another prefecture's
    #: record looks exactly like one that does not exist.
    NOT_FOUND = 404
    #: It cannot be done in the state it is in now (already decided, the period closed,
    #: someone else saved first).
    CONFLICT = 409
    #: What was sent cannot be used (a value out of range, an unreadable file).
    INVALID = 422


class Refused(Exception):
    """A use case refused; ``str()`` is the Japanese reason, ``kind`` says why.

    ``message`` may be empty for ``NOT_FOUND``: the page then says what every missing page
    says, so a record out of scope cannot be told from one that does not exist.
    """

    def __init__(self, message: str = "", kind: Kind = Kind.FORBIDDEN):
        super().__init__(message)
        self.kind = kind

    @property
    def message(self) -> str:
        return str(self)

    @property
    def status(self) -> int:
        return int(self.kind)


def forbidden(message: str) -> Refused:
    return Refused(message, Kind.FORBIDDEN)


def not_found(message: str = "") -> Refused:
    return Refused(message, Kind.NOT_FOUND)


def conflict(message: str) -> Refused:
    return Refused(message, Kind.CONFLICT)


def invalid(message: str) -> Refused:
    return Refused(message, Kind.INVALID)
