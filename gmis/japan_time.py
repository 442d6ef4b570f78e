"""Japan time: every time a user sees, and every date a rule speaks of, is Asia/Tokyo."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")


def to_tokyo(value: datetime | None, fmt: str = "%Y/%m/%d %H:%M") -> str:
    """``value`` (stored in UTC) as Japan time, formatted; empty for None."""
    if value is None:
        return ""
    return value.astimezone(TOKYO).strftime(fmt)
