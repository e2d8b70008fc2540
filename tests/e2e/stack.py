"""The whole stack for end-to-end tests: broker, mail sink, four services, the gateway.

Services run in the test's event loop on real ports (real HTTP, real WebSocket); the gateway
is the real Hive Gateway process composed for those ports. Clients only ever talk to the
gateway, as phones, the admin web and reporting tools do.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from fastapi import FastAPI

from libs.devstack.broker import BrokerProcess, find_free_port
from libs.devstack.processes import ChildProcess, spawn
from libs.settings import CommonSettings
from services.alarms.app import create_app as alarms_app
from services.alarms.settings import AlarmsSettings
from services.cli import compose
from services.gateway import gateway_argv
from services.identity.app import create_app as identity_app
from services.identity.mail_sink import MailSink
from services.identity.settings import IdentitySettings
from services.interventions.app import create_app as interventions_app
from services.interventions.settings import InterventionsSettings
from services.signing.app import create_app as signing_app
from services.signing.settings import SigningSettings
from tests.support.databases import TestDatabases
from tests.support.servers import serve
from tests.support.waiting import eventually

ISSUER = "https://signa.local/identity"
AUDIENCE = "signa"


class Services:
    """The four services, each of which can be stopped and started again in place.

    A restart builds the app afresh from the same settings, on the same port and database,
    as a restarted process would: what the gateway and the clients see is a service that was
    away for a while.
    """

    def __init__(self, factories: dict[str, Callable[[], FastAPI]], ports: dict[str, int]) -> None:
        self._factories = factories
        self._ports = ports
        self._running: dict[str, AbstractAsyncContextManager[str]] = {}

    async def start(self, name: str) -> None:
        if name in self._running:
            raise RuntimeError(f"{name} is already running")
        server = serve(self._factories[name](), port=self._ports[name])
        await server.__aenter__()
        self._running[name] = server

    async def stop(self, name: str) -> None:
        server = self._running.pop(name)
        await server.__aexit__(None, None, None)

    async def stop_all(self) -> None:
        for name in reversed(list(self._running)):
            await self.stop(name)


@dataclass(frozen=True)
class Stack:
    gateway_url: str
    service_urls: dict[str, str]
    mail: MailSink
    broker: BrokerProcess
    identity_settings: IdentitySettings
    services: Services = field(repr=False, compare=False)

    @property
    def gateway_ws_url(self) -> str:
        return self.gateway_url.replace("http://", "ws://")

    @property
    def base_url(self) -> str:
        """Where the gateway serves the front ends (when started with a web directory)."""
        return self.gateway_url.removesuffix("/graphql")

    async def stop_service(self, name: str) -> None:
        """Stop one service ("signing", …); the gateway then answers SERVICE_UNAVAILABLE."""
        await self.services.stop(name)

    async def start_service(self, name: str) -> None:
        """Start a stopped service again: same port, same settings, same database."""
        await self.services.start(name)


async def _gateway_ready(url: str, child: ChildProcess) -> bool:
    if not child.alive():
        raise RuntimeError(f"gateway exited; see {child.name}.log")
    try:
        async with httpx.AsyncClient(timeout=1) as client:
            return (await client.get(url)).status_code == 200
    except httpx.HTTPError:
        return False


@asynccontextmanager
async def whole_stack(
    *,
    databases: TestDatabases,
    work_dir: Path,
    production: bool = False,
    web_dir: Path | None = None,
    access_token_seconds: int = 300,
) -> AsyncIterator[Stack]:
    """``web_dir``: built front ends (web/dist) for the gateway to serve (SIGNA_WEB_DIR).
    ``access_token_seconds``: shorter for a test that waits for a token to expire."""
    logs = work_dir / "logs"
    broker = BrokerProcess(log_dir=logs)
    await asyncio.to_thread(broker.start)
    sink = MailSink(directory=work_dir / "mail", port=find_free_port())
    sink.start()
    try:
        async with _services_and_gateway(
            databases=databases,
            work_dir=work_dir,
            production=production,
            web_dir=web_dir,
            broker=broker,
            sink=sink,
            access_token_seconds=access_token_seconds,
        ) as stack:
            yield stack
    finally:
        sink.stop()
        await asyncio.to_thread(broker.stop)


@asynccontextmanager
async def _services_and_gateway(
    *,
    databases: TestDatabases,
    work_dir: Path,
    production: bool,
    web_dir: Path | None,
    broker: BrokerProcess,
    sink: MailSink,
    access_token_seconds: int,
) -> AsyncIterator[Stack]:
    logs = work_dir / "logs"
    ports = {name: find_free_port() for name in ("identity", "interventions", "signing", "alarms")}
    urls = {name: f"http://127.0.0.1:{port}/graphql" for name, port in ports.items()}
    common = CommonSettings(
        production=production,
        kafka_bootstrap_servers=broker.bootstrap_servers,
        kafka_topic_partitions=2,
        jwks_url=f"http://127.0.0.1:{ports['identity']}/.well-known/jwks.json",
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        log_json=False,
    )
    gateway_port = find_free_port()
    identity_settings = IdentitySettings(
        database_url=await databases.create("identity"),
        port=ports["identity"],
        common=common,
        smtp_port=sink.port,
        public_url=f"http://127.0.0.1:{gateway_port}",
        mail_poll_seconds=0.2,
        access_token_seconds=access_token_seconds,
    )
    interventions_settings = InterventionsSettings(
        database_url=await databases.create("interventions"),
        port=ports["interventions"],
        common=common,
    )
    signing_settings = SigningSettings(
        database_url=await databases.create("signing"), port=ports["signing"], common=common
    )
    alarms_settings = AlarmsSettings(
        database_url=await databases.create("alarms"),
        port=ports["alarms"],
        common=common,
        # Reminders that are due go out within a second, not the minute a deployment waits.
        reminder_check_seconds=1,
    )
    services = Services(
        {
            "identity": lambda: identity_app(identity_settings),
            "interventions": lambda: interventions_app(interventions_settings),
            "signing": lambda: signing_app(signing_settings),
            "alarms": lambda: alarms_app(alarms_settings),
        },
        ports,
    )
    gateway: ChildProcess | None = None
    try:
        for name in ports:
            await services.start(name)
        try:
            supergraph = work_dir / "supergraph.graphql"
            if await asyncio.to_thread(compose, out=supergraph, urls=urls) != 0:
                raise RuntimeError("the subgraphs do not compose")
            env = {
                **os.environ,
                "SIGNA_SUPERGRAPH": str(supergraph),
                "SIGNA_GATEWAY_PORT": str(gateway_port),
                "SIGNA_PRODUCTION": "1" if production else "0",
                "SIGNA_JWKS_URL": common.jwks_url,
                "SIGNA_JWT_ISSUER": ISSUER,
                "SIGNA_JWT_AUDIENCE": AUDIENCE,
                **({"SIGNA_WEB_DIR": str(web_dir)} if web_dir is not None else {}),
            }
            gateway = spawn("gateway", gateway_argv(), env, logs)
            readiness = f"http://127.0.0.1:{gateway_port}/readiness"
            await eventually(lambda: _gateway_ready(readiness, gateway), within=60, interval=0.2)
            yield Stack(
                gateway_url=f"http://127.0.0.1:{gateway_port}/graphql",
                service_urls=urls,
                mail=sink,
                broker=broker,
                identity_settings=identity_settings,
                services=services,
            )
        finally:
            if gateway is not None:
                gateway.stop(timeout=10)
    finally:
        await services.stop_all()
