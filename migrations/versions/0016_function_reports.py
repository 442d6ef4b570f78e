"""Report windows, the acceptance time of responses and the public search index

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

FACILITY_TYPES = ('hospital', 'clinic', 'dental_clinic', 'pharmacy', 'outpatient_centre')


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == 'postgresql'
    with op.batch_alter_table('survey_responses') as batch_op:
        batch_op.add_column(sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'report_windows',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('survey_id', sa.Integer(), sa.ForeignKey('surveys.id'), nullable=False),
        sa.Column('prefecture_code', sa.String(2), sa.ForeignKey('prefectures.code'),
                  nullable=False),
        sa.Column('fiscal_year', sa.Integer(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.UniqueConstraint('survey_id', 'prefecture_code', 'fiscal_year',
                            name='uq_report_window'),
        sa.CheckConstraint('ends_on >= starts_on',
                           name=op.f('ck_report_windows_ends_after_start')),
    )
    op.create_table(
        'public_listings',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('survey_id', sa.Integer(), sa.ForeignKey('surveys.id'), nullable=False),
        sa.Column('facility_id', sa.Integer(), sa.ForeignKey('facilities.id'), nullable=False),
        sa.Column('response_id', sa.Integer(), sa.ForeignKey('survey_responses.id'),
                  nullable=False),
        sa.Column('version_id', sa.Integer(), sa.ForeignKey('survey_versions.id'),
                  nullable=False),
        sa.Column('facility_type', sa.Enum(*FACILITY_TYPES, name='facility_type',
                                           native_enum=False, create_constraint=True,
                                           length=32), nullable=False),
        sa.Column('prefecture_code', sa.String(2), sa.ForeignKey('prefectures.code'),
                  nullable=False),
        sa.Column('secondary_area_id', sa.Integer(), sa.ForeignKey('secondary_areas.id'),
                  nullable=True),
        sa.Column('municipality', sa.String(40), nullable=False),
        sa.Column('name', sa.String(200), nullable=False),
        sa.Column('name_kana', sa.String(240), nullable=False),
        sa.Column('search_text', sa.Text(), nullable=False),
        sa.Column('kana_key', sa.String(240), nullable=False),
        sa.Column('postal_code', sa.String(7), nullable=False),
        sa.Column('address', sa.String(300), nullable=False),
        sa.Column('phone', sa.String(20), nullable=False),
        sa.Column('website', sa.String(300), nullable=False),
        sa.Column('latitude', sa.Float(), nullable=True),
        sa.Column('longitude', sa.Float(), nullable=True),
        sa.Column('sections', sa.JSON(), nullable=False),
        sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('survey_id', 'facility_id', name='uq_public_listing_facility'),
    )
    op.create_index('ix_public_listings_version_id', 'public_listings', ['version_id'])
    op.create_index('ix_public_listing_place', 'public_listings',
                    ['prefecture_code', 'facility_type'])
    op.create_index('ix_public_listing_municipality', 'public_listings', ['municipality'])
    op.create_index('ix_public_listing_area', 'public_listings', ['secondary_area_id'])
    op.create_index('ix_public_listing_kana', 'public_listings', ['kana_key'],
                    postgresql_ops={'kana_key': 'varchar_pattern_ops'})
    op.create_index('ix_public_listing_position', 'public_listings', ['latitude', 'longitude'])
    if postgresql:
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.create_index('ix_public_listing_search_text', 'public_listings', ['search_text'],
                        postgresql_using='gin',
                        postgresql_ops={'search_text': 'gin_trgm_ops'})
    op.create_table(
        'public_listing_terms',
        sa.Column('listing_id', sa.Integer(),
                  sa.ForeignKey('public_listings.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('facet', sa.String(16), primary_key=True),
        sa.Column('term', sa.String(128), primary_key=True),
    )
    op.create_index('ix_public_listing_term', 'public_listing_terms',
                    ['facet', 'term', 'listing_id'])
    op.create_table(
        'public_listing_hours',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('listing_id', sa.Integer(),
                  sa.ForeignKey('public_listings.id', ondelete='CASCADE'), nullable=False),
        sa.Column('day', sa.String(8), nullable=False),
        sa.Column('opens', sa.Integer(), nullable=False),
        sa.Column('closes', sa.Integer(), nullable=False),
        sa.CheckConstraint('opens >= 0 AND closes <= 1440 AND opens < closes',
                           name=op.f('ck_public_listing_hours_range_within_day')),
    )
    op.create_index('ix_public_listing_hours_listing_id', 'public_listing_hours',
                    ['listing_id'])
    op.create_index('ix_public_listing_hours_day', 'public_listing_hours',
                    ['day', 'opens', 'closes', 'listing_id'])
    op.create_table(
        'public_vocabularies',
        sa.Column('version_id', sa.Integer(), sa.ForeignKey('survey_versions.id'),
                  primary_key=True),
        sa.Column('survey_id', sa.Integer(), sa.ForeignKey('surveys.id'), nullable=False),
        sa.Column('facets', sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('public_vocabularies')
    op.drop_table('public_listing_hours')
    op.drop_table('public_listing_terms')
    op.drop_table('public_listings')
    op.drop_table('report_windows')
    with op.batch_alter_table('survey_responses') as batch_op:
        batch_op.drop_column('accepted_at')
