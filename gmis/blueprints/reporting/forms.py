"""Forms of the report pages: the CSRF token and the values as typed (the use cases check
them and say in Japanese what is wrong)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField


class StartForm(FlaskForm):
    """報告を始める: the kind (new, periodic, adhoc)."""

    kind = HiddenField()


class DiscardForm(FlaskForm):
    """削除: the draft report to throw away."""

    response_id = HiddenField()


class WindowForm(FlaskForm):
    """定期報告期間 of one report survey and fiscal year (dates as 2027-01-04)."""

    survey = HiddenField()
    fiscal_year = HiddenField()
    starts_on = StringField("開始日")
    ends_on = StringField("終了日")
