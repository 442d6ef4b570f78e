"""Password-reset requests wait for the mail worker; the outbox forgets set-password links once sent

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 10:00:00
"""

import re

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

#: What a sent set-password link is replaced with (the same text as gmis.mail.REDACTED).
REDACTED = "(送信済みのため、リンクは保存していません)"
LINK = re.compile(r"\S*/password/set/\S+")


def upgrade() -> None:
    op.create_table('password_reset_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login_id', sa.String(length=64), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_requests'))
    )
    with op.batch_alter_table('outbox_messages') as batch:
        batch.add_column(sa.Column('secret', sa.Text(), nullable=True))
    _redact_sent_links()


def _redact_sent_links() -> None:
    """Mails sent before this version kept their set-password links: cut them out."""
    outbox = sa.table('outbox_messages', sa.column('id', sa.Integer), sa.column('body', sa.Text),
                      sa.column('status', sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(outbox.c.id, outbox.c.body).where(
        outbox.c.status.in_(['sent', 'failed']), outbox.c.body.like('%/password/set/%')))
    for message_id, body in rows.all():
        connection.execute(outbox.update().where(outbox.c.id == message_id)
                           .values(body=LINK.sub(REDACTED, body)))


def downgrade() -> None:
    with op.batch_alter_table('outbox_messages') as batch:
        batch.drop_column('secret')
    op.drop_table('password_reset_requests')
