"""Outbox → real broker → inbox: the delivery rules of DESIGN §4, on a real database."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiokafka import TopicPartition
from sqlalchemy import select

from libs.messaging.envelope import KafkaRecord, to_kafka
from libs.messaging.fake import FakePublisher
from libs.messaging.kafka import KafkaEventConsumer, KafkaPublisher, ensure_topics
from libs.messaging.relay import OutboxRelay
from libs.runtime import ServiceDefinition, ServiceRuntime
from libs.settings import ServiceSettings
from tests.foundation.conftest import HANDLERS, INFRA, TOPIC, Counted, Poison, counters, metadata
from tests.support.broker import ce_headers, cloud_event, read_topic

DEFINITION = ServiceDefinition(
    name="counting",
    metadata=metadata,
    tables=INFRA,
    migrations_dir=Path("unused"),
    publishes=[TOPIC],
    consumes=[TOPIC],
    handlers=HANDLERS,
)

# The same service without its consumer: nothing competes with the test for its events.
PRODUCER = replace(DEFINITION, name="producer", consumes=(), handlers={})


@asynccontextmanager
async def running(url, common_settings, **kwargs) -> AsyncIterator[ServiceRuntime]:
    settings = ServiceSettings(database_url=url, port=1, common=common_settings, **kwargs)
    runtime = ServiceRuntime(definition=DEFINITION, settings=settings)
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


async def wait_for_counter(runtime: ServiceRuntime, counter_id: str, *, timeout: float = 15):
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        async with runtime.sessions() as session:
            row = (
                await session.execute(select(counters).where(counters.c.counter_id == counter_id))
            ).first()
        if row is not None:
            return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"counter {counter_id} never appeared")


async def test_state_change_and_event_commit_together_and_rollback_publishes_nothing(
    counting_db, common_settings, broker
):
    async with running(counting_db, common_settings) as runtime:
        async with runtime.unit_of_work() as uow:
            await uow.session.execute(
                counters.insert().values(counter_id="kept", total=0, handled=0)
            )
            await uow.emit(Counted(counter_id="kept", amount=1))
            await uow.commit()
        async with runtime.unit_of_work() as uow:
            await uow.session.execute(
                counters.insert().values(counter_id="rolled-back", total=0, handled=0)
            )
            await uow.emit(Counted(counter_id="rolled-back", amount=1))
            # leaving without commit rolls back both the row and the event

        messages = await read_topic(broker.bootstrap_servers, TOPIC, at_least=1, linger=0.5)
        async with runtime.sessions() as session:
            stored = set((await session.execute(select(counters.c.counter_id))).scalars())

    assert [m.key for m in messages] == [b"kept"]
    headers = ce_headers(messages[0])
    assert headers["ce_type"] == Counted.TYPE
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_source"] == "/signa/counting"
    assert stored == {"kept"}


async def test_an_event_delivered_twice_has_one_effect(counting_db, common_settings, broker):
    event = cloud_event(Counted(counter_id="twice", amount=5), time=datetime.now(UTC))
    publisher = KafkaPublisher(bootstrap_servers=broker.bootstrap_servers, enable_idempotence=False)
    async with running(counting_db, common_settings) as runtime:
        await publisher.start()
        try:
            record = to_kafka(event, topic=TOPIC)
            await publisher.publish([record, record])
            await publisher.publish([record])
        finally:
            await publisher.stop()
        await wait_for_counter(runtime, "twice")
        await asyncio.sleep(1.0)  # give the redeliveries time to (not) count again
        row = await wait_for_counter(runtime, "twice")
    assert (row.total, row.handled) == (5, 1)


class CrashAfterPublish:
    """Publishes, then fails as if the relay died before marking the rows published."""

    def __init__(self, inner: KafkaPublisher) -> None:
        self.inner = inner
        self.crashes_left = 1

    async def publish(self, records: Sequence[KafkaRecord]) -> None:
        await self.inner.publish(records)
        if self.crashes_left:
            self.crashes_left -= 1
            raise ConnectionError("relay died between publish and mark")


async def test_relay_dying_between_publish_and_mark_republishes_with_single_effect(
    counting_db, common_settings, broker
):
    inner = KafkaPublisher(bootstrap_servers=broker.bootstrap_servers, enable_idempotence=False)
    await inner.start()
    settings = ServiceSettings(database_url=counting_db, port=1, common=common_settings)
    producer_side = ServiceRuntime(
        definition=PRODUCER,
        settings=settings,
        publisher=CrashAfterPublish(inner),
    )
    try:
        await producer_side.start()
        async with producer_side.unit_of_work() as uow:
            await uow.emit(Counted(counter_id="relayed", amount=3))
            await uow.commit()
        copies = await read_topic(broker.bootstrap_servers, TOPIC, at_least=2, linger=0.5)
        async with running(counting_db, common_settings) as consumer_side:
            row = await wait_for_counter(consumer_side, "relayed")
            await asyncio.sleep(1.0)
            row = await wait_for_counter(consumer_side, "relayed")
    finally:
        await producer_side.stop()
        await inner.stop()
    assert len(copies) == 2, "the relay should have published the batch again"
    assert ce_headers(copies[0])["ce_id"] == ce_headers(copies[1])["ce_id"]
    assert (row.total, row.handled) == (3, 1)


async def test_poison_message_goes_to_dlq_with_its_error_and_later_messages_are_handled(
    counting_db, common_settings, broker
):
    async with running(counting_db, common_settings, consumer_max_attempts=2) as runtime:
        async with runtime.unit_of_work() as uow:
            await uow.emit(Counted(counter_id="before", amount=1))
            await uow.emit(Poison(counter_id="before"))
            await uow.emit(Counted(counter_id="after", amount=2))
            await uow.commit()
        dead = await read_topic(broker.bootstrap_servers, f"{TOPIC}.dlq", at_least=1, linger=0.5)
        after = await wait_for_counter(runtime, "after")
        before = await wait_for_counter(runtime, "before")
    assert len(dead) == 1
    headers = ce_headers(dead[0])
    assert headers["ce_type"] == Poison.TYPE
    assert "cannot digest before" in headers["dlq_error"]
    assert headers["dlq_consumer"] == "counting"
    assert (before.total, after.total) == (1, 2)


class BatchRecorder(FakePublisher):
    """Keeps how many records each publish carried."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []
        self.published = asyncio.Event()

    async def publish(self, records: Sequence[KafkaRecord]) -> None:
        await super().publish(records)
        self.batches.append(len(records))
        self.published.set()


