"""Responses submitted after their period's deadline before the late mark was kept are marked late

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 19:00:00

The deadline comes from each response's own version (its ``period``), worked out by the same
function the app uses when a response is submitted. One UPDATE per version and period, on
the (survey, period start) index: a year of daily answers is a few hundred statements.
"""

import sqlalchemy as sa
from alembic import op
from marshmallow import ValidationError

import gmis.db
from gmis.surveys.engine import periods
from gmis.surveys.engine.definition import PeriodSchema

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

versions = sa.table('survey_versions', sa.column('id', sa.Integer),
                    sa.column('survey_id', sa.Integer), sa.column('definition', sa.JSON))
responses = sa.table('survey_responses', sa.column('survey_id', sa.Integer),
                     sa.column('version_id', sa.Integer), sa.column('period_start', sa.Date),
                     sa.column('submitted_at', gmis.db.UTCDateTime(timezone=True)),
                     sa.column('late', sa.Boolean))


def upgrade() -> None:
    bind = op.get_bind()
    for version_id, survey_id, definition in bind.execute(
            sa.select(versions.c.id, versions.c.survey_id, versions.c.definition)).all():
        try:
            period_def = PeriodSchema().load((definition or {}).get('period') or {})
        except ValidationError:
            continue  # not readable as a period: no deadline to be late for
        of_version = (responses.c.survey_id == survey_id,
                      responses.c.version_id == version_id,
                      responses.c.submitted_at.is_not(None))
        starts = bind.scalars(sa.select(responses.c.period_start).where(*of_version)
                              .distinct()).all()
        for start in starts:
            due = periods.due_at(period_def, periods.period_for(period_def.kind, start))
            if due is None:
                continue
            bind.execute(responses.update()
                         .where(*of_version, responses.c.period_start == start,
                                responses.c.submitted_at > due)
                         .values(late=True))


def downgrade() -> None:
    # At 0008 nothing set the mark yet: every response goes back to not late.
    op.execute(responses.update().where(responses.c.late.is_(True)).values(late=False))
