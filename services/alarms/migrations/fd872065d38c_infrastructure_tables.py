"""infrastructure tables

Revision ID: fd872065d38c
Revises:
Create Date: 2026-11-23 01:04:14.101324
"""

from collections.abc import Sequence

from libs import infrastructure_migration

revision: str = "fd872065d38c"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    infrastructure_migration.upgrade()


def downgrade() -> None:
    infrastructure_migration.downgrade()
