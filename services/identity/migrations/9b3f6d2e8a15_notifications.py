"""notifications: the log of reminder e-mails sent to a unit's people

Revision ID: 9b3f6d2e8a15
Revises: e4467446087b
Create Date: 2026-12-03 16:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import libs.database

revision: str = '9b3f6d2e8a15'
down_revision: str | None = 'e4467446087b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'notifications',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('unit_id', sa.String(length=64), nullable=False),
        sa.Column('recipient_id', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('event_id', sa.String(length=64), nullable=False),
        sa.Column('mail_id', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('queued_at', libs.database.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_unit_queued', ['unit_id', 'queued_at'], unique=False)
        batch_op.create_index(
            'uq_notifications_event_recipient', ['event_id', 'recipient_id'], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('uq_notifications_event_recipient')
        batch_op.drop_index('ix_notifications_unit_queued')
    op.drop_table('notifications')
