"""Materialising one day of occurrences for 100,000 active interventions on PostgreSQL.

    .venv/bin/python bench/interventions_materialise.py [--interventions 100000]

Target (issue 4): at most 30 s for the scheduler pass, counting the occurrence rows and the
outbox rows of their ``OccurrenceScheduled`` events, committed. A second pass over the same
day (nothing new) is timed too: that is what every scheduler tick costs in steady state.

A fresh database on the local server (``SIGNA_BENCH_DATABASE_URL`` or 127.0.0.1:5432) gets the
service's migrations, 10 units, 100 care recipients per 1,000 interventions and the active
interventions (daily, FREQ=WEEKLY;BYDAY=MO,WE,FR and INTERVAL=2 mixes, all falling on the day; 96
window starts).
It is a measurement, so it exits 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import async_sessionmaker

from libs.clock import FakeClock
from libs.database import create_engine
from libs.messaging.unit_of_work import UnitOfWork
from libs.migrations import upgrade
from services.interventions.app import DEFINITION
from services.interventions.scheduling import materialise
from services.interventions.tables import (
    INFRASTRUCTURE,
    InterventionRow,
    OccurrenceRow,
    TenantRow,
)

ADMIN_URL = os.environ.get(
    "SIGNA_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
# Midnight in Stockholm on a Wednesday: the pass schedules "today".
NOW = datetime(2026, 2, 10, 23, 0, tzinfo=UTC)
RULES = ["FREQ=DAILY", "FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,WE,FR", "FREQ=DAILY;INTERVAL=2"]


def _dsn(url: str, database: str) -> str:
    return (
        make_url(url)
        .set(drivername="postgresql", database=database)
        .render_as_string(hide_password=False)
    )


async def create_database() -> tuple[str, str]:
    name = f"signa_bench_interventions_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(_dsn(ADMIN_URL, "postgres"))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return name, make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


async def drop_database(name: str) -> None:
    connection = await asyncpg.connect(_dsn(ADMIN_URL, "postgres"))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def seed(url: str, count: int) -> None:
    connection = await asyncpg.connect(_dsn(url, make_url(url).database or ""))
    try:
        tenants = [
            (f"t{i}", f"unit-{i % 10}", f"Tenant {i}", "bench", NOW)
            for i in range(max(1, count // 10))
        ]
        await connection.copy_records_to_table(
            "tenants",
            records=tenants,
            columns=["id", "unit_id", "name", "created_by", "created_at"],
        )
        rows = []
        for i in range(count):
            tenant = tenants[i % len(tenants)]
            minutes = (i % 96) * 15
            rows.append(
                (
                    f"i{i}",
                    tenant[0],
                    tenant[1],
                    "Insats",
                    "",
                    "SOL",
                    False,
                    RULES[i % len(RULES)],
                    f"{minutes // 60:02d}:{minutes % 60:02d}",
                    30 + (i % 4) * 30,
                    # INTERVAL=2 counts from here: every rule falls on the benchmarked day.
                    date(2026, 1, 2),
                    "ACTIVE",
                    datetime(2026, 1, 1, tzinfo=UTC),
                    "bench",
                    NOW,
                    NOW,
                )
            )
        await connection.copy_records_to_table(
            "interventions",
            records=rows,
            columns=[
                "id",
                "tenant_id",
                "unit_id",
                "title",
                "instructions",
                "category",
                "prn",
                "rrule",
                "window_start",
                "window_minutes",
                "valid_from",
                "state",
                "effective_from",
                "created_by",
                "created_at",
                "updated_at",
            ],
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


async def timed_pass(sessions: async_sessionmaker, clock: FakeClock) -> tuple[float, int]:
    started = time.perf_counter()
    async with UnitOfWork(
        sessions=sessions,
        tables=INFRASTRUCTURE.messaging,
        source="/signa/interventions",
        clock=clock,
    ) as uow:
        added = await materialise(uow, now=clock.now(), horizon_days=0, not_before=clock.now())
        await uow.commit()
    return time.perf_counter() - started, added


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--interventions", type=int, default=100_000)
    args = parser.parse_args()
    name, url = await create_database()
    try:
        await upgrade(DEFINITION.migrations_dir, url, DEFINITION.metadata)
        seeded = time.perf_counter()
        await seed(url, args.interventions)
        print(
            f"seeded {args.interventions} active interventions in "
            f"{time.perf_counter() - seeded:.1f} s"
        )
        engine = create_engine(url)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        clock = FakeClock(NOW)
        first, added = await timed_pass(sessions, clock)
        second, again = await timed_pass(sessions, clock)
        async with sessions() as session:
            occurrences = await session.scalar(select(func.count()).select_from(OccurrenceRow))
            outbox = await session.scalar(
                select(func.count()).select_from(INFRASTRUCTURE.messaging.outbox)
            )
            interventions = await session.scalar(select(func.count()).select_from(InterventionRow))
            tenants = await session.scalar(select(func.count()).select_from(TenantRow))
        await engine.dispose()
        print(f"interventions: {interventions} (tenants {tenants}); local day 2026-02-11")
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        print(
            f"first pass:  {added} occurrences + {outbox} outbox rows in {first:.2f} s "
            f"({added / first:,.0f} occurrences/s) — target ≤ 30 s"
        )
        print(f"second pass: {again} added in {second:.2f} s (idempotent re-run)")
        print(f"occurrence rows stored: {occurrences}")
    finally:
        await drop_database(name)


if __name__ == "__main__":
    asyncio.run(main())
