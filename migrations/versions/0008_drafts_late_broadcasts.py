"""Responses keep corrections and unreadable inputs as drafts and a late mark; reminder broadcasts

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 18:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gmis.db

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

ANSWERS_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table('survey_responses') as batch:
        batch.add_column(sa.Column('late', sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
        batch.add_column(sa.Column('correction', ANSWERS_TYPE, nullable=True))
        batch.add_column(sa.Column('pending_inputs', sa.JSON(), nullable=True))
    op.create_table('reminder_broadcasts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('period_key', sa.String(length=16), nullable=False),
    sa.Column('scope_key', sa.String(length=32), nullable=False),
    sa.Column('sent_at', gmis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('respondents', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'],
                            name=op.f('fk_reminder_broadcasts_survey_id_surveys')),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'],
                            name=op.f('fk_reminder_broadcasts_sent_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_broadcasts')),
    sa.UniqueConstraint('survey_id', 'period_key', 'scope_key',
                        name='uq_reminder_broadcast_scope')
    )


def downgrade() -> None:
    op.drop_table('reminder_broadcasts')
    with op.batch_alter_table('survey_responses') as batch:
        batch.drop_column('pending_inputs')
        batch.drop_column('correction')
        batch.drop_column('late')
