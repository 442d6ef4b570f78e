"""Initial schema: organisations, users, sessions, registrations, outbox, audit

Revision ID: 0001
Revises:
Create Date: 2026-11-21 14:02:35.856161
"""

import sqlalchemy as sa
from alembic import op

import gmis.db

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'failed', name='outbox_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', gmis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', gmis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', gmis.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['status', 'next_attempt_at'], unique=False)

    op.create_table('prefectures',
    sa.Column('code', sa.String(length=2), nullable=False),
    sa.Column('name', sa.String(length=8), nullable=False),
    sa.Column('name_kana', sa.String(length=16), nullable=False),
    sa.Column('region', sa.String(length=8), nullable=False),
    sa.CheckConstraint("code BETWEEN '01' AND '47'", name=op.f('ck_prefectures_jis_code')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_prefectures')),
    sa.UniqueConstraint('name', name=op.f('uq_prefectures_name'))
    )
    op.create_table('aggregators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('prefecture_code', sa.String(length=2), nullable=False),
    sa.Column('phone', sa.String(length=13), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['prefecture_code'], ['prefectures.code'], name=op.f('fk_aggregators_prefecture_code_prefectures')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aggregators'))
    )
    with op.batch_alter_table('aggregators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aggregators_prefecture_code'), ['prefecture_code'], unique=False)

    op.create_table('cities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('prefecture_code', sa.String(length=2), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.Enum('health_centre_city', 'special_ward', name='city_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.ForeignKeyConstraint(['prefecture_code'], ['prefectures.code'], name=op.f('fk_cities_prefecture_code_prefectures')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cities')),
    sa.UniqueConstraint('code', name=op.f('uq_cities_code'))
    )
    with op.batch_alter_table('cities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cities_prefecture_code'), ['prefecture_code'], unique=False)

    op.create_table('fire_departments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('prefecture_code', sa.String(length=2), nullable=False),
    sa.ForeignKeyConstraint(['prefecture_code'], ['prefectures.code'], name=op.f('fk_fire_departments_prefecture_code_prefectures')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fire_departments'))
    )
    with op.batch_alter_table('fire_departments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fire_departments_prefecture_code'), ['prefecture_code'], unique=False)

    op.create_table('secondary_areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=4), nullable=False),
    sa.Column('prefecture_code', sa.String(length=2), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['prefecture_code'], ['prefectures.code'], name=op.f('fk_secondary_areas_prefecture_code_prefectures')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_secondary_areas')),
    sa.UniqueConstraint('code', name=op.f('uq_secondary_areas_code')),
    sa.UniqueConstraint('prefecture_code', 'name', name='uq_area_name')
    )
    with op.batch_alter_table('secondary_areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_secondary_areas_prefecture_code'), ['prefecture_code'], unique=False)

    op.create_table('facilities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_type', sa.Enum('hospital', 'clinic', 'dental_clinic', 'pharmacy', 'outpatient_centre', name='facility_type', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=True),
    sa.Column('insurance_code', sa.String(length=10), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_kana', sa.String(length=240), nullable=False),
    sa.Column('postal_code', sa.String(length=7), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=13), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('beds', sa.Integer(), nullable=True),
    sa.Column('prefecture_code', sa.String(length=2), nullable=False),
    sa.Column('secondary_area_id', sa.Integer(), nullable=True),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', gmis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gmis.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("code IS NOT NULL OR facility_type = 'outpatient_centre'", name=op.f('ck_facilities_code_required')),
    sa.CheckConstraint('beds IS NULL OR beds >= 0', name=op.f('ck_facilities_beds_not_negative')),
    sa.CheckConstraint('latitude IS NULL OR (latitude BETWEEN -90 AND 90)', name=op.f('ck_facilities_latitude_range')),
    sa.CheckConstraint('longitude IS NULL OR (longitude BETWEEN -180 AND 180)', name=op.f('ck_facilities_longitude_range')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_facilities_city_id_cities')),
    sa.ForeignKeyConstraint(['prefecture_code'], ['prefectures.code'], name=op.f('fk_facilities_prefecture_code_prefectures')),
    sa.ForeignKeyConstraint(['secondary_area_id'], ['secondary_areas.id'], name=op.f('fk_facilities_secondary_area_id_secondary_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facilities')),
    sa.UniqueConstraint('code', name=op.f('uq_facilities_code'))
    )
    with op.batch_alter_table('facilities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facilities_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_facilities_prefecture_code'), ['prefecture_code'], unique=False)
        batch_op.create_index('ix_facilities_prefecture_type', ['prefecture_code', 'facility_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_facilities_secondary_area_id'), ['secondary_area_id'], unique=False)

    op.create_table('aggregator_members',
    sa.Column('aggregator_id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['aggregator_id'], ['aggregators.id'], name=op.f('fk_aggregator_members_aggregator_id_aggregators'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_aggregator_members_facility_id_facilities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('aggregator_id', 'facility_id', name=op.f('pk_aggregator_members'))
    )
    with op.batch_alter_table('aggregator_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aggregator_members_facility_id'), ['facility_id'], unique=False)

    op.create_table('facility_designations',
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('designation', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_facility_designations_facility_id_facilities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('facility_id', 'designation', name=op.f('pk_facility_designations'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login_id', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.Enum('facility', 'aggregator', 'prefecture', 'city', 'fire_department', 'national', 'secretariat', name='role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=True),
    sa.Column('aggregator_id', sa.Integer(), nullable=True),
    sa.Column('prefecture_code', sa.String(length=2), nullable=True),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('fire_department_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', gmis.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('password_changed_at', gmis.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_login_at', gmis.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', gmis.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(role = 'facility' AND facility_id IS NOT NULL AND aggregator_id IS NULL AND prefecture_code IS NULL AND city_id IS NULL AND fire_department_id IS NULL) OR (role = 'aggregator' AND facility_id IS NULL AND aggregator_id IS NOT NULL AND prefecture_code IS NULL AND city_id IS NULL AND fire_department_id IS NULL) OR (role = 'prefecture' AND facility_id IS NULL AND aggregator_id IS NULL AND prefecture_code IS NOT NULL AND city_id IS NULL AND fire_department_id IS NULL) OR (role = 'city' AND facility_id IS NULL AND aggregator_id IS NULL AND prefecture_code IS NULL AND city_id IS NOT NULL AND fire_department_id IS NULL) OR (role = 'fire_department' AND facility_id IS NULL AND aggregator_id IS NULL AND prefecture_code IS NULL AND city_id IS NULL AND fire_department_id IS NOT NULL) OR (role = 'national' AND facility_id IS NULL AND aggregator_id IS NULL AND prefecture_code IS NULL AND city_id IS NULL AND fire_department_id IS NULL) OR (role = 'secretariat' AND facility_id IS NULL AND aggregator_id IS NULL AND prefecture_code IS NULL AND city_id IS NULL AND fire_department_id IS NULL)", name=op.f('ck_users_role_organisation')),
    sa.ForeignKeyConstraint(['aggregator_id'], ['aggregators.id'], name=op.f('fk_users_aggregator_id_aggregators')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_users_city_id_cities')),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_users_facility_id_facilities')),
    sa.ForeignKeyConstraint(['fire_department_id'], ['fire_departments.id'], name=op.f('fk_users_fire_department_id_fire_departments')),
    sa.ForeignKeyConstraint(['prefecture_code'], ['prefectures.code'], name=op.f('fk_users_prefecture_code_prefectures')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('login_id', name=op.f('uq_users_login_id'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_facility_id'), ['facility_id'], unique=False)

    op.create_table('account_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('account_setup', 'password_reset', name='token_purpose', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', gmis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', gmis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', gmis.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_account_tokens_token_hash'))
    )
    with op.batch_alter_table('account_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', gmis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('object_type', sa.String(length=64), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_audit_events_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_occurred_at'), ['occurred_at'], unique=False)

    op.create_table('registration_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=True),
    sa.Column('facility_type', sa.Enum('hospital', 'clinic', 'dental_clinic', 'pharmacy', 'outpatient_centre', name='facility_type', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('facility_code', sa.String(length=10), nullable=False),
    sa.Column('insurance_code', sa.String(length=10), nullable=False),
    sa.Column('facility_name', sa.String(length=120), nullable=False),
    sa.Column('postal_code', sa.String(length=7), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=13), nullable=False),
    sa.Column('contact_name', sa.String(length=80), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('prefecture_code', sa.String(length=2), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', name='application_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('submitted_at', gmis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', gmis.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('rejection_reason', sa.Text(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status = 'pending' OR decided_at IS NOT NULL", name=op.f('ck_registration_applications_decision_recorded')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_registration_applications_decided_by_id_users')),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_registration_applications_facility_id_facilities')),
    sa.ForeignKeyConstraint(['prefecture_code'], ['prefectures.code'], name=op.f('fk_registration_applications_prefecture_code_prefectures')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_registration_applications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_applications')),
    sa.UniqueConstraint('number', name=op.f('uq_registration_applications_number'))
    )
    with op.batch_alter_table('registration_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_applications_facility_code'), ['facility_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_applications_prefecture_code'), ['prefecture_code'], unique=False)
        batch_op.create_index('uq_registration_pending_code', ['facility_code'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))

    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', gmis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', gmis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', gmis.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', gmis.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ip_address', sa.String(length=45), nullable=False),
    sa.Column('user_agent', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))

    op.drop_table('user_sessions')
    with op.batch_alter_table('registration_applications', schema=None) as batch_op:
        batch_op.drop_index('uq_registration_pending_code', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_registration_applications_prefecture_code'))
        batch_op.drop_index(batch_op.f('ix_registration_applications_facility_code'))

    op.drop_table('registration_applications')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_occurred_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events')
    with op.batch_alter_table('account_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_tokens_user_id'))

    op.drop_table('account_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_facility_id'))

    op.drop_table('users')
    op.drop_table('facility_designations')
    with op.batch_alter_table('aggregator_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aggregator_members_facility_id'))

    op.drop_table('aggregator_members')
    with op.batch_alter_table('facilities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facilities_secondary_area_id'))
        batch_op.drop_index('ix_facilities_prefecture_type')
        batch_op.drop_index(batch_op.f('ix_facilities_prefecture_code'))
        batch_op.drop_index(batch_op.f('ix_facilities_city_id'))

    op.drop_table('facilities')
    with op.batch_alter_table('secondary_areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_secondary_areas_prefecture_code'))

    op.drop_table('secondary_areas')
    with op.batch_alter_table('fire_departments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fire_departments_prefecture_code'))

    op.drop_table('fire_departments')
    with op.batch_alter_table('cities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cities_prefecture_code'))

    op.drop_table('cities')
    with op.batch_alter_table('aggregators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aggregators_prefecture_code'))

    op.drop_table('aggregators')
    op.drop_table('prefectures')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_due')

    op.drop_table('outbox_messages')
