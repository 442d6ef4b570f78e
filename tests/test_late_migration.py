"""Migration 0009 marks the responses submitted after their deadline before the app kept the
mark, from each response's own version, and its downgrade takes the marks away again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from gmis import migrate
from gmis.db import session
from gmis.japan_time import TOKYO
from gmis.models import ResponseStatus, SurveyResponse
from gmis.surveys.runtime import field_types
from gmis.surveys.store import versions
from tests.conftest import make_migrated_app
from tests.fixtures.databases import scratch_database


def definition(key: str, period: dict) -> dict:
    return {"schema_version": 1, "key": key, "title": key, "period": period,
            "sections": [{"key": "s", "title": "s", "fields": [
                {"key": "n", "type": "integer", "label": "件数"}]}]}


@dataclass(frozen=True)
class Version:
    id: int
    survey_id: int


def add_response(version, respondent: str, period_key: str, start: date,
                 submitted_at: datetime | None, status=ResponseStatus.submitted) -> None:
    # A Core insert names only the columns given (and those with defaults): the columns
    # later migrations added do not exist yet.
    session.execute(sa.insert(SurveyResponse.__table__).values(
        survey_id=version.survey_id, version_id=version.id, respondent_key=respondent,
        prefecture_code="13", period_key=period_key, period_start=start, status=status,
        answers={"n": 1}, submitted_at=submitted_at))


def test_the_backfill_marks_what_came_after_the_deadline(tmp_path):
    with scratch_database(tmp_path, "late") as url:
        app = make_migrated_app(url)
        with app.app_context():
            # The versions are made with today's schema, the responses as of 0008.
            daily = versions.import_definition(
                definition("daily_count", {"kind": "daily", "due_time": "13:00"}),
                field_types(), source="t.yaml").version
            weekly = versions.import_definition(
                definition("weekly_count", {"kind": "weekly", "due_time": "13:00",
                                            "due_weekday": "wednesday"}),
                field_types(), source="t.yaml").version
            open_ended = versions.import_definition(
                definition("open_count", {"kind": "daily"}), field_types(),
                source="t.yaml").version
            daily, weekly, open_ended = (Version(v.id, v.survey_id)
                                         for v in (daily, weekly, open_ended))
            session.commit()
            session.expunge_all()
            migrate.downgrade("0008")
            day = date(2026, 11, 21)
            add_response(daily, "city:1", "2026-11-21", day, datetime(2026, 11, 21, 12, 59,
                                                                     tzinfo=TOKYO))
            add_response(daily, "city:2", "2026-11-21", day, datetime(2026, 11, 21, 13, 0,
                                                                     tzinfo=TOKYO))
            add_response(daily, "city:3", "2026-11-21", day, datetime(2026, 11, 21, 13, 5,
                                                                     tzinfo=TOKYO))
            add_response(daily, "city:4", "2026-11-20", date(2026, 11, 20),
                         datetime(2026, 11, 21, 9, 0, tzinfo=TOKYO))
            add_response(daily, "city:5", "2026-11-19", date(2026, 11, 19), None,
                         ResponseStatus.draft)
            add_response(weekly, "city:1", "2026-W47", date(2026, 11, 16),
                         datetime(2026, 11, 18, 12, 0, tzinfo=TOKYO))
            add_response(weekly, "city:2", "2026-W47", date(2026, 11, 16),
                         datetime(2026, 11, 19, 9, 0, tzinfo=TOKYO))
            add_response(open_ended, "city:1", "2026-11-01", date(2026, 11, 1),
                         datetime(2026, 11, 30, 9, 0, tzinfo=TOKYO))
            session.commit()

            migrate.upgrade()
            marks = sa.select(SurveyResponse.version_id, SurveyResponse.respondent_key,
                              SurveyResponse.period_key, SurveyResponse.late)
            late = {(v, r, p) for v, r, p, is_late in session.execute(marks) if is_late}
            assert late == {(daily.id, "city:3", "2026-11-21"),
                            (daily.id, "city:4", "2026-11-20"), (weekly.id, "city:2", "2026-W47")}

            session.commit()
            migrate.downgrade("0008")
            assert not any(is_late for *_, is_late in session.execute(marks))
            session.commit()
        app.extensions["gmis.db"].engine.dispose()
