"""Each service's migrations build exactly the schema its tables describe."""

from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from libs.database import create_engine
from libs.migrations import upgrade
from services.cli import SERVICES


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_match_the_tables_of(service, databases):
    definition = importlib.import_module(f"services.{service}.app").DEFINITION
    url = await databases.create(f"migrate_{service}")
    await upgrade(definition.migrations_dir, url, definition.metadata)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}),
                    definition.metadata,
                )
            )
    finally:
        await engine.dispose()
    assert differences == []
