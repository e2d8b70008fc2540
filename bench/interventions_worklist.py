"""``worklist`` for a unit of 100 care recipients × 8 occurrences, through the subgraph over HTTP.

    .venv/bin/python bench/interventions_worklist.py [--requests 300]

Target (issue 4): p95 ≤ 100 ms. The interventions service runs in its own process on a real
port (uvicorn) on a fresh PostgreSQL database; its outbox relay publishes to an in-memory
publisher (the broker is not what is measured). The unit has 100 care recipients with 8
active daily interventions each; the scheduler materialises them, so the day's worklist has
800 occurrences, each with its care recipient and intervention. Each request is a real HTTP
POST with a bearer token that the service verifies, and each read writes a
``RecordsAccessed`` event naming its 100 care recipients, as in production. Requests are
sequential, so the figures are latency, not throughput. Two selections are timed: what the
phone's day list shows, and nearly every field. It is a measurement: it exits 0 whatever
the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import uvicorn
from sqlalchemy.ext.asyncio import async_sessionmaker

from bench.interventions_materialise import create_database, drop_database
from libs.auth.issuer import jwks_document
from libs.auth.principal import Role
from libs.auth.verifier import StaticKeySource
from libs.clock import FakeClock
from libs.database import create_engine
from libs.devstack.broker import find_free_port
from libs.messaging.fake import FakePublisher
from libs.migrations import upgrade
from libs.settings import CommonSettings
from services.interventions.app import DEFINITION, create_app
from services.interventions.settings import InterventionsSettings
from services.interventions.tables import InterventionRow, TenantRow
from tests.support.tokens import AUDIENCE, ISSUER, TestTokens

UNIT = "unit-bench"
NOW = datetime(2026, 2, 10, 5, 0, tzinfo=UTC)  # 06:00 in Stockholm
# What the phone's day list shows per row, and everything a detail view could want.
QUERIES = {
    "phone": """query($unit: ID!) {
  worklist(unitId: $unit) {
    id windowStart windowEnd tenant { id name } intervention { id title }
  }
}""",
    "full": """query($unit: ID!) {
  worklist(unitId: $unit) {
    id localDate windowStart windowEnd state
    tenant { id name externalReference }
    intervention { id title instructions category state schedule { windowStart windowMinutes } }
  }
}""",
}


async def seed(url: str) -> None:
    engine = create_engine(url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session, session.begin():
        session.add_all(
            TenantRow(
                id=f"t{t}",
                unit_id=UNIT,
                name=f"Tenant {t}",
                external_reference=f"EXT-{t}",
                created_by="bench",
                created_at=NOW,
            )
            for t in range(100)
        )
        await session.flush()
        session.add_all(
            InterventionRow(
                id=f"t{t}-i{i}",
                tenant_id=f"t{t}",
                unit_id=UNIT,
                title=f"Insats {i}",
                instructions="Enligt genomförandeplanen",
                category="SOL",
                prn=False,
                rrule="FREQ=DAILY",
                window_start=f"{7 + i * 2:02d}:00",
                window_minutes=60,
                valid_from=date(2026, 1, 1),
                state="ACTIVE",
                effective_from=NOW,
                created_by="bench",
                created_at=NOW,
                updated_at=NOW,
            )
            for t in range(100)
            for i in range(8)
        )
    await engine.dispose()


def run_server(url: str, port: int, jwks: dict[str, Any]) -> None:
    """The service in its own process, as deployed: uvicorn (uvloop, httptools if present)."""
    settings = InterventionsSettings(
        database_url=url,
        port=port,
        scheduler_interval_seconds=3600,
        common=CommonSettings(
            jwt_issuer=ISSUER, jwt_audience=AUDIENCE, log_json=False, log_level="WARNING"
        ),
    )
    app = create_app(
        settings, clock=FakeClock(NOW), keys=StaticKeySource(jwks), publisher=FakePublisher()
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def measure(http, base, headers, label, query, requests):  # type: ignore[no-untyped-def]
    body = {"query": query, "variables": {"unit": UNIT}}
    first = (await http.post(base + "/graphql", json=body, headers=headers)).json()
    if first.get("errors"):
        raise SystemExit(f"worklist failed: {first['errors']}")
    count = len(first["data"]["worklist"])
    for _ in range(20):  # warm-up: caches, connection pool
        await http.post(base + "/graphql", json=body, headers=headers)
    latencies = []
    for _ in range(requests):
        started = time.perf_counter()
        response = await http.post(base + "/graphql", json=body, headers=headers)
        latencies.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    quantiles = statistics.quantiles(latencies, n=100)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print(
        f"worklist ({label} selection): {count} occurrences, "
        f"{len(response.content) / 1024:.0f} KiB; {requests} sequential requests: "
        f"p50 {quantiles[49]:.1f} ms, p95 {quantiles[94]:.1f} ms, p99 {quantiles[98]:.1f} ms, "
        f"max {max(latencies):.1f} ms — target p95 ≤ 100 ms"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    tokens = TestTokens()
    name, url = await create_database()
    server = None
    try:
        await upgrade(DEFINITION.migrations_dir, url, DEFINITION.metadata)
        await seed(url)
        port = find_free_port()
        server = multiprocessing.get_context("spawn").Process(
            target=run_server, args=(url, port, jwks_document([tokens.key])), daemon=True
        )
        server.start()
        base = f"http://127.0.0.1:{port}"
        token = tokens.token("u-staff", {UNIT: [Role.CARE_STAFF]})
        headers = {"authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(timeout=30) as http:
            await _ready(http, base, headers)
            for label, query in QUERIES.items():
                await measure(http, base, headers, label, query, args.requests)
    finally:
        if server is not None:
            server.terminate()
            server.join(10)
        await drop_database(name)


async def _ready(http: httpx.AsyncClient, base: str, headers: dict[str, str]) -> None:
    """Until the scheduler's first pass has materialised the day (it runs after start-up)."""
    body = {"query": QUERIES["phone"], "variables": {"unit": UNIT}}
    for _ in range(600):
        try:
            response = await http.post(base + "/graphql", json=body, headers=headers)
            if len((response.json().get("data") or {}).get("worklist") or []) == 800:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise SystemExit("the service did not start")


if __name__ == "__main__":
    asyncio.run(main())
