"""infrastructure tables

Revision ID: 87d6135d547d
Revises:
Create Date: 2026-11-23 01:04:11.581228
"""

from collections.abc import Sequence

from libs import infrastructure_migration

revision: str = "87d6135d547d"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    infrastructure_migration.upgrade()


def downgrade() -> None:
    infrastructure_migration.downgrade()
