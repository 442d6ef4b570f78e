"""Audit rows form a hash chain: each carries the hash of the row before it and its own

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 10:00:00

The rows written before the chain existed are chained here, in id order. The hashing below
is a copy of gmis/audit_chain.py (a migration must keep doing what it did, whatever the app
becomes); tests/security/test_audit_chain.py checks that a chain built here verifies with the
app's own code.
"""

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
BATCH = 2_000

audit_events = sa.table(
    'audit_events',
    sa.column('id', sa.Integer()),
    sa.column('occurred_at', sa.DateTime(timezone=True)),
    sa.column('user_id', sa.Integer()),
    sa.column('action', sa.String()),
    sa.column('object_type', sa.String()),
    sa.column('object_id', sa.String()),
    sa.column('details', sa.JSON()),
    sa.column('ip_address', sa.String()),
    sa.column('previous_hash', sa.String()),
    sa.column('row_hash', sa.String()),
)


def _canonical_time(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite gives the stored UTC time back without its offset
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _row_hash(previous_hash: str, row) -> str:
    fields = [previous_hash, _canonical_time(row.occurred_at), row.user_id, row.action,
              row.object_type, row.object_id, row.details, row.ip_address]
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _chain_existing_rows() -> None:
    connection = op.get_bind()
    previous, last_id = GENESIS, 0
    while True:
        rows = connection.execute(
            sa.select(audit_events.c.id, audit_events.c.occurred_at, audit_events.c.user_id,
                      audit_events.c.action, audit_events.c.object_type,
                      audit_events.c.object_id, audit_events.c.details,
                      audit_events.c.ip_address)
            .where(audit_events.c.id > last_id).order_by(audit_events.c.id).limit(BATCH)).all()
        links = []
        for row in rows:
            own = _row_hash(previous, row)
            links.append({"row_id": row.id, "previous": previous, "own": own})
            previous = own
        if links:
            connection.execute(
                audit_events.update().where(audit_events.c.id == sa.bindparam('row_id'))
                .values(previous_hash=sa.bindparam('previous'), row_hash=sa.bindparam('own')),
                links)
        if len(rows) < BATCH:
            return
        last_id = rows[-1].id


def upgrade() -> None:
    with op.batch_alter_table('audit_events') as batch:
        batch.add_column(sa.Column('previous_hash', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('row_hash', sa.String(length=64), nullable=True))
    _chain_existing_rows()
    with op.batch_alter_table('audit_events') as batch:
        batch.alter_column('previous_hash', existing_type=sa.String(length=64), nullable=False)
        batch.alter_column('row_hash', existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint(op.f('uq_audit_events_previous_hash'), ['previous_hash'])


def downgrade() -> None:
    with op.batch_alter_table('audit_events') as batch:
        batch.drop_constraint(op.f('uq_audit_events_previous_hash'), type_='unique')
        batch.drop_column('row_hash')
        batch.drop_column('previous_hash')
