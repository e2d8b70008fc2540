"""The first migration of every service: its outbox, inbox and token-revocation tables.

Each service's first revision calls `upgrade`/`downgrade` so the four databases get the same
infrastructure tables from one definition. This is explicit DDL, frozen as the tables were at
that revision; a later change to them needs a new revision in every service.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from libs.database import UtcDateTime

__all__ = ["downgrade", "upgrade"]


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("handled_at", UtcDateTime(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_inbox")),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("time", UtcDateTime(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("correlation_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    op.create_index("ix_outbox_unpublished", "outbox", ["published_at", "id"], unique=False)
    op.create_table(
        "token_revocations",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("not_before", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "not_before", name=op.f("pk_token_revocations")),
    )


def downgrade() -> None:
    op.drop_table("token_revocations")
    op.drop_index("ix_outbox_unpublished", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("inbox")
