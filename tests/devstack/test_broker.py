"""Real round-trips against the bundled Tansu broker, in memory and on durable S3 storage."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from libs.devstack.broker import BrokerProcess
from libs.messaging.kafka import CONSUMER_GROUP_TIMING, ensure_topics


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerProcess]:
    with BrokerProcess(log_dir=tmp_path_factory.mktemp("broker-logs")) as running:
        yield running


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@asynccontextmanager
async def producer(bootstrap_servers: str) -> AsyncIterator[AIOKafkaProducer]:
    # Tansu rejects InitProducerId, so idempotence must be off.
    p = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, enable_idempotence=False, acks="all")
    await p.start()
    try:
        yield p
    finally:
        await p.stop()


@asynccontextmanager
async def consumer(
    bootstrap_servers: str, topic: str, group: str
) -> AsyncIterator[AIOKafkaConsumer]:
    c = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **CONSUMER_GROUP_TIMING,
    )
    await c.start()
    try:
        yield c
    finally:
        await c.stop()


async def fetch(c: AIOKafkaConsumer, count: int) -> list[Any]:
    """Read exactly ``count`` records (or fail within 15 s), in offset order per partition."""
    records: list[Any] = []
    async with asyncio.timeout(15):
        while len(records) < count:
            batch = await c.getmany(timeout_ms=200, max_records=count - len(records))
            for partition_records in batch.values():
                records.extend(partition_records)
    return records


async def produce_numbers(bootstrap_servers: str, topic: str, numbers: range) -> None:
    async with producer(bootstrap_servers) as p:
        for n in numbers:
            await p.send_and_wait(topic, str(n).encode(), partition=0)


async def test_ensure_topics_creates_and_tolerates_existing(broker: BrokerProcess) -> None:
    a, b = unique("topic-a"), unique("topic-b")
    await ensure_topics(broker.bootstrap_servers, [a], partitions=4)
    await ensure_topics(broker.bootstrap_servers, [a, b], partitions=2)  # a exists already

    admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap_servers)
    await admin.start()
    try:
        described = {t["topic"]: t for t in await admin.describe_topics([a, b])}
    finally:
        await admin.close()
    assert len(described[a]["partitions"]) == 4  # not recreated with 2
    assert len(described[b]["partitions"]) == 2


async def test_ensure_topics_keeps_events_unless_told_a_retention(broker: BrokerProcess) -> None:
    kept, timed = unique("kept"), unique("timed")
    await ensure_topics(broker.bootstrap_servers, [kept], partitions=1)
    week = 7 * 86_400_000
    await ensure_topics(broker.bootstrap_servers, [kept, timed], partitions=1, retention_ms=week)

    admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap_servers)
    await admin.start()
    try:
        names = [kept, f"{kept}.dlq", timed, f"{timed}.dlq"]
        # Every config of each topic: Tansu closes the connection when a describe names keys.
        [response] = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name) for name in names]
        )
    finally:
        await admin.close()
    retention = {
        resource[3]: {entry[0]: entry[1] for entry in resource[4]}.get("retention.ms")
        for resource in response.resources
    }
    # An existing topic keeps what it was created with; an operator's change is not undone.
    assert retention == {
        kept: "-1",
        f"{kept}.dlq": "-1",
        timed: str(week),
        f"{timed}.dlq": str(week),
    }


async def test_headers_and_key_round_trip(broker: BrokerProcess) -> None:
    topic = unique("headers")
    await ensure_topics(broker.bootstrap_servers, [topic], partitions=1)
    headers = [("event-type", b"intervention.signed"), ("trace-id", b"abc123"), ("empty", b"")]
    async with producer(broker.bootstrap_servers) as p:
        await p.send_and_wait(topic, b'{"id": 1}', key=b"person-1", headers=headers)

    async with consumer(broker.bootstrap_servers, topic, unique("group")) as c:
        [record] = await fetch(c, 1)
    assert record.key == b"person-1"
    assert record.value == b'{"id": 1}'
    assert list(record.headers) == headers


async def test_group_resumes_after_committed_offset(broker: BrokerProcess) -> None:
    topic, group = unique("resume"), unique("group")
    await ensure_topics(broker.bootstrap_servers, [topic], partitions=1)
    await produce_numbers(broker.bootstrap_servers, topic, range(10))
    tp = TopicPartition(topic, 0)

    async with consumer(broker.bootstrap_servers, topic, group) as first:
        records = await fetch(first, 10)
        # Commit only the first four as processed: the next member must start at offset 4.
        await first.commit({tp: records[3].offset + 1})

    async with consumer(broker.bootstrap_servers, topic, group) as second:
        assert await second.committed(tp) == 4
        resumed = await fetch(second, 6)
    assert [r.value for r in resumed] == [str(n).encode() for n in range(4, 10)]


async def test_s3_storage_survives_crash(tmp_path: Path) -> None:
    broker = BrokerProcess(log_dir=tmp_path / "logs", data_dir=tmp_path / "data")
    topic, group = unique("durable"), unique("group")
    tp = TopicPartition(topic, 0)
    await asyncio.to_thread(broker.start)
    try:
        await ensure_topics(broker.bootstrap_servers, [topic], partitions=1)
        await produce_numbers(broker.bootstrap_servers, topic, range(10))
        async with consumer(broker.bootstrap_servers, topic, group) as c:
            await fetch(c, 10)
            await c.commit({tp: 6})

        broker.kill()  # SIGKILL broker and storage: no chance to flush anything
        assert not broker.running
        await asyncio.to_thread(broker.start)  # same data dir, fresh ports

        async with consumer(broker.bootstrap_servers, topic, group) as resumed:
            assert await resumed.committed(tp) == 6
            rest = await fetch(resumed, 4)
        assert [r.value for r in rest] == [str(n).encode() for n in range(6, 10)]

        async with consumer(broker.bootstrap_servers, topic, unique("group")) as fresh:
            everything = await fetch(fresh, 10)
        assert [r.value for r in everything] == [str(n).encode() for n in range(10)]
    finally:
        await asyncio.to_thread(broker.stop)
