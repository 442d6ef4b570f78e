"""A published survey version can be withdrawn from a date, putting the previous one back in force

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 19:00:00
"""

import sqlalchemy as sa
from alembic import op

import gmis.db

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('survey_versions') as batch:
        batch.add_column(sa.Column('withdrawn_from', sa.Date(), nullable=True))
        batch.add_column(sa.Column('withdrawn_at', gmis.db.UTCDateTime(timezone=True),
                                   nullable=True))
        batch.add_column(sa.Column('withdrawn_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_survey_versions_withdrawn_by_id_users'), 'users',
                                 ['withdrawn_by_id'], ['id'])
        batch.create_check_constraint(op.f('ck_survey_versions_withdrawn_was_published'),
                                      "withdrawn_from IS NULL OR status = 'published'")


def downgrade() -> None:
    with op.batch_alter_table('survey_versions') as batch:
        batch.drop_constraint(op.f('ck_survey_versions_withdrawn_was_published'), type_='check')
        batch.drop_constraint(op.f('fk_survey_versions_withdrawn_by_id_users'),
                              type_='foreignkey')
        batch.drop_column('withdrawn_by_id')
        batch.drop_column('withdrawn_at')
        batch.drop_column('withdrawn_from')
