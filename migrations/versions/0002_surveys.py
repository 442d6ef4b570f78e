"""Surveys: versions, responses, change history

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 14:29:49.013329
"""

import sqlalchemy as sa
from alembic import op

import gmis.db

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=63), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('created_at', gmis.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys')),
    sa.UniqueConstraint('key', name=op.f('uq_surveys_key'))
    )
    op.create_table('survey_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('prefecture_code', sa.String(length=2), nullable=True),
    sa.Column('base_version_id', sa.Integer(), nullable=True),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('source_name', sa.String(length=255), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', name='version_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=True),
    sa.Column('created_at', gmis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', gmis.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status = 'draft' OR effective_from IS NOT NULL", name=op.f('ck_survey_versions_published_has_date')),
    sa.ForeignKeyConstraint(['base_version_id'], ['survey_versions.id'], name=op.f('fk_survey_versions_base_version_id_survey_versions')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_survey_versions_created_by_id_users')),
    sa.ForeignKeyConstraint(['prefecture_code'], ['prefectures.code'], name=op.f('fk_survey_versions_prefecture_code_prefectures')),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_survey_versions_published_by_id_users')),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_versions_survey_id_surveys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_versions')),
    sa.UniqueConstraint('survey_id', 'number', name='uq_survey_version_number')
    )
    with op.batch_alter_table('survey_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_versions_survey_id'), ['survey_id'], unique=False)

    op.create_table('survey_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('respondent_key', sa.String(length=32), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=True),
    sa.Column('prefecture_code', sa.String(length=2), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('period_key', sa.String(length=16), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'returned', 'accepted', name='response_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('return_comment', sa.Text(), nullable=False),
    sa.Column('created_at', gmis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gmis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', gmis.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_on_behalf', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_survey_responses_city_id_cities')),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_survey_responses_facility_id_facilities')),
    sa.ForeignKeyConstraint(['prefecture_code'], ['prefectures.code'], name=op.f('fk_survey_responses_prefecture_code_prefectures')),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_responses_survey_id_surveys')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_survey_responses_updated_by_id_users')),
    sa.ForeignKeyConstraint(['version_id'], ['survey_versions.id'], name=op.f('fk_survey_responses_version_id_survey_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses')),
    sa.UniqueConstraint('survey_id', 'respondent_key', 'period_key', name='uq_response_period')
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index('ix_response_survey_period', ['survey_id', 'period_start', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_responses_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_responses_version_id'), ['version_id'], unique=False)

    op.create_table('response_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', gmis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('field_key', sa.String(length=63), nullable=False),
    sa.Column('old_value', sa.JSON(), nullable=True),
    sa.Column('new_value', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['response_id'], ['survey_responses.id'], name=op.f('fk_response_changes_response_id_survey_responses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_response_changes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response_changes'))
    )
    with op.batch_alter_table('response_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_changes_response_id'), ['response_id'], unique=False)

    op.create_table('response_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', gmis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['survey_responses.id'], name=op.f('fk_response_events_response_id_survey_responses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_response_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response_events'))
    )
    with op.batch_alter_table('response_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_events_response_id'), ['response_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('response_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_events_response_id'))

    op.drop_table('response_events')
    with op.batch_alter_table('response_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_changes_response_id'))

    op.drop_table('response_changes')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_responses_version_id'))
        batch_op.drop_index(batch_op.f('ix_survey_responses_facility_id'))
        batch_op.drop_index('ix_response_survey_period')

    op.drop_table('survey_responses')
    with op.batch_alter_table('survey_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_versions_survey_id'))

    op.drop_table('survey_versions')
    op.drop_table('surveys')
