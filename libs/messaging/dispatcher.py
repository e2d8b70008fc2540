"""Handling incoming events exactly once in effect.

For each event the dispatcher opens a unit of work, records the event id in the inbox and runs
the handler in the same transaction; a duplicate finds its id already there and does nothing.
A batch is first tried in one transaction (fast path); if that fails, each event is retried
alone, and one that still fails goes to ``<topic>.dlq`` with its error while the rest go on.
A `BatchHandler` gets each run of consecutive events of its type in one call, so it can do
set-wise what would otherwise cost round trips per event.
Failures of the database itself are not the event's fault: they propagate, the consumer loop
backs off and redelivers the batch, and nothing is dead-lettered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from libs.database import dialect_name, insert_ignoring_conflicts
from libs.messaging.envelope import CloudEvent, KafkaRecord, MalformedEvent, from_kafka
from libs.messaging.relay import Publisher
from libs.messaging.tables import MessagingTables
from libs.messaging.unit_of_work import UnitOfWork, UnitOfWorkFactory
from libs.observability import (
    EVENTS_CONSUMED,
    EVENTS_DEAD_LETTERED,
    correlation_id,
    get_logger,
)

__all__ = ["BatchHandler", "EventDispatcher", "Handler", "is_infrastructure_failure"]

log = get_logger(__name__)

Handler = Callable[[CloudEvent, UnitOfWork], Awaitable[None]]


@dataclass(frozen=True)
class BatchHandler:
    """Handles consecutive events of one type together, with the effect of handling them one
    after another in order. A run of one is the fallback when a batch failed. What the run
    emits carries its events' correlation id when they share one, else none."""

    handle: Callable[[Sequence[CloudEvent], UnitOfWork], Awaitable[None]]


# PostgreSQL's answers that say "not now" rather than "not this": connection exceptions (08),
# insufficient resources (53), a server shutting down, crashed or still starting (57P01–57P03;
# asyncpg reports these at connect time without invalidating anything), and a serialization
# failure or deadlock, which the same statement survives when tried again.
_RETRYABLE_SQLSTATE_CLASSES = ("08", "53")
_RETRYABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "40001", "40P01"})


def is_infrastructure_failure(error: BaseException) -> bool:
    """True when the database or network failed, not the event: retry later, don't dead-letter."""
    if isinstance(error, OperationalError | InterfaceError):
        return True
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        state = getattr(error.orig, "sqlstate", None)
        if isinstance(state, str) and (
            state.startswith(_RETRYABLE_SQLSTATE_CLASSES) or state in _RETRYABLE_SQLSTATES
        ):
            return True
    return isinstance(error, OSError | ConnectionError | TimeoutError)


@dataclass(frozen=True)
class _Incoming:
    record: KafkaRecord
    event: CloudEvent


