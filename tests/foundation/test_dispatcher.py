"""How the dispatcher hands events to handlers: runs to batch handlers, one by one otherwise."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from libs.clock import SystemClock
from libs.database import create_engine
from libs.messaging.dispatcher import BatchHandler, EventDispatcher, Handler
from libs.messaging.envelope import CloudEvent, KafkaRecord, to_kafka
from libs.messaging.fake import FakePublisher
from libs.messaging.unit_of_work import UnitOfWork
from libs.observability import correlation_id
from tests.foundation.conftest import (
    HANDLERS,
    INFRA,
    PER_EVENT_HANDLERS,
    TOPIC,
    Counted,
    Poison,
    counters,
    create_counting_db,
)
from tests.support.broker import cloud_event


def record(event: Counted | Poison, *, correlation: str | None = None) -> KafkaRecord:
    return to_kafka(
        cloud_event(event, time=datetime.now(UTC), correlation_id=correlation), topic=TOPIC
    )


@asynccontextmanager
async def dispatcher(
    url: str, handlers: Mapping[str, Handler | BatchHandler]
) -> AsyncIterator[tuple[EventDispatcher, FakePublisher, UnitOfWork]]:
    engine = create_engine(url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    def units_of_work() -> UnitOfWork:
        return UnitOfWork(
            sessions=sessions, tables=INFRA.messaging, source="/test", clock=SystemClock()
        )

    dead = FakePublisher()
    try:
        yield (
            EventDispatcher(
                consumer="counting",
                handlers=handlers,
                units_of_work=units_of_work,
                tables=INFRA.messaging,
                dead_letters=dead,
                retry_delay=0.01,
            ),
            dead,
            units_of_work(),
        )
    finally:
        await engine.dispose()


async def stored_counters(uow: UnitOfWork) -> dict[str, tuple[int, int]]:
    async with uow:
        rows = (await uow.session.execute(select(counters))).all()
    return {row.counter_id: (row.total, row.handled) for row in rows}


async def test_consecutive_events_of_a_batch_type_reach_its_handler_as_one_run(counting_db):
    calls: list[tuple[list[str], str | None]] = []

    async def remember(events: Sequence[CloudEvent], uow: UnitOfWork) -> None:
        calls.append(([e.data["counter_id"] for e in events], correlation_id.get()))

    seen_alone: list[str] = []

    async def alone(event: CloudEvent, uow: UnitOfWork) -> None:
        seen_alone.append(event.data["counter_id"])

    handlers = {Counted.TYPE: BatchHandler(remember), Poison.TYPE: alone}
    twice = record(Counted(counter_id="c3", amount=1), correlation="r3")
    batch = [
        record(Counted(counter_id="c1", amount=1), correlation="r1"),
        record(Counted(counter_id="c2", amount=1), correlation="r1"),
        record(Poison(counter_id="p1")),
        twice,
        record(Counted(counter_id="c4", amount=1), correlation="r4"),
        twice,  # delivered twice within the batch: handled once
    ]
    async with dispatcher(counting_db, handlers) as (events, dead, _uow):
        await events.dispatch(batch)
        await events.dispatch([twice])  # and again later: already in the inbox
    assert calls == [(["c1", "c2"], "r1"), (["c3", "c4"], None)]
    assert seen_alone == ["p1"]
    assert dead.records == []


async def test_batch_and_per_event_handlers_have_the_same_effect_with_duplicates_and_poison(
    counting_db, databases
):
    other_db = await create_counting_db(databases, "counting_per_event")

    repeated = record(Counted(counter_id="a", amount=7))
    batch = [
        record(Counted(counter_id="a", amount=1)),
        record(Counted(counter_id="b", amount=2)),
        repeated,
        record(Counted(counter_id="a", amount=3)),
        repeated,
        record(Poison(counter_id="a")),  # fails the batch: every event is retried alone
        record(Counted(counter_id="b", amount=5)),
    ]
    results = []
    for url, handlers in ((counting_db, HANDLERS), (other_db, PER_EVENT_HANDLERS)):
        async with dispatcher(url, handlers) as (events, dead, uow):
            await events.dispatch(batch[:3])
            await events.dispatch(batch)
            results.append((await stored_counters(uow), len(dead.records)))
    assert results[0] == results[1] == ({"a": (11, 3), "b": (7, 2)}, 1)
