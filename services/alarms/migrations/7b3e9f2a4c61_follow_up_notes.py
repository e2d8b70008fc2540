"""follow_up_notes: notes on an alarm or a deviation report, append-only

Revision ID: 7b3e9f2a4c61
Revises: 5e2a7c1d9b04
Create Date: 2026-12-03 16:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import libs.database

revision: str = '7b3e9f2a4c61'
down_revision: str | None = '5e2a7c1d9b04'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'follow_up_notes',
        sa.Column('note_id', sa.String(length=64), nullable=False),
        sa.Column('unit_id', sa.String(length=64), nullable=False),
        sa.Column('tenant_id', sa.String(length=64), nullable=False),
        sa.Column('alarm_id', sa.String(length=64), nullable=True),
        sa.Column('deviation_id', sa.String(length=64), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('written_by', sa.String(length=64), nullable=False),
        sa.Column('written_at', libs.database.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('note_id', name=op.f('pk_follow_up_notes')),
    )
    with op.batch_alter_table('follow_up_notes', schema=None) as batch_op:
        batch_op.create_index('ix_follow_up_notes_alarm', ['alarm_id', 'written_at'], unique=False)
        batch_op.create_index(
            'ix_follow_up_notes_deviation', ['deviation_id', 'written_at'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('follow_up_notes', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_up_notes_deviation')
        batch_op.drop_index('ix_follow_up_notes_alarm')
    op.drop_table('follow_up_notes')
