"""``sign`` and ``syncSignatures`` through the signing subgraph over HTTP, on PostgreSQL.

    .venv/bin/python bench/signing_sign.py [--signs 4000] [--clients 20] [--rate 300] [--batches 5]

Issue 5's targets: with 20 concurrent clients, at least 300 signatures/s and p95 ≤ 50 ms;
an offline sync of 200 signatures in at most 1 s. Two runs measure them (see ``bench/load.py``):
20 clients back to back (closed loop) for the most the service does, then 20 clients sending
300 signatures/s between them (fixed rate) for the latency at that load. The closed loop's
latency is 20 ÷ its throughput by Little's law, so p95 ≤ 50 ms there would need around
600 signatures/s; the two targets together describe the service at 300/s.

This process creates a fresh PostgreSQL database and an in-memory Tansu broker, starts the
service in its own OS process (``bench/signing_server.py``: uvicorn, one worker, as
``signa serve signing`` runs it; ``--replicas N`` starts N such processes and spreads the
clients over them, as N replicas behind the gateway would be), feeds it occurrences as
interventions would (its events on the broker), then acts as the phones: each client signs
distinct occurrences with its own token, timing every request from send to parsed answer.
The phones' client is aiohttp: httpx took ~2 ms of CPU per request from the same two cores
that run the service (aiohttp ~0.1 ms), so it measured the load generator as much as signing.
It is a measurement and exits 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import asyncpg  # type: ignore[import-untyped]

from bench.load import at_fixed_rate, cpu_seconds, percentile
from libs.auth.issuer import SigningKey, TokenIssuer, jwks_document
from libs.auth.principal import Principal, Role
from libs.devstack.broker import BrokerProcess, find_free_port
from libs.messaging.envelope import CloudEvent, encode_data, to_kafka
from libs.messaging.kafka import KafkaPublisher
from services.interventions.events import OccurrenceScheduled

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
ISSUER = "https://signa.local/identity"
AUDIENCE = "signa"
SIGN = """mutation S($input: SignInput!) {
  sign(input: $input) { id status timing signedAt occurrence { id } }
}"""
SYNC = """mutation Y($inputs: [SignInput!]!) {
  syncSignatures(inputs: $inputs) { idempotencyKey signature { id timing } error { code } }
}"""


class Phones:
    """Tokens for the clients, all care staff of one unit."""

    def __init__(self, unit: str, clients: int) -> None:
        self.key = SigningKey.generate()
        issuer = TokenIssuer(
            key=self.key, issuer=ISSUER, audience=AUDIENCE, lifetime=timedelta(minutes=5)
        )
        self.tokens = [
            issuer.issue(
                Principal(user_id=f"staff-{n}", unit_roles={unit: frozenset({Role.CARE_STAFF})}),
                now=datetime.now(UTC),
            )
            for n in range(clients)
        ]

    def jwks(self) -> dict[str, Any]:
        return jwks_document([self.key])


async def create_database() -> str:
    name = f"signa_bench_signing_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(ADMIN_DSN)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return name


async def drop_database(name: str) -> None:
    connection = await asyncpg.connect(ADMIN_DSN)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def feed_occurrences(bootstrap: str, unit: str, count: int) -> list[str]:
    """Publish OccurrenceScheduled events for windows around now, as interventions would."""
    now = datetime.now(UTC)
    publisher = KafkaPublisher(bootstrap_servers=bootstrap, enable_idempotence=False)
    await publisher.start()
    ids = []
    try:
        records = []
        for n in range(count):
            event = OccurrenceScheduled(
                occurrence_id=f"occ-{uuid.uuid4().hex}",
                intervention_id=f"int-{n % 200}",
                tenant_id=f"tenant-{n % 200}",
                unit_id=unit,
                window_start=now - timedelta(minutes=30),
                window_end=now + timedelta(minutes=30),
                local_date=now.date(),
            )
            ids.append(event.occurrence_id)
            cloud_event = CloudEvent(
                type=event.TYPE,
                source="/signa/interventions",
                subject=event.key,
                time=datetime.now(UTC),
                data=encode_data(event),
            )
            records.append(to_kafka(cloud_event, topic=event.TOPIC))
        for start in range(0, len(records), 1000):
            await publisher.publish(records[start : start + 1000])
    finally:
        await publisher.stop()
    return ids


async def wait_for_read_model(dsn: str, count: int, within: float = 120) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            have = await connection.fetchval("SELECT count(*) FROM occurrences")
            if have >= count:
                return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"read model has {have} of {count} occurrences")
    finally:
        await connection.close()


def sign_input(occurrence_id: str) -> dict[str, Any]:
    return {
        "occurrenceId": occurrence_id,
        "status": "DONE",
        "performedAt": datetime.now(UTC).isoformat(),
        "idempotencyKey": uuid.uuid4().hex,
    }


async def post(
    http: aiohttp.ClientSession, url: str, token: str, query: str, variables: dict[str, Any]
) -> Any:
    async with http.post(
        url,
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {token}"},
    ) as response:
        body = json.loads(await response.read())
    if body.get("errors"):
        raise RuntimeError(json.dumps(body["errors"])[:500])
    return body["data"]


async def run_signs(
    urls: list[str], tokens: list[str], occurrence_ids: Iterator[str], count: int
) -> tuple[list[float], float]:
    latencies: list[float] = []
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=len(tokens)), timeout=aiohttp.ClientTimeout(total=30)
    ) as http:
        started_count = 0

        async def client(url: str, token: str) -> None:
            nonlocal started_count
            while started_count < count:
                started_count += 1
                occurrence_id = next(occurrence_ids)
                started = time.perf_counter()
                await post(http, url, token, SIGN, {"input": sign_input(occurrence_id)})
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(
            *(client(urls[n % len(urls)], token) for n, token in enumerate(tokens))
        )
        elapsed = time.perf_counter() - started
    return latencies, elapsed


async def run_signs_at_rate(
    urls: list[str], tokens: list[str], occurrence_ids: Iterator[str], *, rate: float, count: int
) -> tuple[list[float], float]:
    """``count`` signs due at ``rate`` per second, spread over one client per token (and the
    service processes, round robin)."""
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=len(tokens)), timeout=aiohttp.ClientTimeout(total=30)
    ) as http:

        async def one(n: int) -> bool:
            token, url = tokens[n % len(tokens)], urls[n % len(urls)]
            await post(http, url, token, SIGN, {"input": sign_input(next(occurrence_ids))})
            return True

        return await at_fixed_rate(one, rate=rate, count=count, clients=len(tokens))


async def run_syncs(
    url: str, token: str, occurrence_ids: Iterator[str], batches: int
) -> list[float]:
    durations = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        for _ in range(batches):
            inputs = [sign_input(next(occurrence_ids)) for _ in range(200)]
            started = time.perf_counter()
            results = (await post(http, url, token, SYNC, {"inputs": inputs}))["syncSignatures"]
            durations.append(time.perf_counter() - started)
            failed = [r for r in results if r["error"]]
            if failed or len(results) != 200:
                raise RuntimeError(f"sync failed: {failed[:3]}")
    return durations


async def outbox_backlog(dsn: str) -> tuple[int, int]:
    connection = await asyncpg.connect(dsn)
    try:
        total = await connection.fetchval("SELECT count(*) FROM signatures")
        pending = await connection.fetchval(
            "SELECT count(*) FROM outbox WHERE published_at IS NULL"
        )
    finally:
        await connection.close()
    return total, pending


async def wait_ready(base: str, process: asyncio.subprocess.Process, within: float = 60) -> None:
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise RuntimeError("the signing service exited during start-up")
            try:
                async with http.get(base + "/readyz") as response:
                    if response.status == 200:
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the signing service did not become ready")


async def main(args: argparse.Namespace) -> None:
    unit = f"unit-{uuid.uuid4().hex[:8]}"
    phones = Phones(unit, args.clients)
    database = await create_database()
    dsn = f"postgresql://postgres@127.0.0.1:5432/{database}"
    workdir = Path(tempfile.mkdtemp(prefix="signa-bench-signing-"))
    jwks = workdir / "jwks.json"
    jwks.write_text(json.dumps(phones.jwks()))
    broker = BrokerProcess(log_dir=workdir)
    await asyncio.to_thread(broker.start)
    common_env = {
        **os.environ,
        "SIGNA_SIGNING_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}",
        "SIGNA_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "SIGNA_JWT_ISSUER": ISSUER,
        "SIGNA_JWT_AUDIENCE": AUDIENCE,
        "SIGNA_LOG_LEVEL": "WARNING",
    }
    log = (workdir / "server.log").open("wb")
    servers: list[asyncio.subprocess.Process] = []
    bases: list[str] = []
    try:
        for replica in range(args.replicas):
            port = find_free_port()
            servers.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    str(Path(__file__).with_name("signing_server.py")),
                    str(jwks),
                    env={**common_env, "SIGNA_SIGNING_PORT": str(port)},
                    stdout=log,
                    stderr=asyncio.subprocess.STDOUT,
                )
            )
            bases.append(f"http://127.0.0.1:{port}")
            # One at a time: replicas racing to run the same migrations is not what we measure.
            await wait_ready(bases[replica], servers[replica])
        paced_count = round(args.rate * args.paced_seconds)
        needed = args.signs + paced_count + 200 + args.batches * 200
        ids = iter(await feed_occurrences(broker.bootstrap_servers, unit, needed))
        await wait_for_read_model(dsn, needed)
        urls = [base + "/graphql" for base in bases]
        await run_signs(urls, phones.tokens, ids, 200)  # warm-up: pools and caches
        cpu = [sum(cpu_seconds(server.pid) for server in servers)]
        latencies, elapsed = await run_signs(urls, phones.tokens, ids, args.signs)
        cpu.append(sum(cpu_seconds(server.pid) for server in servers))
        paced, paced_elapsed = await run_signs_at_rate(
            urls, phones.tokens, ids, rate=args.rate, count=paced_count
        )
        cpu.append(sum(cpu_seconds(server.pid) for server in servers))
        sign_cpu, paced_cpu = cpu[1] - cpu[0], cpu[2] - cpu[1]
        cpu_before = cpu_seconds(servers[0].pid)
        syncs = await run_syncs(urls[0], phones.tokens[0], ids, args.batches)
        sync_cpu = cpu_seconds(servers[0].pid) - cpu_before
        await asyncio.sleep(1.0)
        total, pending = await outbox_backlog(dsn)
    finally:
        for server in servers:
            server.terminate()
            await asyncio.wait_for(server.wait(), 20)
        log.close()
        await asyncio.to_thread(broker.stop)
        await drop_database(database)

    rate = len(latencies) / elapsed
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print(
        f"sign, {args.clients} clients back to back (closed loop), {len(latencies)} signatures "
        f"over HTTP, {args.replicas} service process(es):"
    )
    print(f"  throughput  {rate:8.1f} signatures/s   (target ≥ 300)")
    print_latencies(latencies, target="")
    print(
        f"sign at a fixed rate: {args.rate:.0f} signatures/s due from {args.clients} clients, "
        f"{len(paced)} signatures in {paced_elapsed:.1f} s ({len(paced) / paced_elapsed:.1f}/s "
        f"done), latency from when each was due:"
    )
    print_latencies(paced, target="   (target ≤ 50)")
    print(f"syncSignatures, {args.batches} batches of 200 (one phone):")
    print(
        f"  per batch   min {min(syncs):.3f} s  median {statistics.median(syncs):.3f} s  "
        f"max {max(syncs):.3f} s   (target ≤ 1 s)"
    )
    print(
        f"service CPU: {sign_cpu / len(latencies) * 1000:.2f} ms per sign, "
        f"{sync_cpu / args.batches * 1000:.0f} ms per sync of 200 "
        f"(service busy {sign_cpu / elapsed:.0%} of one core in the closed loop, "
        f"{paced_cpu / paced_elapsed:.0%} at the fixed rate)"
    )
    load = os.getloadavg()
    print(
        f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
        f"(other processes on the machine share its {os.cpu_count()} cores)"
    )
    print(f"stored signatures {total}; outbox rows not yet published 1 s after: {pending}")


def print_latencies(latencies: list[float], *, target: str) -> None:
    print(f"  latency p50 {statistics.median(latencies) * 1000:8.1f} ms")
    print(f"  latency p95 {percentile(latencies, 0.95) * 1000:8.1f} ms{target}")
    print(f"  latency p99 {percentile(latencies, 0.99) * 1000:8.1f} ms")
    print(f"  latency max {max(latencies) * 1000:8.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signs", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rate", type=float, default=300.0, help="signatures/s, fixed-rate run")
    parser.add_argument("--paced-seconds", type=float, default=15.0, help="fixed-rate run length")
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument(
        "--replicas", type=int, default=1, help="service processes (as replicas behind the gateway)"
    )
    asyncio.run(main(parser.parse_args()))
