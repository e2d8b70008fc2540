"""One database transaction that holds a state change and the events it causes."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy.ext.asyncio import AsyncSession

from libs.bulk import COPY_THRESHOLD, copy_rows
from libs.clock import Clock
from libs.database import SessionFactory, dialect_name
from libs.messaging.envelope import CloudEvent, DomainEvent, encode_data
from libs.messaging.tables import MessagingTables
from libs.observability import correlation_id

__all__ = ["UnitOfWork", "UnitOfWorkFactory"]

_BATCH = 5000  # rows per executemany; keeps SQLite under its bound-parameter limit


class UnitOfWork:
    """``async with uow: ...; await uow.commit()`` — leaving without commit rolls back.

    `emit` puts the event in the outbox, written in the same transaction just before it
    commits, so either the change and its events are both stored or neither is; the relay
    publishes them after commit.
    """

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        tables: MessagingTables,
        source: str,
        clock: Clock,
        after_commit: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._tables = tables
        self._source = source
        self.clock = clock
        self._after_commit = after_commit
        self._session: AsyncSession | None = None
        self._pending: list[dict[str, Any]] = []  # outbox rows, written at commit

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is not open")
        return self._session

    async def __aenter__(self) -> Self:
        self._session = self._sessions()
        await self._session.begin()
        self._pending = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if session.in_transaction():
                await session.rollback()
        finally:
            await session.close()
            self._session = None

    async def emit(self, event: DomainEvent, *, event_id: str | None = None) -> CloudEvent:
        """``event_id`` makes the id deterministic: an event announcing a period that two
        replicas might both decide is due then has one id, which consumers' inboxes dedupe."""
        cloud_event, row = self._outbox_row(event, now=self.clock.now(), event_id=event_id)
        self._pending.append(row)
        return cloud_event

    async def emit_many(self, events: Sequence[DomainEvent]) -> None:
        now = self.clock.now()
        self._pending.extend(self._outbox_row(event, now=now)[1] for event in events)

    async def _write_pending(self) -> None:
        """The emitted events go in at commit, all at once: one executemany (one round trip on
        asyncpg), or ``COPY`` on PostgreSQL for many, instead of an INSERT per `emit`."""
        rows, self._pending = self._pending, []
        if not rows:
            return
        outbox = self._tables.outbox
        if dialect_name(self.session) == "postgresql" and len(rows) >= COPY_THRESHOLD:
            columns = list(rows[0])
            await copy_rows(
                self.session,
                table=outbox.name,
                columns=columns,
                # COPY hands ``json`` columns over as text.
                records=[
                    tuple(json.dumps(row[c]) if c == "data" else row[c] for c in columns)
                    for row in rows
                ],
            )
        else:
            for offset in range(0, len(rows), _BATCH):
                await self.session.execute(outbox.insert(), rows[offset : offset + _BATCH])

    def _outbox_row(
        self, event: DomainEvent, *, now: datetime, event_id: str | None = None
    ) -> tuple[CloudEvent, dict[str, Any]]:
        cloud_event = CloudEvent(
            type=event.TYPE,
            source=self._source,
            subject=event.key,
            time=now,
            data=encode_data(event),
            correlation_id=correlation_id.get(),
        )
        if event_id is not None:
            cloud_event = dataclasses.replace(cloud_event, id=event_id)
        row = {
            "event_id": cloud_event.id,
            "topic": event.TOPIC,
            "type": cloud_event.type,
            "source": cloud_event.source,
            "subject": cloud_event.subject,
            "time": cloud_event.time,
            "data": cloud_event.data,
            "correlation_id": cloud_event.correlation_id,
            # Wall time, not the injected clock: it measures relay lag.
            "created_at": datetime.now(UTC),
        }
        return cloud_event, row

    async def commit(self) -> None:
        emitted = bool(self._pending)
        await self._write_pending()
        await self.session.commit()
        if emitted and self._after_commit is not None:
            self._after_commit()


UnitOfWorkFactory = Callable[[], UnitOfWork]
