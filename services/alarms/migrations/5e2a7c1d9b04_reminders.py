"""reminders: what has been announced for e-mail, once per kind, unit and period

Revision ID: 5e2a7c1d9b04
Revises: ca1d91142103
Create Date: 2026-12-03 16:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import libs.database

revision: str = '5e2a7c1d9b04'
down_revision: str | None = 'ca1d91142103'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'reminders',
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('unit_id', sa.String(length=64), nullable=False),
        sa.Column('period', sa.String(length=64), nullable=False),
        sa.Column('event_id', sa.String(length=64), nullable=False),
        sa.Column('emitted_at', libs.database.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'unit_id', 'period', name=op.f('pk_reminders')),
    )
    with op.batch_alter_table('alarms', schema=None) as batch_op:
        batch_op.create_index(
            'ix_alarms_open_unit',
            ['unit_id', 'raised_at'],
            unique=False,
            postgresql_where=sa.text("state = 'OPEN'"),
            sqlite_where=sa.text("state = 'OPEN'"),
        )


def downgrade() -> None:
    with op.batch_alter_table('alarms', schema=None) as batch_op:
        batch_op.drop_index(
            'ix_alarms_open_unit',
            postgresql_where=sa.text("state = 'OPEN'"),
            sqlite_where=sa.text("state = 'OPEN'"),
        )
    op.drop_table('reminders')
