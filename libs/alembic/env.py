"""Alembic environment for every service; the target metadata comes from the config."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection

from libs.database import create_engine

MIGRATION_LOCK = 0x5167_4E41  # any constant shared by every process migrating one database


def _migrate(connection: Connection, target_metadata: MetaData) -> None:
    # render_as_batch lets ALTER TABLE work on SQLite, which rewrites the table instead.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Replicas starting together on a fresh database take turns instead of racing.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()


async def _run(url: str, target_metadata: MetaData) -> None:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_migrate, target_metadata)
            await connection.commit()
    finally:
        await engine.dispose()


def main() -> None:
    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    target_metadata = config.attributes.get("target_metadata")
    if url is None or not isinstance(target_metadata, MetaData):
        raise RuntimeError("run migrations through libs.migrations, which sets url and metadata")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run(url, target_metadata))


main()
