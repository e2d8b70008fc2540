"""Pooled connections survive the database closing them (a restart drops every session)."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from libs.database import create_engine
from libs.messaging.dispatcher import is_infrastructure_failure


async def _terminate_sessions_of(url: str) -> int:
    """What a database restart does to its clients: every server session ends."""
    parsed = make_url(url)
    dsn = parsed.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    admin = await asyncpg.connect(dsn)
    try:
        terminated = await admin.fetchval(
            "SELECT count(*) FROM ("
            " SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1"
            ") AS ended",
            parsed.database,
        )
    finally:
        await admin.close()
    await asyncio.sleep(0.2)  # the clients' event loop reads the goodbye
    return int(terminated)


async def _use_two_connections(engine) -> None:
    async def one() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            await asyncio.sleep(0.05)

    await asyncio.gather(one(), one())


@pytest.mark.parametrize("pre_ping", [True, False])
async def test_a_closed_pooled_connection_is_replaced_before_use_when_pre_ping_is_on(
    databases, pre_ping
):
    if databases.dialect != "postgresql":
        pytest.skip("SQLite connections are files; nothing closes them")
    url = await databases.create("pool")
    engine = create_engine(url, pool_size=2, pre_ping=pre_ping)
    try:
        await _use_two_connections(engine)  # the pool now holds two idle connections
        assert await _terminate_sessions_of(url) == 2

        async def read() -> int:
            async with engine.connect() as connection:
                return int((await connection.execute(text("SELECT 41 + 1"))).scalar_one())

        if pre_ping:
            assert await asyncio.gather(read(), read()) == [42, 42]
        else:
            # Without the check the first use of a dead connection fails: the check matters.
            with pytest.raises(DBAPIError):
                await read()
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    ("sqlstate", "retry"),
    [
        ("57P03", True),  # cannot connect now: the server is starting
        ("57P01", True),  # admin shutdown: the server is stopping
        ("53300", True),  # too many connections
        ("08006", True),  # connection failure
        ("40001", True),  # serialization failure
        ("40P01", True),  # deadlock detected
        ("23505", False),  # a unique violation is the event's own doing
        ("22P02", False),  # invalid text representation
    ],
)
async def test_a_database_that_says_not_now_is_retried_not_dead_lettered(
    databases, sqlstate, retry
):
    """The error PostgreSQL itself raises with each SQLSTATE, as the consumers meet it."""
    if databases.dialect != "postgresql":
        pytest.skip("SQLSTATEs are PostgreSQL's")
    url = await databases.create("states")
    engine = create_engine(url)
    raise_it = f"DO $$ BEGIN RAISE EXCEPTION 'said' USING ERRCODE = '{sqlstate}'; END $$"
    try:
        with pytest.raises(DBAPIError) as raised:
            async with engine.connect() as connection:
                await connection.execute(text(raise_it))
        assert not raised.value.connection_invalidated
        assert is_infrastructure_failure(raised.value) is retry
    finally:
        await engine.dispose()
