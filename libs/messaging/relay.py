"""The outbox relay: publishes committed outbox rows to the broker and marks them published.

Replicas each run a relay on the one table, but on PostgreSQL only one publishes at a time: a
batch is claimed under a transaction-scoped advisory lock, and a relay that cannot take it
leaves the work to the one that has it. Claiming rows with ``SKIP LOCKED`` alone let a second
relay publish an event while the first was still sending an older one for the same key (a
cancellation overtaking its occurrence's scheduling), and consumers rely on a key's order.
A relay killed between the broker's acknowledgement and the mark publishes that batch again on
restart: delivery is at-least-once and the consumers' inbox makes the effect single.

Woken by a commit, the relay lingers a moment (20 ms by default) before it claims rows, as a
Kafka producer's ``linger.ms`` does: a claim, a publish and a mark cost about the same for one
row as for fifty. Without it, at a steady 150 signatures/s every commit got a relay run (and a
database transaction) of its own; in one pair of `bench/gateway.py` runs the machine was 92 %
busy and the sign's p95 157 ms without it, 81 % and 24 ms with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, func, select, update

from libs.database import SessionFactory, dialect_name, session_scope
from libs.messaging.envelope import CloudEvent, KafkaRecord, to_kafka
from libs.messaging.tables import MessagingTables
from libs.observability import EVENTS_PUBLISHED, RELAY_LAG, get_logger

__all__ = ["OutboxRelay", "Publisher"]

log = get_logger(__name__)


class Publisher(Protocol):
    async def publish(self, records: Sequence[KafkaRecord]) -> None:
        """Send the records in order and return once the broker acknowledged all of them."""
        ...


class OutboxRelay:
    def __init__(
        self,
        *,
        service: str,
        sessions: SessionFactory,
        tables: MessagingTables,
        publisher: Publisher,
        batch_size: int = 500,
        poll_seconds: float = 0.1,
        linger_seconds: float = 0.0,
        keep_published: timedelta = timedelta(days=3),
    ) -> None:
        self._service = service
        self._sessions = sessions
        self._outbox = tables.outbox
        self._publisher = publisher
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._linger_seconds = linger_seconds
        self._keep_published = keep_published
        self._wakeup = asyncio.Event()
        self._stopping = False
        # One lock per outbox (services have databases of their own; the name keeps apart
        # services sharing one). A signed 64-bit number, as PostgreSQL's advisory locks take.
        self._lock_key = zlib.crc32(f"signa-outbox-relay:{service}".encode())

    def wake(self) -> None:
        """Called after a commit that emitted events, so they go out without waiting a poll."""
        self._wakeup.set()

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished rows; returns how many were published."""
        table = self._outbox
        async with session_scope(self._sessions) as session:
            query = (
                select(table)
                .where(table.c.published_at.is_(None))
                .order_by(table.c.id)
                .limit(self._batch_size)
            )
            if dialect_name(session) == "postgresql":
                taken = await session.scalar(select(func.pg_try_advisory_xact_lock(self._lock_key)))
                if not taken:
                    return 0  # another replica's relay is publishing: it takes these too
                query = query.with_for_update()
            rows = (await session.execute(query)).mappings().all()
            if not rows:
                return 0
            records = [
                to_kafka(
                    CloudEvent(
                        id=row["event_id"],
                        type=row["type"],
                        source=row["source"],
                        subject=row["subject"],
                        time=row["time"],
                        data=row["data"],
                        correlation_id=row["correlation_id"],
                    ),
                    topic=row["topic"],
                )
                for row in rows
            ]
            await self._publisher.publish(records)
            published_at = datetime.now(UTC)
            await session.execute(
                update(table)
                .where(table.c.id.in_([row["id"] for row in rows]))
                .values(published_at=published_at)
            )
        for row in rows:
            RELAY_LAG.labels(self._service).observe(
                (published_at - row["created_at"]).total_seconds()
            )
            EVENTS_PUBLISHED.labels(self._service, row["topic"]).inc()
        return len(rows)

    async def prune(self) -> int:
        """Forget rows published long ago; they are kept a while for diagnosis only."""
        cutoff = datetime.now(UTC) - self._keep_published
        async with session_scope(self._sessions) as session:
            result = await session.execute(
                delete(self._outbox).where(self._outbox.c.published_at < cutoff)
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def run(self) -> None:
        """Publish until `stop`; broker or database outages are waited out, never fatal."""
        backoff = self._poll_seconds
        last_prune = datetime.min.replace(tzinfo=UTC)
        while not self._stopping:
            # Cleared before reading, so a wake-up during the batch is not lost.
            self._wakeup.clear()
            try:
                published = await self.publish_pending()
                backoff = self._poll_seconds
                if datetime.now(UTC) - last_prune > timedelta(hours=1):
                    await self.prune()
                    last_prune = datetime.now(UTC)
            except Exception:
                log.exception("outbox relay failed; retrying", retry_in=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if published < self._batch_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), self._poll_seconds)
                    # Woken by a commit, not the poll: let the commits right behind it join.
                    if self._linger_seconds and not self._stopping:
                        await asyncio.sleep(self._linger_seconds)

    def stop(self) -> None:
        self._stopping = True
        self._wakeup.set()
