"""In-memory stand-ins for the broker boundary, for unit tests of handlers and relays."""

from __future__ import annotations

from collections.abc import Sequence

from libs.messaging.envelope import CloudEvent, KafkaRecord, from_kafka

__all__ = ["FakePublisher"]


class FakePublisher:
    """Keeps what was published; `fail_next` makes the next publish raise, like a broker outage."""

    def __init__(self) -> None:
        self.records: list[KafkaRecord] = []
        self._failures: list[BaseException] = []

    def fail_next(self, error: BaseException | None = None) -> None:
        self._failures.append(error or ConnectionError("broker unavailable"))

    async def publish(self, records: Sequence[KafkaRecord]) -> None:
        if self._failures:
            raise self._failures.pop(0)
        self.records.extend(records)

    def events(self, topic: str | None = None) -> list[CloudEvent]:
        return [from_kafka(r) for r in self.records if topic is None or r.topic == topic]
