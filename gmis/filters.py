"""Filters typed into the GET forms of list pages: the error that refuses one, and a day."""

from __future__ import annotations

from datetime import date


class FilterError(ValueError):
    """A filter that cannot be used; ``str()`` is the Japanese reason, shown above the form
    that sent it, which keeps what was typed."""


def parse_day(text: str | None, label: str, default: date | None = None) -> date | None:
    """The day typed as YYYY-MM-DD (what a date input sends); ``default`` when empty."""
    if not text or not text.strip():
        return default
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise FilterError(f"{label}は「2026-12-01」の形で入力してください。") from None
