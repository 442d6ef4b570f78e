"""Survey reminders: one e-mail per respondent and period near the deadline

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 07:10:00
"""

import sqlalchemy as sa
from alembic import op

import gmis.db

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('survey_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('period_key', sa.String(length=16), nullable=False),
    sa.Column('respondent_key', sa.String(length=32), nullable=False),
    sa.Column('sent_at', gmis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'],
                            name=op.f('fk_survey_reminders_survey_id_surveys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_reminders')),
    sa.UniqueConstraint('survey_id', 'period_key', 'respondent_key', name='uq_reminder_period')
    )


def downgrade() -> None:
    op.drop_table('survey_reminders')