async def test_relay_woken_by_commits_lingers_and_publishes_them_in_one_batch(
    counting_db, common_settings, broker
):
    publisher = BatchRecorder()
    # Polling every 10 s: only the commits' wake-ups make the relay publish within the test.
    settings = ServiceSettings(
        database_url=counting_db,
        port=1,
        common=common_settings,
        outbox_poll_seconds=10,
        outbox_linger_seconds=0.5,
    )
    runtime = ServiceRuntime(
        definition=PRODUCER,
        settings=settings,
        publisher=publisher,
    )
    await runtime.start()
    try:
        await asyncio.sleep(0.2)  # the relay's first look at the empty outbox is over
        for n in range(5):
            async with runtime.unit_of_work() as uow:
                await uow.emit(Counted(counter_id=f"lingered-{n}", amount=1))
                await uow.commit()
        await asyncio.wait_for(publisher.published.wait(), 10)
    finally:
        await runtime.stop()
    assert publisher.batches == [5]


class DatabaseAway:
    """A dispatcher whose database is unreachable: every batch fails, not by its events."""

    async def dispatch(self, records: Sequence[KafkaRecord]) -> None:
        raise ConnectionRefusedError("the database is restarting")


async def test_a_batch_whose_partition_moved_to_another_member_does_not_end_the_consumer(
    common_settings,
):
    """A rebalance while a batch was being handled: the commit fails with the partition no
    longer this member's. Reading it again is the new owner's business (from the last commit);
    this member must go on with the partitions it still has, not die seeking the lost one."""
    consumer = KafkaEventConsumer(
        bootstrap_servers=common_settings.kafka_bootstrap_servers,
        group_id=f"moved-{uuid.uuid4().hex[:8]}",
        topics=[TOPIC],
        dispatcher=DatabaseAway(),  # type: ignore[arg-type]
        fetch_max_wait_ms=100,
    )
    await ensure_topics(common_settings.kafka_bootstrap_servers, [TOPIC], partitions=1)
    await consumer.start()
    try:
        lost = TopicPartition(f"{TOPIC}.elsewhere", 0)  # never assigned to this member
        message = SimpleNamespace(
            topic=lost.topic, key=b"k", value=b"{}", headers=(), partition=0, offset=7
        )
        assert await consumer._handle({lost: [message]}) is False
    finally:
        await consumer.stop()


class HeldPublisher(FakePublisher):
    """A broker that takes its time acknowledging, until the test lets it go."""

    def __init__(self) -> None:
        super().__init__()
        self.sending = asyncio.Event()
        self.release = asyncio.Event()

    async def publish(self, records: Sequence[KafkaRecord]) -> None:
        self.sending.set()
        await self.release.wait()
        await super().publish(records)


async def test_one_relay_publishes_at_a_time_so_a_keys_events_keep_their_order(
    databases, counting_db, common_settings
):
    """Two replicas' relays on one outbox: while one is still sending, the other must not
    publish the events committed after it (the same key's later event would overtake)."""
    if databases.dialect != "postgresql":
        pytest.skip("one process per SQLite file: no second relay")
    settings = ServiceSettings(database_url=counting_db, port=1, common=common_settings)
    runtime = ServiceRuntime(definition=PRODUCER, settings=settings, publisher=FakePublisher())
    slow, fast = HeldPublisher(), FakePublisher()
    relays = [
        OutboxRelay(
            service="counting", sessions=runtime.sessions, tables=INFRA.messaging, publisher=p
        )
        for p in (slow, fast)
    ]
    try:
        async with runtime.unit_of_work() as uow:
            await uow.emit(Counted(counter_id="k", amount=1))
            await uow.commit()
        first = asyncio.create_task(relays[0].publish_pending())
        await asyncio.wait_for(slow.sending.wait(), 5)
        async with runtime.unit_of_work() as uow:
            await uow.emit(Counted(counter_id="k", amount=2))
            await uow.commit()
        assert await relays[1].publish_pending() == 0
        assert fast.records == []
        slow.release.set()
        assert await first == 1
        assert await relays[1].publish_pending() == 1
        amounts = [e.data["amount"] for e in slow.events() + fast.events()]
        assert amounts == [1, 2]
    finally:
        await runtime.engine.dispose()
