"""Answers as JSONB on PostgreSQL (read field by field by the bed view)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 08:00:00
"""

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE survey_responses ALTER COLUMN answers TYPE jsonb "
                   "USING answers::jsonb")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE survey_responses ALTER COLUMN answers TYPE json "
                   "USING answers::json")
