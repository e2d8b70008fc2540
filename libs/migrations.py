"""Alembic wiring shared by the services.

One ``env.py`` and revision template live in ``libs/alembic``; each service keeps only its
revisions in ``services/<name>/migrations/``. The metadata to compare against is handed to
env.py through the Alembic config, so nothing here imports a service.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData

__all__ = ["alembic_config", "make_revision", "upgrade", "upgrade_sync"]

SCRIPT_LOCATION = Path(__file__).parent / "alembic"


def alembic_config(versions_dir: Path, database_url: str, metadata: MetaData) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(versions_dir))
    config.set_main_option("sqlalchemy.url", database_url)
    config.attributes["target_metadata"] = metadata
    return config


def upgrade_sync(versions_dir: Path, database_url: str, metadata: MetaData) -> None:
    """Bring the database to the newest revision (blocking; needs no running event loop)."""
    command.upgrade(alembic_config(versions_dir, database_url, metadata), "head")


async def upgrade(versions_dir: Path, database_url: str, metadata: MetaData) -> None:
    # env.py runs its own event loop, so the migration goes to a worker thread.
    await asyncio.to_thread(upgrade_sync, versions_dir, database_url, metadata)


def make_revision(versions_dir: Path, database_url: str, metadata: MetaData, message: str) -> None:
    """Autogenerate a revision from the difference between the database and the metadata."""
    command.revision(
        alembic_config(versions_dir, database_url, metadata), message=message, autogenerate=True
    )
