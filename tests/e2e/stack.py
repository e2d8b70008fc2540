"""The whole stack for end-to-end tests: broker, mail sink, four services, the gateway.

Services run in the test's event loop on real ports (real HTTP, real WebSocket); the gateway
is the real Hive Gateway process composed for those ports. Clients only ever talk to the
gateway, as phones, the admin web and reporting tools do.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from libs.devstack.broker import BrokerProcess, find_free_port
from libs.devstack.processes import ChildProcess, spawn
from libs.settings import CommonSettings
from services.alarms.app import create_app as alarms_app
from services.alarms.settings import AlarmsSettings
from services.cli import GATEWAY_DIR, compose
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


@dataclass(frozen=True)
class Stack:
    gateway_url: str
    service_urls: dict[str, str]
    mail: MailSink
    broker: BrokerProcess
    identity_settings: IdentitySettings

    @property
    def gateway_ws_url(self) -> str:
        return self.gateway_url.replace("http://", "ws://")


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
    *, databases: TestDatabases, work_dir: Path, production: bool = False
) -> AsyncIterator[Stack]:
    logs = work_dir / "logs"
    broker = BrokerProcess(log_dir=logs)
    await asyncio.to_thread(broker.start)
    sink = MailSink(directory=work_dir / "mail", port=find_free_port())
    sink.start()
    try:
        async with _services_and_gateway(
            databases=databases, work_dir=work_dir, production=production, broker=broker, sink=sink
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
    broker: BrokerProcess,
    sink: MailSink,
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
    )
    apps = {
        "identity": identity_app(identity_settings),
        "interventions": interventions_app(
            InterventionsSettings(
                database_url=await databases.create("interventions"),
                port=ports["interventions"],
                common=common,
            )
        ),
        "signing": signing_app(
            SigningSettings(
                database_url=await databases.create("signing"),
                port=ports["signing"],
                common=common,
            )
        ),
        "alarms": alarms_app(
            AlarmsSettings(
                database_url=await databases.create("alarms"),
                port=ports["alarms"],
                common=common,
            )
        ),
    }
    gateway: ChildProcess | None = None
    async with AsyncExitStack() as servers:
        try:
            for name, app in apps.items():
                await servers.enter_async_context(serve(app, port=ports[name]))
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
            }
            binary = GATEWAY_DIR / "node_modules" / ".bin" / "hive-gateway"
            gateway = spawn(
                "gateway",
                [str(binary), "supergraph", "-c", str(GATEWAY_DIR / "gateway.config.ts")],
                env,
                logs,
            )
            readiness = f"http://127.0.0.1:{gateway_port}/readiness"
            await eventually(lambda: _gateway_ready(readiness, gateway), within=60, interval=0.2)
            yield Stack(
                gateway_url=f"http://127.0.0.1:{gateway_port}/graphql",
                service_urls=urls,
                mail=sink,
                broker=broker,
                identity_settings=identity_settings,
            )
        finally:
            if gateway is not None:
                gateway.stop(timeout=10)
