"""Identity running for real: its own Postgres database, the broker, an SMTP sink, HTTP."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from pathlib import Path

import pytest

from libs.devstack.broker import find_free_port
from services.identity.app import Identity, create_app
from services.identity.bootstrap import DEMO_UNIT_ID, DemoLogin, load_demo_data
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


@pytest.fixture
async def identity_settings(databases, common_settings, mail_sink) -> IdentitySettings:
    return IdentitySettings(
        database_url=await databases.create("identity"),
        port=1,
        common=common_settings,
        smtp_port=mail_sink.port,
        public_url="http://signa.test",
        mail_poll_seconds=0.2,
        # One process: a rotated key may sign at once (production waits for other replicas).
        key_propagation_seconds=0,
        # Cheap hashes keep the suite fast; test_login checks the production defaults.
        argon2_memory_kib=1024,
        argon2_time_cost=1,
    )


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
async def stack(identity_settings, mail_sink, http) -> AsyncIterator[Stack]:
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
