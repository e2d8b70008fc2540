"""Missed-window detection over 100,000 open occurrences on PostgreSQL.

Prints how long one sweep takes when
  1. nothing is due (the steady state: one probe of the partial index on check_due),
  2. a typical minute's worth of windows ended (1,000 due, raised as MISSED alarms),
  3. everything is due at once (catch-up after an outage), per batch and in total.

    .venv/bin/python bench/alarms_sweep.py [--occurrences 100000] [--due 1000]

Needs PostgreSQL on 127.0.0.1:5432 (or SIGNA_BENCH_DATABASE_URL, an asyncpg admin URL).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import async_sessionmaker

from libs.clock import FakeClock
from libs.database import SessionFactory, create_engine
from libs.messaging.unit_of_work import UnitOfWork
from libs.migrations import upgrade
from services.alarms.app import DEFINITION
from services.alarms.evaluation import sweep_due
from services.alarms.settings import AlarmsSettings
from services.alarms.tables import INFRASTRUCTURE, AlarmRow, OccurrenceRow

ADMIN = os.environ.get(
    "SIGNA_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _dsn(url: str, database: str) -> str:
    return make_url(url).set(drivername="postgresql", database=database).render_as_string(False)


async def fresh_database() -> tuple[str, str]:
    name = f"signa_bench_alarms_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(_dsn(ADMIN, "postgres"))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return name, make_url(ADMIN).set(database=name).render_as_string(hide_password=False)


async def drop_database(name: str) -> None:
    connection = await asyncpg.connect(_dsn(ADMIN, "postgres"))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def occurrence_rows(count: int, *, due: int) -> list[dict[str, Any]]:
    """``due`` windows ended a minute ago; the rest end over the next 24 hours."""
    rows = []
    for i in range(count):
        if i < due:
            end = NOW - timedelta(seconds=60 - (i % 60))
        else:
            end = NOW + timedelta(seconds=1 + (i * 86400) // count)
        rows.append(
            {
                "occurrence_id": f"occ-{i:07d}",
                "intervention_id": f"int-{i % 5000:05d}",
                "tenant_id": f"tenant-{i % 2000:05d}",
                "unit_id": f"unit-{i % 50:03d}",
                "window_start": end - timedelta(hours=1),
                "window_end": end,
                "local_date": end.date(),
                "prn": False,
                "scheduled_at": NOW - timedelta(days=1),
                "check_due": end,
            }
        )
    return rows


async def load(sessions: SessionFactory, rows: list[dict[str, Any]]) -> None:
    async with sessions() as session, session.begin():
        for start in range(0, len(rows), 10_000):
            await session.execute(insert(OccurrenceRow), rows[start : start + 10_000])


async def sweep(
    sessions: SessionFactory, clock: FakeClock, settings: AlarmsSettings
) -> tuple[int, float]:
    started = time.perf_counter()
    uow = UnitOfWork(
        sessions=sessions, tables=INFRASTRUCTURE.messaging, source="/bench", clock=clock
    )
    async with uow:
        count = await sweep_due(uow, settings=settings)
        await uow.commit()
    return count, time.perf_counter() - started


async def scenario(label: str, *, occurrences: int, due: int, batch: int) -> None:
    name, url = await fresh_database()
    engine = create_engine(url)
    try:
        await upgrade(DEFINITION.migrations_dir, url, DEFINITION.metadata)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        await load(sessions, occurrence_rows(occurrences, due=due))
        async with engine.begin() as connection:
            await connection.exec_driver_sql("ANALYZE")
        settings = AlarmsSettings(database_url=url, sweep_batch_size=batch)
        clock = FakeClock(NOW)
        timings = []
        total = 0
        started = time.perf_counter()
        while True:
            count, seconds = await sweep(sessions, clock, settings)
            timings.append((count, seconds))
            total += count
            if count < batch:
                break
        elapsed = time.perf_counter() - started
        async with sessions() as session:
            raised = (await session.execute(select(func.count()).select_from(AlarmRow))).scalar()
        batches = [s for c, s in timings if c]
        print(f"{label}: {occurrences:,} open occurrences, {due:,} due, batch {batch:,}")
        if batches:
            print(
                f"  {len(batches)} batch(es): slowest {max(batches):.3f} s, "
                f"mean {sum(batches) / len(batches):.3f} s; total {elapsed:.2f} s "
                f"({total / elapsed:,.0f} occurrences/s); {raised:,} MISSED alarms raised"
            )
        print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        idle = [s for c, s in timings if not c]
        if idle:
            print(f"  final sweep with nothing due: {idle[-1] * 1000:.1f} ms")
    finally:
        await engine.dispose()
        await drop_database(name)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--occurrences", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--batch", type=int, default=1_000)
    args = parser.parse_args()
    await scenario("steady state", occurrences=args.occurrences, due=0, batch=args.batch)
    await scenario(
        "a minute's windows", occurrences=args.occurrences, due=args.due, batch=args.batch
    )
    await scenario(
        "catch-up after outage",
        occurrences=args.occurrences,
        due=args.occurrences,
        batch=args.batch,
    )


if __name__ == "__main__":
    asyncio.run(main())
