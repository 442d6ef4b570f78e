"""Two-factor sign-in: the TOTP secret and last used time step of each user, recovery codes

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10 10:00:00
"""

import sqlalchemy as sa
from alembic import op

import gmis.db

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('two_factor_secret', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('two_factor_enabled_at', gmis.db.UTCDateTime(timezone=True),
                                   nullable=True))
        batch.add_column(sa.Column('two_factor_last_step', sa.BigInteger(), nullable=True))
    op.create_table('two_factor_recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', gmis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', gmis.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_two_factor_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_two_factor_recovery_codes')),
    sa.UniqueConstraint('user_id', 'code_hash', name=op.f('uq_two_factor_recovery_codes_user_id'))
    )
    with op.batch_alter_table('two_factor_recovery_codes') as batch:
        batch.create_index(batch.f('ix_two_factor_recovery_codes_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('two_factor_recovery_codes') as batch:
        batch.drop_index(batch.f('ix_two_factor_recovery_codes_user_id'))
    op.drop_table('two_factor_recovery_codes')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('two_factor_last_step')
        batch.drop_column('two_factor_enabled_at')
        batch.drop_column('two_factor_secret')
