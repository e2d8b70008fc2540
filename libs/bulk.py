"""Bulk writes on PostgreSQL through ``COPY``, for passes that write tens of thousands of rows.

``executemany`` sends rows as bound parameters in batches; ``COPY`` streams them in the binary
format and is several times faster. Both run on the session's connection, inside its
transaction, so they commit or roll back with everything else in the unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["COPY_THRESHOLD", "copy_insert_ignoring_conflicts", "copy_rows"]

# Below this many rows a temporary table and COPY cost more than they save.
COPY_THRESHOLD = 200


async def _driver(session: AsyncSession) -> Any:
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection  # the asyncpg connection


async def copy_rows(
    session: AsyncSession, *, table: str, columns: Sequence[str], records: Sequence[tuple[Any, ...]]
) -> None:
    driver = await _driver(session)
    await driver.copy_records_to_table(table, records=records, columns=list(columns))


async def copy_insert_ignoring_conflicts(
    session: AsyncSession,
    *,
    table: str,
    columns: Sequence[str],
    records: Sequence[tuple[Any, ...]],
    returning: Sequence[str],
) -> list[Any]:
    """``INSERT ... ON CONFLICT DO NOTHING RETURNING`` fed by ``COPY`` into a temporary table;
    returns the rows actually inserted."""
    driver = await _driver(session)
    staging = f"_incoming_{table}"
    # Per connection, emptied at commit: pooled connections reuse it.
    await driver.execute(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} "
        f"(LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
    )
    await driver.execute(f"TRUNCATE {staging}")
    await driver.copy_records_to_table(staging, records=records, columns=list(columns))
    names = ", ".join(columns)
    rows: list[Any] = await driver.fetch(
        f"INSERT INTO {table} ({names}) SELECT {names} FROM {staging} "  # noqa: S608
        f"ON CONFLICT DO NOTHING RETURNING {', '.join(returning)}"
    )
    return rows
