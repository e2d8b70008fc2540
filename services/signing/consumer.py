"""Interventions' events signing listens to, and how each updates the local read models.

Events arrive at least once and, across partitions, in any order; every write here is an
upsert guarded by the fact's time ("latest wins"), so replays and duplicates converge.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update

from libs.database import dialect_insert, dialect_name
from libs.messaging.dispatcher import Handler
from libs.messaging.envelope import CloudEvent, decode_data
from libs.messaging.unit_of_work import UnitOfWork
from libs.observability import get_logger
from services.interventions.events import (
    InterventionActivated,
    InterventionChanged,
    InterventionEnded,
    InterventionPaused,
    OccurrenceCancelled,
    OccurrenceScheduled,
)
from services.signing.tables import interventions, occurrences

__all__ = ["HANDLERS"]

log = get_logger(__name__)


async def occurrence_scheduled(event: CloudEvent, uow: UnitOfWork) -> None:
    fact = decode_data(OccurrenceScheduled, event.data)
    values = {
        "intervention_id": fact.intervention_id,
        "tenant_id": fact.tenant_id,
        "unit_id": fact.unit_id,
        "window_start": fact.window_start,
        "window_end": fact.window_end,
        "prn": fact.prn,
        "cancelled_at": None,
        "changed_at": event.time,
    }
    insert = dialect_insert(occurrences, dialect_name=dialect_name(uow.session))
    await uow.session.execute(
        insert.values(occurrence_id=fact.occurrence_id, **values).on_conflict_do_update(
            index_elements=[occurrences.c.occurrence_id],
            set_=values,
            # A cancellation newer than this (re)scheduling stays in force.
            where=occurrences.c.changed_at <= event.time,
        )
    )


async def occurrence_cancelled(event: CloudEvent, uow: UnitOfWork) -> None:
    fact = decode_data(OccurrenceCancelled, event.data)
    result = await uow.session.execute(
        update(occurrences)
        .where(
            occurrences.c.occurrence_id == fact.occurrence_id,
            occurrences.c.changed_at <= event.time,
        )
        .values(cancelled_at=fact.cancelled_at, changed_at=event.time)
    )
    if not getattr(result, "rowcount", 1):
        # The topic is keyed by intervention, so its schedule precedes its cancellation; a
        # cancellation of an occurrence never scheduled here leaves nothing anyone could sign.
        log.info("cancellation of an unknown or newer occurrence", occurrence_id=fact.occurrence_id)


InterventionFact = (
    type[InterventionActivated]
    | type[InterventionChanged]
    | type[InterventionPaused]
    | type[InterventionEnded]
)


def _intervention_fact(event_class: InterventionFact, state: str | None) -> Handler:
    async def handle(event: CloudEvent, uow: UnitOfWork) -> None:
        fact = decode_data(event_class, event.data)
        await _upsert_intervention(
            uow,
            intervention_id=fact.intervention_id,
            tenant_id=fact.tenant_id,
            unit_id=fact.unit_id,
            prn=fact.prn,
            state=state,
            at=fact.at,
        )

    return handle


async def _upsert_intervention(
    uow: UnitOfWork,
    *,
    intervention_id: str,
    tenant_id: str,
    unit_id: str,
    prn: bool,
    state: str | None,
    at: datetime,
) -> None:
    changed: dict[str, Any] = {"tenant_id": tenant_id, "unit_id": unit_id, "prn": prn}
    changed["changed_at"] = at
    if state is not None:
        changed["state"] = state
    insert = dialect_insert(interventions, dialect_name=dialect_name(uow.session))
    await uow.session.execute(
        insert.values(
            intervention_id=intervention_id,
            # A change seen before any activation is of a draft, which cannot be signed.
            state=state or "DRAFT",
            **{key: value for key, value in changed.items() if key != "state"},
        ).on_conflict_do_update(
            index_elements=[interventions.c.intervention_id],
            set_=changed,
            where=interventions.c.changed_at <= at,
        )
    )


HANDLERS: dict[str, Handler] = {
    OccurrenceScheduled.TYPE: occurrence_scheduled,
    OccurrenceCancelled.TYPE: occurrence_cancelled,
    InterventionActivated.TYPE: _intervention_fact(InterventionActivated, "ACTIVE"),
    InterventionChanged.TYPE: _intervention_fact(InterventionChanged, None),
    InterventionPaused.TYPE: _intervention_fact(InterventionPaused, "PAUSED"),
    InterventionEnded.TYPE: _intervention_fact(InterventionEnded, "ENDED"),
}
