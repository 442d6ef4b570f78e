"""Survey builder drafts and their steps (undo and redo)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

ORIGINS = ('blank', 'copy', 'new_version', 'extension', 'upload')


def upgrade() -> None:
    op.create_table(
        'survey_drafts',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('prefecture_code', sa.String(2), sa.ForeignKey('prefectures.code'),
                  nullable=True),
        sa.Column('origin', sa.Enum(*ORIGINS, name='draft_origin', native_enum=False,
                                    create_constraint=True, length=32), nullable=False),
        sa.Column('based_on_id', sa.Integer(), sa.ForeignKey('survey_versions.id'),
                  nullable=True),
        sa.Column('document', sa.JSON(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('step', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('version_id', sa.Integer(), sa.ForeignKey('survey_versions.id'),
                  nullable=True),
    )
    op.create_index('ix_survey_drafts_prefecture_code', 'survey_drafts', ['prefecture_code'])
    op.create_table(
        'survey_draft_steps',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('draft_id', sa.Integer(),
                  sa.ForeignKey('survey_drafts.id', ondelete='CASCADE'), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('document', sa.JSON(), nullable=False),
        sa.Column('summary', sa.String(200), nullable=False),
        sa.Column('author_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('draft_id', 'number', name='uq_survey_draft_step_number'),
    )


def downgrade() -> None:
    op.drop_table('survey_draft_steps')
    op.drop_index('ix_survey_drafts_prefecture_code', 'survey_drafts')
    op.drop_table('survey_drafts')
