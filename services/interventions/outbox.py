"""Writing many events to the outbox in one statement.

`UnitOfWork.emit` inserts one outbox row per call; a scheduler pass over a municipality emits
tens of thousands of ``OccurrenceScheduled`` at once, so the rows go in as one executemany, or
by ``COPY`` on PostgreSQL when there are many.
The relay polls, so it finds them without the commit-time wake-up `emit` would give.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from libs.database import dialect_name
from libs.messaging.envelope import CloudEvent, DomainEvent, encode_data
from libs.messaging.unit_of_work import UnitOfWork
from libs.observability import correlation_id
from services.interventions.bulk import COPY_THRESHOLD, copy_rows
from services.interventions.tables import INFRASTRUCTURE

__all__ = ["SOURCE", "emit_all"]

SOURCE = "/signa/interventions"
_BATCH = 5000


async def emit_all(uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
    if not events:
        return
    if len(events) == 1:
        await uow.emit(events[0])
        return
    now = uow.clock.now()
    created_at = datetime.now(UTC)  # wall time, like UnitOfWork.emit: it measures relay lag
    correlation = correlation_id.get()
    rows = []
    for event in events:
        cloud_event = CloudEvent(
            type=event.TYPE,
            source=SOURCE,
            subject=event.key,
            time=now,
            data=encode_data(event),
            correlation_id=correlation,
        )
        rows.append(
            {
                "event_id": cloud_event.id,
                "topic": event.TOPIC,
                "type": cloud_event.type,
                "source": cloud_event.source,
                "subject": cloud_event.subject,
                "time": cloud_event.time,
                "data": cloud_event.data,
                "correlation_id": cloud_event.correlation_id,
                "created_at": created_at,
            }
        )
    outbox = INFRASTRUCTURE.messaging.outbox
    if dialect_name(uow.session) == "postgresql" and len(rows) >= COPY_THRESHOLD:
        columns = list(rows[0])
        await copy_rows(
            uow.session,
            table=outbox.name,
            columns=columns,
            # COPY hands ``json`` columns over as text.
            records=[
                tuple(json.dumps(row[c]) if c == "data" else row[c] for c in columns)
                for row in rows
            ],
        )
        return
    for offset in range(0, len(rows), _BATCH):
        await uow.session.execute(outbox.insert(), rows[offset : offset + _BATCH])
