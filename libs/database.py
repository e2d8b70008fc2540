"""Async engines and sessions for PostgreSQL and SQLite, one database per service."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import DateTime, Dialect, MetaData, Result, TypeDecorator, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.schema import Table

__all__ = [
    "NAMING_CONVENTION",
    "SessionFactory",
    "UtcDateTime",
    "create_engine",
    "dialect_insert",
    "dialect_name",
    "insert_ignoring_conflicts",
    "members_by_value",
    "new_metadata",
    "records",
    "session_scope",
]

# Stable constraint names make Alembic migrations reproducible across both dialects.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SessionFactory = async_sessionmaker[AsyncSession]


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on both dialects.

    SQLite keeps no offset and hands back naive values; this type refuses naive input and
    always returns aware UTC, so comparisons never mix naive and aware times.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        # asyncpg hands back timestamptz as aware UTC already (other drivers use the session's
        # zone); a worklist read would otherwise convert thousands of values to what they are.
        if dialect.driver == "asyncpg":
            return None
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def create_engine(url: str, *, pool_size: int = 5, pre_ping: bool = True) -> AsyncEngine:
    """An engine tuned for the dialect: a pool for Postgres, WAL and a busy timeout for SQLite.

    ``pre_ping`` replaces a pooled Postgres connection the server has closed (a restart, an
    idle timeout) at checkout, so such a connection costs no failed request.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800
    )
    if pre_ping:
        event.listen(engine.sync_engine, "checkout", _refuse_closed_connection)
    return engine


def _refuse_closed_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    # SQLAlchemy's own pre-ping costs three round trips per checkout on asyncpg (BEGIN, an
    # empty query, ROLLBACK) — a third of a one-event transaction's. asyncpg marks a
    # connection closed as soon as the event loop reads the server's goodbye, so asking it is
    # free; the pool then discards the connection and checks out another.
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the database closed this pooled connection")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the one writer; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def dialect_name(session: AsyncSession) -> str:
    """``postgresql`` or ``sqlite``: the few statements that differ ask this."""
    return session.get_bind().dialect.name


def dialect_insert(table: Table, *, dialect_name: str) -> Any:
    """The dialect's own ``INSERT``, which has ``on_conflict_do_update``/``_do_nothing``
    (both dialects spell them alike)."""
    if dialect_name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_ignoring_conflicts(table: Table, *, dialect_name: str) -> Insert:
    """``INSERT ... ON CONFLICT DO NOTHING`` for either dialect; check ``rowcount`` after."""
    statement: Insert = dialect_insert(table, dialect_name=dialect_name).on_conflict_do_nothing()
    return statement


@asynccontextmanager
async def session_scope(sessions: SessionFactory) -> AsyncIterator[AsyncSession]:
    """One transaction: committed when the block ends, rolled back when it raises."""
    async with sessions() as session, session.begin():
        yield session


def records(result: Result[Any]) -> list[Any]:
    """A result's rows as named tuples, for reads of hundreds of rows that are read field by
    field: a SQLAlchemy ``Row`` answers an attribute in about 0.6 µs, a named tuple in 0.04."""
    make = _record_type(tuple(result.keys()))._make
    return [make(row) for row in result]


E = TypeVar("E", bound=Enum)


def members_by_value(enum: type[E]) -> dict[Any, E]:
    """An enum's members by their stored value, for reads that turn many rows back into
    members: ``Enum(value)`` costs about 0.34 µs, a dict lookup 0.03."""
    return {member.value: member for member in enum}


@lru_cache(maxsize=256)
def _record_type(columns: tuple[str, ...]) -> Any:
    return namedtuple("Record", columns)
