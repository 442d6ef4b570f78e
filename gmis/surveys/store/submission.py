"""What the fill form sends, saved in one call."""

from __future__ import annotations

from collections.abc import Mapping


def revision_of(form: Mapping) -> int | None:
    """The revision of the response the form was shown with (None for a new one)."""
    value = form.get("revision", "")
    return int(value) if value.isdigit() else None
