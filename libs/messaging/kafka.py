"""The aiokafka boundary: publisher, consumer-group loop, live listener, topic creation."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import IllegalStateError

from libs.messaging.dispatcher import EventDispatcher
from libs.messaging.envelope import CloudEvent, KafkaRecord, MalformedEvent, from_kafka
from libs.observability import get_logger

__all__ = [
    "CONSUMER_GROUP_TIMING",
    "KafkaEventConsumer",
    "KafkaPublisher",
    "LiveListener",
    "ensure_topics",
]

log = get_logger(__name__)


# Tansu holds a JoinGroup open for about max(1 s, session timeout / 2) before assigning
# partitions, and a member joining a live group waits about one session timeout; aiokafka's
# default 10 s would leave a starting consumer idle for 5-18 s. Below ~1 s Tansu expires members
# mid-rebalance (two members then both own every partition).
CONSUMER_GROUP_TIMING: dict[str, int] = {"session_timeout_ms": 2000, "heartbeat_interval_ms": 200}

# Tansu answers a fetch only when its wait runs out, even if data arrived meanwhile, so with it
# the wait is both each hop's latency floor and how many events a fetch brings. The durable
# consumers (`KafkaEventConsumer`) wait `SIGNA_KAFKA_FETCH_MAX_WAIT_MS`, 250 ms by default: at
# 150 signatures/s through the gateway, against 100 ms, the consumers of a sign's events
# (alarms, identity, interventions and the broker) spent 2.7 ms of CPU per sign instead of 4.1
# and the machine was 78 % busy instead of 84 % (`bench/gateway.py`, one pair of runs); the
# idle broker 44 ms of CPU a second instead of 60. Live fan-out (`LiveListener`, alarm
# subscriptions) keeps 100 ms: its wait is what a person watching the admin web feels. Apache
# Kafka answers as soon as data is there, so there the wait only bounds idle fetches (its own
# default is 500 ms).
LIVE_FETCH_MAX_WAIT_MS = 100

_TOPIC_ALREADY_EXISTS = 36


async def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[str],
    *,
    partitions: int = 4,
    replication_factor: int = 1,
    retention_ms: int = -1,
) -> None:
    """Create the topics and their ``.dlq`` twins; existing ones are kept as they are.

    Brokers also auto-create a topic on first produce, but with their default partition
    count and retention, so topics are created explicitly to get the ones we mean
    (``retention_ms`` -1 keeps every event: see ``CommonSettings.kafka_topic_retention_ms``).
    """
    wanted = sorted({name for topic in topics for name in (topic, f"{topic}.dlq")})
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        response = await admin.create_topics(
            [
                NewTopic(
                    name,
                    num_partitions=partitions,
                    replication_factor=replication_factor,
                    topic_configs={"retention.ms": str(retention_ms)},
                )
                for name in wanted
            ]
        )
    finally:
        await admin.close()
    failures = [
        f"{topic}: {code} {message}"
        for topic, code, message in response.topic_errors
        if code not in (0, _TOPIC_ALREADY_EXISTS)
    ]
    if failures:
        raise RuntimeError("creating topics failed: " + "; ".join(failures))


class KafkaPublisher:
    """Sends records and waits for every acknowledgement (``acks=all``)."""

    def __init__(self, *, bootstrap_servers: str, enable_idempotence: bool) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._enable_idempotence = enable_idempotence
        self._started: AIOKafkaProducer | None = None

    @property
    def _producer(self) -> AIOKafkaProducer:
        if self._started is None:
            raise RuntimeError("the publisher is not started")
        return self._started

    async def start(self) -> None:
        # aiokafka clients bind to the running loop, so they are made here, not in __init__.
        producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap_servers,
            acks="all",
            enable_idempotence=self._enable_idempotence,
            linger_ms=5,
            max_batch_size=1024 * 1024,
            request_timeout_ms=15000,
        )
        try:
            await producer.start()
        except Exception:
            await producer.stop()
            raise
        self._started = producer

    async def stop(self) -> None:
        if self._started is not None:
            await self._started.stop()
            self._started = None

    async def publish(self, records: Sequence[KafkaRecord]) -> None:
        # Queue all first, then wait: the producer batches them per partition, keeping order.
        pending = [
            await self._producer.send(
                record.topic, value=record.value, key=record.key, headers=list(record.headers)
            )
            for record in records
        ]
        await asyncio.gather(*pending)

    async def ready(self) -> bool:
        if self._started is None:
            return False
        try:
            await asyncio.wait_for(self._producer.client.fetch_all_metadata(), timeout=2)
        except Exception:
            return False
        return True


def _record(message: Any) -> KafkaRecord:
    return KafkaRecord(
        topic=message.topic,
        key=message.key,
        value=message.value,
        headers=tuple(message.headers or ()),
        partition=message.partition,
        offset=message.offset,
    )


class KafkaEventConsumer:
    """A consumer-group member feeding a dispatcher; offsets are committed after the DB commit.

    Replicas of a service share the group and split the partitions between them.
    """

    def __init__(
        self,
        *,
        bootstrap_servers: str,
        group_id: str,
        topics: Sequence[str],
        dispatcher: EventDispatcher,
        fetch_max_wait_ms: int,
        max_records: int = 200,
    ) -> None:
        self._dispatcher = dispatcher
        self._max_records = max_records
        self._topics = list(topics)
        self._consumer = AIOKafkaConsumer(
            *topics,
            bootstrap_servers=bootstrap_servers,
            group_id=group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=fetch_max_wait_ms,
            **CONSUMER_GROUP_TIMING,
        )
        self._stopping = False

    async def start(self) -> None:
        await self._consumer.start()

    async def stop(self) -> None:
        self._stopping = True
        await self._consumer.stop()

    async def end_offsets(self) -> dict[TopicPartition, int]:
        """Where each partition of the consumed topics ends now (all partitions, not only
        this member's: replicas share the group)."""
        await self._consumer.topics()  # fresh metadata: the partitions of every topic
        partitions = [
            TopicPartition(topic, partition)
            for topic in self._topics
            for partition in self._consumer.partitions_for_topic(topic) or ()
        ]
        ends: dict[TopicPartition, int] = await self._consumer.end_offsets(partitions)
        return ends

    async def group_reached(self, marks: dict[TopicPartition, int]) -> bool:
        """Whether the group, whichever member, has handled and committed everything before
        ``marks``."""
        for partition, end in marks.items():
            if (await self._consumer.committed(partition) or 0) < end:
                return False
        return True

    async def run(self) -> None:
        backoff = 0.5
        while not self._stopping:
            try:
                batches = await self._consumer.getmany(
                    timeout_ms=500, max_records=self._max_records
                )
            except Exception:
                if self._stopping:
                    return
                log.exception("fetching events failed; retrying")
                await asyncio.sleep(backoff)
                continue
            if await self._handle(batches):
                backoff = 0.5
            else:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def _handle(self, batches: dict[TopicPartition, list[Any]]) -> bool:
        """One fetch, all its partitions, in one dispatch: each partition stays in order, and
        the fetch costs one transaction and makes the longest runs for batch handlers (a
        transaction per partition cost up to four at a trickle of events)."""
        if not batches:
            return True
        try:
            await self._dispatcher.dispatch(
                [_record(message) for messages in batches.values() for message in messages]
            )
            await self._consumer.commit(
                {partition: messages[-1].offset + 1 for partition, messages in batches.items()}
            )
        except Exception:
            if self._stopping:
                return False
            # Not the events' fault (database or broker away): read the fetch again later.
            # A partition that moved to another member meanwhile (a rebalance: the commit
            # fails with it unassigned) is that member's to read again from the last commit;
            # seeking it here would raise and end this loop.
            log.exception("handling a batch failed; it will be redelivered")
            assigned = self._consumer.assignment()
            for partition, messages in batches.items():
                if partition in assigned:
                    with contextlib.suppress(IllegalStateError):
                        self._consumer.seek(partition, messages[0].offset)
            return False
        return True


class LiveListener:
    """Every replica sees every event of a topic from now on (no group, no offsets kept).

    For live fan-out such as subscriptions, where each replica pushes to its own clients;
    durable handling belongs in a `KafkaEventConsumer` instead.
    """

    def __init__(
        self,
        *,
        bootstrap_servers: str,
        topic: str,
        on_event: Callable[[CloudEvent], Awaitable[None]],
    ) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._topic = topic
        self._on_event = on_event
        self._consumer: Any = None
        self._stopping = False

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap_servers,
            group_id=None,
            enable_auto_commit=False,
            client_id=f"live-{uuid.uuid4().hex[:8]}",
            fetch_max_wait_ms=LIVE_FETCH_MAX_WAIT_MS,
        )
        await self._consumer.start()
        partitions = self._consumer.partitions_for_topic(self._topic)
        if not partitions:
            await self._consumer._client.force_metadata_update()
            partitions = self._consumer.partitions_for_topic(self._topic) or set()
        assigned = [TopicPartition(self._topic, number) for number in sorted(partitions)]
        self._consumer.assign(assigned)
        await self._consumer.seek_to_end(*assigned)

    async def stop(self) -> None:
        self._stopping = True
        if self._consumer is not None:
            await self._consumer.stop()

    async def run(self) -> None:
        while not self._stopping:
            try:
                batches = await self._consumer.getmany(timeout_ms=500)
            except Exception:
                if self._stopping:
                    return
                log.exception("live listener fetch failed")
                await asyncio.sleep(1)
                continue
            for messages in batches.values():
                for message in messages:
                    try:
                        await self._on_event(from_kafka(_record(message)))
                    except MalformedEvent:
                        log.warning("live listener skipped a malformed message")
