"""Identity running for real: its own Postgres database, the broker, an SMTP sink, HTTP."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from libs.devstack.broker import find_free_port
from libs.settings import CommonSettings
from services.identity.app import Identity, create_app
from services.identity.bootstrap import DEMO_UNIT_ID, DemoLogin, demo_logins, load_demo_data
from services.identity.mail_sink import MailSink
from services.identity.settings import IdentitySettings
from tests.support.graphql import GraphQLClient, GraphQLError
from tests.support.servers import serve
from tests.support.waiting import eventually

LOGIN = """
mutation($u: String!, $p: String!) {
  login(username: $u, password: $p) { accessToken refreshToken expiresAt userId }
}"""

TOKEN_IN_LINK = re.compile(r"/activate#token=([A-Za-z0-9_\-]+)")


async def error_code(operation: Awaitable[object]) -> str:
    """The ``extensions.code`` of the error ``operation`` must fail with."""
    with pytest.raises(GraphQLError) as raised:
        await operation
    return raised.value.code


async def login_error(
    stack: Stack, username: str, password: str, *, address: str = "10.0.0.1"
) -> dict | None:
    """Log in from ``address`` (as the gateway forwards it); the first error, or None."""
    response = await stack.api._http.post(
        stack.api.url,
        json={"query": LOGIN, "variables": {"u": username, "p": password}},
        headers={"x-forwarded-for": f"{address}, 172.16.0.1"},
    )
    errors = response.json().get("errors")
    return errors[0] if errors else None


@pytest.fixture
def mail_sink(tmp_path: Path) -> AsyncIterator[MailSink]:
    sink = MailSink(tmp_path / "mail", find_free_port())
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


# Cheap hashes keep the suite fast; test_login and test_enumeration use the production ones.
CHEAP_HASHING = {"argon2_memory_kib": 1024, "argon2_time_cost": 1}


@dataclass(frozen=True)
class IdentityDatabase:
    url: str
    seeded: bool  # migrated and holding the demo data already


@pytest.fixture(scope="session")
async def demo_template(databases) -> AsyncIterator[str | None]:
    """A database migrated and loaded with the demo data once; each test gets a copy of it.

    Copying a template is a file copy in PostgreSQL, far cheaper than migrating and loading
    per test. Without PostgreSQL (SQLite) every test loads its own.
    """
    if databases.admin_url is None:
        yield None
        return
    url = await databases.create("identity_template")
    await load_demo_data(
        IdentitySettings(
            database_url=url, port=1, common=CommonSettings(log_json=False), **CHEAP_HASHING
        )
    )
    yield url

    async def drop(name: str) -> None:
        admin = await asyncpg.connect(_admin_dsn(databases.admin_url))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    # Side by side: each drop mostly waits for the server's checkpoint, which they share.
    await asyncio.gather(*(drop(name) for name in _COPIES))


_COPIES: list[str] = []


def _admin_dsn(admin_url: str) -> str:
    url = make_url(admin_url).set(drivername="postgresql", database="postgres")
    return url.render_as_string(hide_password=False)


@pytest.fixture
async def identity_database(databases, demo_template) -> IdentityDatabase:
    if demo_template is None:
        return IdentityDatabase(url=await databases.create("identity"), seeded=False)
    name = f"signa_t_identity_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(_admin_dsn(databases.admin_url))
    try:
        template = make_url(demo_template).database
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()
    _COPIES.append(name)
    url = make_url(demo_template).set(database=name).render_as_string(hide_password=False)
    return IdentityDatabase(url=url, seeded=True)


@pytest.fixture
def identity_settings(identity_database, common_settings, mail_sink) -> IdentitySettings:
    return IdentitySettings(
        database_url=identity_database.url,
        port=1,
        common=common_settings,
        smtp_port=mail_sink.port,
        public_url="http://signa.test",
        mail_poll_seconds=0.2,
        # One process: a rotated key may sign at once (production waits for other replicas).
        key_propagation_seconds=0,
        # The database is migrated already (template copy, or load_demo_data below).
        migrate_on_start=False,
        **CHEAP_HASHING,
    )


@pytest.fixture
async def empty_identity_settings(databases, identity_settings) -> IdentitySettings:
    """Settings for a database with nothing in it yet (bootstrap runs its migrations)."""
    return identity_settings.model_copy(update={"database_url": await databases.create("empty")})


@dataclass
class Stack:
    url: str
    api: GraphQLClient
    identity: Identity
    settings: IdentitySettings
    mail: MailSink
    demo: dict[str, DemoLogin]
    unit_id: str = DEMO_UNIT_ID

    async def login(self, username: str, password: str | None = None) -> dict:
        password = password or self.demo[username].password
        data = await self.api(LOGIN, {"u": username, "p": password})
        return data["login"]

    async def as_user(self, username: str) -> GraphQLClient:
        return self.api.as_user((await self.login(username))["accessToken"])

    async def mails_to(self, address: str, *, count: int = 1) -> list:
        async def arrived():
            found = [m for m in self.mail.messages() if m["To"] == address]
            return found if len(found) >= count else None

        return await eventually(arrived)

    @staticmethod
    def token_in(message) -> str:
        match = TOKEN_IN_LINK.search(message.get_body(("plain",)).get_content())
        assert match, "no activation link in the e-mail"
        return match.group(1)


@pytest.fixture
async def stack(identity_database, identity_settings, mail_sink, http) -> AsyncIterator[Stack]:
    if identity_database.seeded:
        demo = demo_logins()
    else:
        demo = await load_demo_data(identity_settings)
    app = create_app(identity_settings)
    async with serve(app) as url:
        yield Stack(
            url=url,
            api=GraphQLClient(http, url + "/graphql"),
            identity=app.state.identity,
            settings=identity_settings,
            mail=mail_sink,
            demo={login.username: login for login in demo},
        )
