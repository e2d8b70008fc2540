"""CloudEvents 1.0 envelope carried in Kafka binary mode (attributes as ``ce_*`` headers).

Each service declares its events as frozen dataclasses with two class variables, ``TYPE``
(``se.signa.<service>.<Name>.v<N>``) and ``TOPIC``, and a ``key`` property (ordering key and
CloudEvents ``subject``). `encode_data`/`decode_data` turn them into JSON data and back.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol, TypeVar

from pydantic import TypeAdapter

__all__ = [
    "CloudEvent",
    "DomainEvent",
    "KafkaRecord",
    "MalformedEvent",
    "decode_data",
    "encode_data",
    "from_kafka",
    "to_kafka",
]

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"


class DomainEvent(Protocol):
    TYPE: ClassVar[str]
    TOPIC: ClassVar[str]

    @property
    def key(self) -> str: ...


class MalformedEvent(ValueError):
    """A Kafka message that is not a CloudEvent this system can read."""


@dataclass(frozen=True, slots=True)
class CloudEvent:
    type: str
    source: str
    subject: str
    time: datetime
    data: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    correlation_id: str | None = None
    datacontenttype: str = CONTENT_TYPE


@dataclass(frozen=True, slots=True)
class KafkaRecord:
    """One Kafka message as it travels: what the relay sends and the consumer receives."""

    topic: str
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]
    partition: int = -1
    offset: int = -1


def to_kafka(event: CloudEvent, *, topic: str) -> KafkaRecord:
    headers = [
        ("ce_specversion", SPEC_VERSION),
        ("ce_id", event.id),
        ("ce_source", event.source),
        ("ce_type", event.type),
        ("ce_time", event.time.isoformat()),
        ("ce_subject", event.subject),
        ("content-type", event.datacontenttype),
    ]
    if event.correlation_id:
        # CloudEvents extension attribute names are lower-case alphanumerics only.
        headers.append(("ce_correlationid", event.correlation_id))
    return KafkaRecord(
        topic=topic,
        key=event.subject.encode(),
        value=json.dumps(event.data, separators=(",", ":")).encode(),
        headers=tuple((name, value.encode()) for name, value in headers),
    )


def from_kafka(record: KafkaRecord) -> CloudEvent:
    attributes = {name: value.decode("utf-8", "replace") for name, value in record.headers}
    if attributes.get("ce_specversion") != SPEC_VERSION:
        raise MalformedEvent(f"not a CloudEvent {SPEC_VERSION} message")
    try:
        data = json.loads(record.value)
        return CloudEvent(
            id=attributes["ce_id"],
            source=attributes["ce_source"],
            type=attributes["ce_type"],
            time=datetime.fromisoformat(attributes["ce_time"]),
            subject=attributes.get("ce_subject", ""),
            data=data,
            correlation_id=attributes.get("ce_correlationid"),
            datacontenttype=attributes.get("content-type", CONTENT_TYPE),
        )
    except (KeyError, ValueError) as error:
        raise MalformedEvent(f"unreadable CloudEvent: {error}") from error


_adapters: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(cls: type[Any]) -> TypeAdapter[Any]:
    adapter = _adapters.get(cls)
    if adapter is None:
        adapter = _adapters[cls] = TypeAdapter(cls)
    return adapter


def encode_data(event: object) -> dict[str, Any]:
    data: dict[str, Any] = _adapter(type(event)).dump_python(event, mode="json")
    return data


EventT = TypeVar("EventT")


def decode_data(cls: type[EventT], data: dict[str, Any]) -> EventT:
    """Parse an event's data into its dataclass; unknown extra fields are ignored."""
    try:
        event: EventT = _adapter(cls).validate_python(data)
    except ValueError as error:
        raise MalformedEvent(f"{cls.__name__}: {error}") from error
    return event
