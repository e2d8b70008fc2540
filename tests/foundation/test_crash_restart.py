"""The whole stack killed with SIGKILL mid-stream and restarted loses and doubles nothing."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from sqlalchemy import func, select

from libs.database import create_engine
from libs.devstack.broker import BrokerProcess, find_free_port
from libs.devstack.processes import ChildProcess, spawn
from tests.foundation.conftest import counters, metadata
from tests.foundation.counting_process import produced
from tests.support.waiting import eventually


def start_service(url: str, bootstrap: str, log_dir: Path, *, produce: bool) -> ChildProcess:
    argv = [sys.executable, "-m", "tests.foundation.counting_process", url, bootstrap]
    return spawn(
        "counting", [*argv, *(["--produce"] if produce else [])], dict(os.environ), log_dir
    )


async def test_killing_broker_and_service_mid_stream_loses_and_doubles_nothing(databases, tmp_path):
    url = await databases.create("crash")
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)

    async def count(query) -> int:
        async with engine.connect() as connection:
            return int((await connection.execute(query)).scalar_one())

    port = find_free_port()
    broker = BrokerProcess(log_dir=tmp_path / "logs", data_dir=tmp_path / "broker", port=port)
    await asyncio.to_thread(broker.start)
    service = start_service(url, broker.bootstrap_servers, tmp_path / "logs", produce=True)
    try:
        # Let it produce and consume for a while, then pull the plug on everything at once.
        await eventually(lambda: count(select(func.count()).select_from(counters)), within=60)
        await eventually(
            lambda: _at_least(count(select(func.count()).select_from(produced)), 300), within=60
        )
        service.kill()
        await asyncio.to_thread(broker.kill)
        committed = await count(select(func.count()).select_from(produced))
        counted_before = await count(select(func.count()).select_from(counters))

        await asyncio.to_thread(broker.start)
        service = start_service(url, broker.bootstrap_servers, tmp_path / "logs", produce=False)

        async def all_counted() -> bool:
            return await count(select(func.count()).select_from(counters)) == committed

        await eventually(all_counted, within=90, interval=0.5)
        await asyncio.sleep(2)  # redeliveries after the restart must not count twice
        doubled = await count(
            select(func.count()).select_from(counters).where(counters.c.handled != 1)
        )
        total = await count(select(func.coalesce(func.sum(counters.c.total), 0)))
    finally:
        service.kill()
        await asyncio.to_thread(broker.stop)
        await engine.dispose()

    assert counted_before < committed, "the crash should have interrupted work in flight"
    assert doubled == 0
    assert total == committed


async def _at_least(awaitable, minimum: int) -> bool:
    return await awaitable >= minimum
