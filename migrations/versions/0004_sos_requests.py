"""SOS requests: emergency supply requests, their items and events

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 07:13:21.843538
"""

import sqlalchemy as sa
from alembic import op

import gmis.db

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sos_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('prefecture_code', sa.String(length=2), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('draft', 'error', 'reviewing', 'returned', 'accepted', name='sos_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('general_confirmed', sa.Boolean(), nullable=False),
    sa.Column('n95_confirmed', sa.Boolean(), nullable=False),
    sa.Column('remark', sa.Text(), nullable=False),
    sa.Column('applied_at', gmis.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('handling_date', sa.Date(), nullable=True),
    sa.Column('check_failures', sa.JSON(), nullable=False),
    sa.Column('return_comment', sa.Text(), nullable=False),
    sa.Column('answered_on_behalf', sa.Boolean(), nullable=False),
    sa.Column('creation_token', sa.String(length=36), nullable=True),
    sa.Column('created_at', gmis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', gmis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', gmis.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.CheckConstraint("status NOT IN ('reviewing', 'accepted') OR applied_at IS NOT NULL", name=op.f('ck_sos_requests_applied_before_review')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_sos_requests_created_by_id_users')),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_sos_requests_facility_id_facilities')),
    sa.ForeignKeyConstraint(['prefecture_code'], ['prefectures.code'], name=op.f('fk_sos_requests_prefecture_code_prefectures')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_sos_requests_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_sos_requests_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sos_requests')),
    sa.UniqueConstraint('creation_token', name=op.f('uq_sos_requests_creation_token'))
    )
    with op.batch_alter_table('sos_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sos_requests_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sos_requests_handling_date'), ['handling_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_sos_requests_prefecture_code'), ['prefecture_code'], unique=False)

    op.create_table('sos_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', gmis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['sos_requests.id'], name=op.f('fk_sos_events_request_id_sos_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sos_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sos_events'))
    )
    with op.batch_alter_table('sos_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sos_events_request_id'), ['request_id'], unique=False)

    op.create_table('sos_request_items',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=63), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_sos_request_items_quantity_positive')),
    sa.ForeignKeyConstraint(['request_id'], ['sos_requests.id'], name=op.f('fk_sos_request_items_request_id_sos_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('request_id', 'item_key', name=op.f('pk_sos_request_items'))
    )


def downgrade() -> None:
    op.drop_table('sos_request_items')
    with op.batch_alter_table('sos_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sos_events_request_id'))

    op.drop_table('sos_events')
    with op.batch_alter_table('sos_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sos_requests_prefecture_code'))
        batch_op.drop_index(batch_op.f('ix_sos_requests_handling_date'))
        batch_op.drop_index(batch_op.f('ix_sos_requests_facility_id'))

    op.drop_table('sos_requests')
