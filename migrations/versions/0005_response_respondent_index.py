"""Index of a respondent's responses by period start (pre-fill, latest answers)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 07:45:00
"""

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_response_respondent_start', 'survey_responses',
                    ['survey_id', 'respondent_key', 'period_start'])


def downgrade() -> None:
    op.drop_index('ix_response_respondent_start', table_name='survey_responses')
