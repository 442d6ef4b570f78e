"""The 13:00 cut-off and Japan's business days: weekends, public holidays, New Year."""

from datetime import date, datetime

import pytest

from gmis.japan_time import TOKYO
from gmis.sos.business_days import handling_date, holiday_name, is_business_day


def tokyo(*args) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


@pytest.mark.parametrize(("applied", "handled"), [
    # A Tuesday: before 13:00 the same day, at or after it the next.
    (tokyo(2026, 12, 1, 12, 59, 59), date(2026, 12, 1)),
    (tokyo(2026, 12, 1, 13, 0, 0), date(2026, 12, 2)),
    (tokyo(2026, 12, 1, 23, 59), date(2026, 12, 2)),
    # Friday afternoon goes to Monday; Saturday morning too.
    (tokyo(2026, 12, 4, 13, 30), date(2026, 12, 7)),
    (tokyo(2026, 12, 5, 9, 0), date(2026, 12, 7)),
    # A holiday weekend: Saturday 10 January 2027, then 成人の日 on Monday the 11th.
    (tokyo(2027, 1, 8, 14, 0), date(2027, 1, 12)),
    (tokyo(2027, 1, 11, 10, 0), date(2027, 1, 12)),
    # The New Year closure: 29 December to 3 January.
    (tokyo(2026, 12, 28, 13, 5), date(2027, 1, 4)),
    (tokyo(2026, 12, 30, 9, 0), date(2027, 1, 4)),
    # 12:30 in Tokyo is 03:30 UTC: the cut-off is Japan time, whatever the server's zone.
    (datetime.fromisoformat("2026-12-01T03:30:00+00:00"), date(2026, 12, 1)),
    (datetime.fromisoformat("2026-12-01T04:00:00+00:00"), date(2026, 12, 2)),
])
def test_handling_date(applied, handled):
    assert handling_date(applied) == handled


@pytest.mark.parametrize(("day", "name"), [
    (date(2026, 12, 1), None),
    (date(2026, 12, 5), "土曜日"),
    (date(2027, 1, 11), "成人の日"),
    (date(2026, 5, 6), "振替休日"),
    (date(2026, 12, 31), "年末年始"),
])
def test_why_offices_are_closed(day, name):
    assert holiday_name(day) == name
    assert is_business_day(day) is (name is None)


def test_the_form_says_when_a_request_will_be_handled():
    from gmis.sos.business_days import handling_notice

    assert handling_notice(tokyo(2026, 12, 1, 9, 30)).startswith(
        "本日13:00までに申請すると、本日(12月1日)の対応になります。")
    assert handling_notice(tokyo(2026, 12, 4, 13, 30)).startswith(
        "現在12月4日 13:30です。今申請すると、対応は翌営業日の12月7日になります")