class EventDispatcher:
    def __init__(
        self,
        *,
        consumer: str,
        handlers: Mapping[str, Handler | BatchHandler],
        units_of_work: UnitOfWorkFactory,
        tables: MessagingTables,
        dead_letters: Publisher,
        max_attempts: int = 3,
        retry_delay: float = 0.2,
    ) -> None:
        self.consumer = consumer
        self._handlers = dict(handlers)
        self._units_of_work = units_of_work
        self._inbox = tables.inbox
        self._dead_letters = dead_letters
        self._max_attempts = max_attempts
        self._retry_delay = retry_delay

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(self._handlers)

    async def dispatch(self, records: Sequence[KafkaRecord]) -> None:
        """Handle a batch in order; returns when every record is handled, skipped or dead."""
        incoming: list[_Incoming] = []
        for record in records:
            try:
                event = from_kafka(record)
            except MalformedEvent as error:
                await self._dead_letter(record, error)
                continue
            if event.type in self._handlers:
                incoming.append(_Incoming(record, event))
            else:
                # Unknown types are someone else's concern or a newer version: skip, not fail.
                EVENTS_CONSUMED.labels(self.consumer, "ignored").inc()
        if not incoming:
            return
        try:
            await self._handle_together(incoming)
            return
        except Exception as error:
            if is_infrastructure_failure(error):
                raise
            log.warning("batch failed; handling events one by one", error=repr(error))
        for item in incoming:
            await self._handle_alone(item)

    async def _handle_together(self, batch: Sequence[_Incoming]) -> None:
        async with self._units_of_work() as uow:
            # One statement records the whole batch; only events it had not seen come back.
            # Rows as parameters, not ``.values([...])``: SQLAlchemy compiles a multi-row
            # VALUES anew every time, a constant statement once (it batches the rows itself).
            inserted = await uow.session.execute(
                insert_ignoring_conflicts(
                    self._inbox, dialect_name=dialect_name(uow.session)
                ).returning(self._inbox.c.event_id),
                [self._inbox_row(item.event) for item in batch],
            )
            new = set(inserted.scalars())
            fresh: list[CloudEvent] = []
            for item in batch:
                if item.event.id in new:
                    new.discard(item.event.id)  # a duplicate within the batch runs once
                    fresh.append(item.event)
            for run in self._runs(fresh):
                await self._run_handler(run, uow)
            handled = len(fresh)
            await uow.commit()
        EVENTS_CONSUMED.labels(self.consumer, "handled").inc(handled)
        EVENTS_CONSUMED.labels(self.consumer, "duplicate").inc(len(batch) - handled)

    async def _handle_alone(self, item: _Incoming) -> None:
        for attempt in range(1, self._max_attempts + 1):
            try:
                async with self._units_of_work() as uow:
                    await self._apply(item.event, uow)
                    await uow.commit()
                EVENTS_CONSUMED.labels(self.consumer, "handled").inc()
                return
            except Exception as error:
                if is_infrastructure_failure(error):
                    raise
                log.warning(
                    "event handler failed",
                    event_id=item.event.id,
                    event_type=item.event.type,
                    attempt=attempt,
                    error=repr(error),
                )
                if attempt == self._max_attempts:
                    await self._dead_letter(item.record, error)
                    return
                await asyncio.sleep(self._retry_delay * attempt)

    def _inbox_row(self, event: CloudEvent) -> dict[str, object]:
        return {
            "consumer": self.consumer,
            "event_id": event.id,
            "event_type": event.type,
            "handled_at": datetime.now(UTC),
        }

    async def _apply(self, event: CloudEvent, uow: UnitOfWork) -> None:
        inserted = await uow.session.execute(
            insert_ignoring_conflicts(self._inbox, dialect_name=dialect_name(uow.session)),
            self._inbox_row(event),
        )
        if getattr(inserted, "rowcount", 1) == 0:
            EVENTS_CONSUMED.labels(self.consumer, "duplicate").inc()
            return
        await self._run_handler([event], uow)

    def _runs(self, events: Sequence[CloudEvent]) -> list[list[CloudEvent]]:
        """Consecutive events of a type with a `BatchHandler` together, every other alone."""
        runs: list[list[CloudEvent]] = []
        for event in events:
            if (
                runs
                and runs[-1][0].type == event.type
                and isinstance(self._handlers[event.type], BatchHandler)
            ):
                runs[-1].append(event)
            else:
                runs.append([event])
        return runs

    async def _run_handler(self, run: Sequence[CloudEvent], uow: UnitOfWork) -> None:
        correlation_ids = {event.correlation_id for event in run}
        token = correlation_id.set(correlation_ids.pop() if len(correlation_ids) == 1 else None)
        try:
            handler = self._handlers[run[0].type]
            if isinstance(handler, BatchHandler):
                await handler.handle(run, uow)
            else:
                (event,) = run
                await handler(event, uow)
        finally:
            correlation_id.reset(token)

    async def _dead_letter(self, record: KafkaRecord, error: BaseException) -> None:
        log.error(
            "event dead-lettered",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            error=repr(error),
        )
        headers = (
            *record.headers,
            ("dlq_error", repr(error)[:2000].encode()),
            ("dlq_consumer", self.consumer.encode()),
            ("dlq_origin", f"{record.topic}/{record.partition}/{record.offset}".encode()),
        )
        await self._dead_letters.publish(
            [
                KafkaRecord(
                    topic=f"{record.topic}.dlq",
                    key=record.key,
                    value=record.value,
                    headers=headers,
                )
            ]
        )
        EVENTS_DEAD_LETTERED.labels(self.consumer).inc()
