"""A minimal service made only of infrastructure: a counter table and one event type."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import ClassVar

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from libs.database import create_engine, dialect_name, new_metadata
from libs.messaging.dispatcher import BatchHandler, Handler
from libs.messaging.envelope import CloudEvent, decode_data
from libs.messaging.unit_of_work import UnitOfWork
from libs.runtime import infrastructure_tables

TOPIC = "counting.events"


@dataclass(frozen=True, kw_only=True)
class Counted:
    TYPE: ClassVar[str] = "se.signa.test.Counted.v1"
    TOPIC: ClassVar[str] = TOPIC
    counter_id: str
    amount: int

    @property
    def key(self) -> str:
        return self.counter_id


@dataclass(frozen=True, kw_only=True)
class Poison:
    TYPE: ClassVar[str] = "se.signa.test.Poison.v1"
    TOPIC: ClassVar[str] = TOPIC
    counter_id: str

    @property
    def key(self) -> str:
        return self.counter_id


metadata: MetaData = new_metadata()
INFRA = infrastructure_tables(metadata)
counters = Table(
    "counters",
    metadata,
    Column("counter_id", String(64), primary_key=True),
    Column("total", Integer, nullable=False),
    Column("handled", Integer, nullable=False),
)


async def add_to_counter(event: CloudEvent, uow: UnitOfWork) -> None:
    counted = decode_data(Counted, event.data)
    row = (
        await uow.session.execute(
            select(counters).where(counters.c.counter_id == counted.counter_id)
        )
    ).first()
    if row is None:
        await uow.session.execute(
            counters.insert().values(counter_id=counted.counter_id, total=counted.amount, handled=1)
        )
    else:
        await uow.session.execute(
            counters.update()
            .where(counters.c.counter_id == counted.counter_id)
            .values(total=row.total + counted.amount, handled=row.handled + 1)
        )


async def add_to_counters(events: Sequence[CloudEvent], uow: UnitOfWork) -> None:
    """The same effect as `add_to_counter` per event, in one statement for the whole run."""
    totals: Counter[str] = Counter()
    handled: Counter[str] = Counter()
    for event in events:
        counted = decode_data(Counted, event.data)
        totals[counted.counter_id] += counted.amount
        handled[counted.counter_id] += 1
    dialect = postgresql if dialect_name(uow.session) == "postgresql" else sqlite
    statement = dialect.insert(counters)
    await uow.session.execute(
        statement.on_conflict_do_update(
            index_elements=[counters.c.counter_id],
            set_={
                "total": counters.c.total + statement.excluded.total,
                "handled": counters.c.handled + statement.excluded.handled,
            },
        ),
        [{"counter_id": key, "total": totals[key], "handled": handled[key]} for key in totals],
    )


async def swallow_poison(event: CloudEvent, uow: UnitOfWork) -> None:
    raise ValueError(f"cannot digest {event.subject}")


HANDLERS: dict[str, Handler | BatchHandler] = {
    Counted.TYPE: BatchHandler(add_to_counters),
    Poison.TYPE: swallow_poison,
}
# The same service handling each event on its own, to compare and to test the plain path.
PER_EVENT_HANDLERS: dict[str, Handler | BatchHandler] = {
    **HANDLERS,
    Counted.TYPE: add_to_counter,
}


async def create_counting_db(databases, label: str = "counting") -> str:
    url = await databases.create(label)
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    await engine.dispose()
    return url


@pytest.fixture
async def counting_db(databases) -> AsyncIterator[str]:
    yield await create_counting_db(databases)
