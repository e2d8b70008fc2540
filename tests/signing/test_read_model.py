"""The occurrence read model converges whatever the order and number of deliveries."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from services.interventions.events import OccurrenceCancelled
from services.signing import repository
from tests.signing.conftest import NOW


async def test_a_late_copy_of_an_older_schedule_does_not_reopen_a_cancelled_occurrence(
    signing, unit
):
    scheduled_at = NOW - timedelta(minutes=5)
    occurrence = await signing.schedule(unit_id=unit, wait=False)
    await signing.known(occurrence.occurrence_id)
    await signing.publish(
        OccurrenceCancelled(
            occurrence_id=occurrence.occurrence_id,
            intervention_id=occurrence.intervention_id,
            tenant_id=occurrence.tenant_id,
            unit_id=unit,
            reason="CHANGED",
            cancelled_at=NOW,
        ),
        # Newer than the schedule, which went out with wall-clock time (a fixed date in the
        # future here would stop being newer once the calendar passed it).
        at=datetime.now(UTC) + timedelta(seconds=1),
    )

    async def cancelled() -> bool:
        async with signing.runtime.sessions() as session:
            found = await repository.get_occurrence(session, occurrence.occurrence_id)
        return bool(found and found.cancelled)

    for _ in range(100):
        if await cancelled():
            break
        await asyncio.sleep(0.05)
    await signing.publish(occurrence, at=scheduled_at)  # a redelivered, older fact
    await asyncio.sleep(1.0)
    assert await cancelled()
