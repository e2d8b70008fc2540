"""Reading what services published and publishing what other services would, straight on the
broker, as an outside client would."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer

from libs.messaging.envelope import CloudEvent, encode_data, to_kafka
from libs.messaging.kafka import KafkaPublisher


async def read_topic(
    bootstrap: str, topic: str, *, at_least: int, timeout: float = 10, linger: float = 0.0
) -> list[Any]:
    """The messages on ``topic`` from the beginning, once at least ``at_least`` came.

    ``linger`` keeps reading that much longer, so a test can see messages that should not be
    there (a duplicate, a rolled-back event).
    """
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    messages: list[Any] = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline and len(messages) < at_least:
            batch = await consumer.getmany(timeout_ms=200)
            messages.extend(m for part in batch.values() for m in part)
        if linger and len(messages) >= at_least:
            batch = await consumer.getmany(timeout_ms=int(linger * 1000))
            messages.extend(m for part in batch.values() for m in part)
    finally:
        await consumer.stop()
    return messages


def ce_headers(message: Any) -> dict[str, str]:
    return {name: value.decode() for name, value in message.headers}


def types_and_data(messages: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    """(CloudEvent type, data) of each message."""
    return [(ce_headers(m)["ce_type"], json.loads(m.value)) for m in messages]


def cloud_event(
    event: Any,
    *,
    time: datetime,
    source: str = "/test",
    event_id: str | None = None,
    correlation_id: str | None = None,
) -> CloudEvent:
    """A domain event in its envelope, as another service's outbox would have sent it."""
    return CloudEvent(
        type=event.TYPE,
        source=source,
        subject=event.key,
        time=time,
        data=encode_data(event),
        correlation_id=correlation_id,
        **({"id": event_id} if event_id else {}),
    )


async def publish(bootstrap: str, topic: str, events: Sequence[CloudEvent]) -> None:
    """Send ``events`` to ``topic`` in order, as another service's outbox relay would."""
    publisher = KafkaPublisher(bootstrap_servers=bootstrap, enable_idempotence=False)
    await publisher.start()
    try:
        await publisher.publish([to_kafka(event, topic=topic) for event in events])
    finally:
        await publisher.stop()
