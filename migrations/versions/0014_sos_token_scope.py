"""An SOS request's creation token is unique per facility, not across all facilities

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 10:00:00
"""

from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite changes constraints by copying the table.
    with op.batch_alter_table('sos_requests') as batch:
        batch.drop_constraint('uq_sos_requests_creation_token', type_='unique')
        batch.create_unique_constraint('uq_sos_requests_facility_creation_token',
                                       ['facility_id', 'creation_token'])


def downgrade() -> None:
    # Tokens shared by two facilities cannot stay under a global unique constraint; the
    # later request forgets its token (it only guards against a double click).
    op.execute(
        "UPDATE sos_requests SET creation_token = NULL WHERE creation_token IS NOT NULL "
        "AND id NOT IN (SELECT MIN(id) FROM sos_requests WHERE creation_token IS NOT NULL "
        "GROUP BY creation_token)")
    with op.batch_alter_table('sos_requests') as batch:
        batch.drop_constraint('uq_sos_requests_facility_creation_token', type_='unique')
        batch.create_unique_constraint('uq_sos_requests_creation_token', ['creation_token'])
