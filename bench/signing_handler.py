"""The ``sign`` use case alone, without HTTP or GraphQL: CPU and wall time per signature.

    .venv/bin/python bench/signing_handler.py [--signs 3000]

Runs `services.signing.handlers.sign` in this process against a fresh PostgreSQL database,
one signature after another, with events going to a publisher that drops them (the relay's
cost is not part of the use case). CPU time per signature is the figure that does not depend
on what else the machine is doing; `bench/signing_sign.py` measures the whole service.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg  # type: ignore[import-untyped]

from libs.auth.principal import Principal, Role
from libs.clock import SystemClock
from libs.messaging.envelope import KafkaRecord
from libs.runtime import ServiceRuntime
from services.signing.app import DEFINITION
from services.signing.domain import SigningStatus
from services.signing.handlers import SignCommand, Signing, sign
from services.signing.settings import SigningSettings
from services.signing.tables import occurrences

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
WARM_UP = 300


class DroppingPublisher:
    async def publish(self, records: Sequence[KafkaRecord]) -> None:
        return None


async def main(signs: int) -> None:
    name = f"signa_bench_handler_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    settings = SigningSettings(
        database_url=f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}", port=1
    )
    runtime = ServiceRuntime(
        definition=DEFINITION, settings=settings, publisher=DroppingPublisher()
    )
    try:
        await runtime.migrate()
        now = datetime.now(UTC)
        ids = [f"occ-{n}" for n in range(signs + WARM_UP)]
        async with runtime.sessions() as session, session.begin():
            await session.execute(
                occurrences.insert(),
                [
                    {
                        "occurrence_id": occurrence_id,
                        "intervention_id": "int",
                        "tenant_id": "tenant",
                        "unit_id": "unit",
                        "window_start": now,
                        "window_end": now + timedelta(hours=1),
                        "prn": False,
                        "changed_at": now,
                    }
                    for occurrence_id in ids
                ],
            )
        signing = Signing(
            units_of_work=runtime.unit_of_work,
            sessions=runtime.sessions,
            clock=SystemClock(),
            policy=settings.policy(),
            occurrence_wait=1.0,
        )
        staff = Principal(user_id="staff", unit_roles={"unit": frozenset({Role.CARE_STAFF})})

        async def one(occurrence_id: str) -> None:
            command = SignCommand(
                occurrence_id=occurrence_id,
                status=SigningStatus.DONE,
                note=None,
                performed_at=datetime.now(UTC),
                idempotency_key=uuid.uuid4().hex,
            )
            await sign(command, principal=staff, signing=signing)

        for occurrence_id in ids[:WARM_UP]:
            await one(occurrence_id)
        cpu, wall = time.process_time(), time.perf_counter()
        for occurrence_id in ids[WARM_UP:]:
            await one(occurrence_id)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(f"sign use case, {signs} signatures one after another on PostgreSQL:")
        print(f"  CPU  {cpu / signs * 1000:6.2f} ms per signature (this process)")
        print(f"  wall {wall / signs * 1000:6.2f} ms per signature")
    finally:
        await runtime.engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signs", type=int, default=3000)
    asyncio.run(main(parser.parse_args().signs))
