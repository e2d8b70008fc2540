"""The counting service as a real process, for the crash-and-restart test.

    python -m tests.foundation.counting_process DATABASE_URL BOOTSTRAP [--produce]

With ``--produce`` it commits one `Counted` event (and a ``produced`` row, in the same
transaction) every few milliseconds while also consuming; without, it only consumes.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import uuid
from pathlib import Path

from sqlalchemy import Column, String, Table

from libs.runtime import ServiceDefinition, ServiceRuntime
from libs.settings import CommonSettings, ServiceSettings
from tests.foundation.conftest import HANDLERS, INFRA, TOPIC, Counted, metadata

produced = Table("produced", metadata, Column("counter_id", String(64), primary_key=True))


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="counting",
        metadata=metadata,
        tables=INFRA,
        migrations_dir=Path("unused"),
        publishes=[TOPIC],
        consumes=[TOPIC],
        handlers=HANDLERS,
    )


async def main(database_url: str, bootstrap: str, produce: bool) -> None:
    settings = ServiceSettings(
        database_url=database_url,
        port=1,
        common=CommonSettings(kafka_bootstrap_servers=bootstrap, kafka_topic_partitions=2),
    )
    runtime = ServiceRuntime(definition=definition(), settings=settings)
    await runtime.start()
    print("started", flush=True)
    run = uuid.uuid4().hex[:6]
    for number in itertools.count():
        if not produce:
            await asyncio.sleep(3600)
        counter_id = f"{run}-{number}"
        async with runtime.unit_of_work() as uow:
            await uow.session.execute(produced.insert().values(counter_id=counter_id))
            await uow.emit(Counted(counter_id=counter_id, amount=1))
            await uow.commit()
        await asyncio.sleep(0.005)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], "--produce" in sys.argv))
