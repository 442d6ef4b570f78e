"""Latest responses: each respondent's latest submitted response to each survey

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 07:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

#: Filled from the responses already submitted: the latest period of each respondent.
BACKFILL = """
INSERT INTO latest_responses (survey_id, respondent_key, facility_id, response_id,
                              period_start)
SELECT r.survey_id, r.respondent_key, r.facility_id, r.id, r.period_start
FROM survey_responses r
WHERE r.status IN ('submitted', 'accepted', 'returned')
  AND NOT EXISTS (
    SELECT 1 FROM survey_responses later
    WHERE later.survey_id = r.survey_id AND later.respondent_key = r.respondent_key
      AND later.status IN ('submitted', 'accepted', 'returned')
      AND (later.period_start > r.period_start
           OR (later.period_start = r.period_start AND later.id > r.id)))
"""


def upgrade() -> None:
    op.create_table('latest_responses',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('respondent_key', sa.String(length=32), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=True),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'],
                            name=op.f('fk_latest_responses_facility_id_facilities')),
    sa.ForeignKeyConstraint(['response_id'], ['survey_responses.id'],
                            name=op.f('fk_latest_responses_response_id_survey_responses'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'],
                            name=op.f('fk_latest_responses_survey_id_surveys')),
    sa.PrimaryKeyConstraint('survey_id', 'respondent_key', name=op.f('pk_latest_responses'))
    )
    op.create_index(op.f('ix_latest_responses_facility_id'), 'latest_responses',
                    ['facility_id'], unique=False)
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_index(op.f('ix_latest_responses_facility_id'), table_name='latest_responses')
    op.drop_table('latest_responses')
