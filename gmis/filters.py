"""Filters typed into the GET forms of list pages, all read and refused alike.

A list page's filters are one class that follows ``ListFilter``: built from the query
string (and the user, whose scope decides what may be asked for), refused as a
``FilterError`` carrying the Japanese reasons, and able to give back the query arguments
that reproduce it, for the links that keep the filters. The views show a ``FilterError``
above the form (``_filter_error.html``), which keeps what was typed, with status 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Protocol, Self, runtime_checkable

if TYPE_CHECKING:
    from gmis.models import User


class FilterError(ValueError):
    """A filter that cannot be used. ``messages`` are the Japanese reasons, one for each
    argument refused (a page may check them all before answering); ``str()`` joins them."""

    def __init__(self, *messages: str):
        super().__init__("\n".join(messages))
        self.messages = list(messages)


@runtime_checkable
class ListFilter(Protocol):
    """What the filters of a list page offer the view that reads them."""

    @classmethod
    def from_args(cls, args: Mapping[str, str], user: User) -> Self:
        """The filters of the query string ``args``, as ``user`` may ask for them; a value
        that cannot be used is refused (``FilterError``) or, where the page says so
        without refusing, dropped."""
        ...

    def args(self) -> dict[str, str]:
        """The query arguments that give these filters back through ``from_args``: what a
        link keeps (other pages, the pager, the CSV)."""
        ...


def parse_day(text: str | None, label: str, default: date | None = None) -> date | None:
    """The day typed as YYYY-MM-DD (what a date input sends); ``default`` when empty."""
    if not text or not text.strip():
        return default
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise FilterError(f"{label}は「2026-12-01」の形で入力してください。") from None
