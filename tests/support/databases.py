"""A fresh database per test: PostgreSQL when reachable, SQLite files otherwise.

``SIGNA_TEST_DATABASE_URL`` (an asyncpg URL to a server where we may create databases) wins;
otherwise the local server on 127.0.0.1:5432 is used if it answers; otherwise SQLite.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def postgres_admin_url() -> str | None:
    configured = os.environ.get("SIGNA_TEST_DATABASE_URL")
    if configured:
        return configured
    if os.environ.get("SIGNA_TEST_SQLITE") == "1":
        return None
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return DEFAULT_POSTGRES
    except OSError:
        return None


DROPPING_AT_ONCE = 8


class TestDatabases:
    """Creates databases for one test session and drops them at the end."""

    __test__ = False  # a helper, not a test class, despite its name

    def __init__(self, *, admin_url: str | None, sqlite_dir: Path) -> None:
        self.admin_url = admin_url
        self._sqlite_dir = sqlite_dir
        self._created: list[str] = []

    @property
    def dialect(self) -> str:
        return "postgresql" if self.admin_url else "sqlite"

    async def create(self, label: str) -> str:
        name = f"signa_t_{label}_{uuid.uuid4().hex[:10]}"
        if self.admin_url is None:
            return f"sqlite+aiosqlite:///{self._sqlite_dir / name}.db"
        url = make_url(self.admin_url)
        connection = await asyncpg.connect(self._dsn(url.database or "postgres"))
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()
        self._created.append(name)
        return url.set(database=name).render_as_string(hide_password=False)

    async def drop_all(self) -> None:
        if self.admin_url is None or not self._created:
            return
        # Side by side, since one at a time took tens of seconds at the end of a session; but a
        # few at a time, since a session creates more databases than the server takes clients.
        slots = asyncio.Semaphore(DROPPING_AT_ONCE)
        await asyncio.gather(*(self._drop(name, slots) for name in self._created))
        self._created.clear()

    async def _drop(self, name: str, slots: asyncio.Semaphore) -> None:
        async with slots:
            await self._drop_now(name)

    async def _drop_now(self, name: str) -> None:
        connection = await asyncpg.connect(self._dsn("postgres"))
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    def _dsn(self, database: str) -> str:
        assert self.admin_url is not None
        url = make_url(self.admin_url).set(drivername="postgresql", database=database)
        return url.render_as_string(hide_password=False)
