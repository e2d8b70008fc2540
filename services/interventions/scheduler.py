"""The scheduler loop: keeps occurrences materialised for the rolling horizon.

A pass covers every window that ends after the previous pass began (at most
``catch_up_max_days`` back) and starts on a local date up to today + ``horizon_days``.

After downtime this means: windows still ahead or in progress are scheduled as usual, and
windows that began *and ended* while the service was down are scheduled as well, in the past.
Alarms then report them as missed. That is deliberate: an outage of the planning service must
not hide care that was due and may not have been given — the staff could have worked from
paper or memory, and the SoL administrator acknowledges such alarms as ``PERFORMED_NOT_SIGNED``
when it was. Windows the scheduler already knew of (live or cancelled) are never added again.

Passes are idempotent and safe to run on several replicas at once: the unique index on a live
window drops duplicates, and only inserted rows produce ``OccurrenceScheduled``.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from libs.database import dialect_name, insert_ignoring_conflicts
from libs.messaging.unit_of_work import UnitOfWorkFactory
from libs.observability import get_logger
from services.interventions.scheduling import materialise
from services.interventions.settings import InterventionsSettings
from services.interventions.tables import SCHEDULER_RUNS, SchedulerRunRow

__all__ = ["Scheduler"]

log = get_logger(__name__)
RUN_NAME = "occurrences"


class Scheduler:
    def __init__(
        self, *, units_of_work: UnitOfWorkFactory, settings: InterventionsSettings
    ) -> None:
        self._units_of_work = units_of_work
        self._settings = settings
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> int:
        """One pass; returns the number of occurrences added."""
        async with self._units_of_work() as uow:
            now = uow.clock.now()
            previous = await uow.session.scalar(
                select(SchedulerRunRow.finished_at).where(SchedulerRunRow.name == RUN_NAME)
            )
            oldest = now - timedelta(days=self._settings.catch_up_max_days)
            not_before = now if previous is None else max(min(previous, now), oldest)
            added = await materialise(
                uow, now=now, horizon_days=self._settings.horizon_days, not_before=not_before
            )
            await self._remember(uow.session, now, first=previous is None)
            await uow.commit()
        if added:
            log.info("occurrences scheduled", added=added, since=not_before.isoformat())
        return added

    @staticmethod
    async def _remember(session: AsyncSession, now: datetime, *, first: bool) -> None:
        # The pass's start, not its end: windows ending during a long pass are covered next time.
        table = SCHEDULER_RUNS
        if first:
            # Another replica's first pass may have inserted the row meanwhile; either is fine.
            await session.execute(
                insert_ignoring_conflicts(table, dialect_name=dialect_name(session)).values(
                    name=RUN_NAME, finished_at=now
                )
            )
        else:
            await session.execute(
                table.update().where(table.c.name == RUN_NAME).values(finished_at=now)
            )

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.run_once()
            except Exception as error:
                # The next pass covers what this one missed: it starts from the last success.
                log.error("scheduler pass failed", error=repr(error))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._stopping.wait(), timeout=self._settings.scheduler_interval_seconds
                )

    async def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self.run(), name="interventions-scheduler")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._task, timeout=10)
            self._task = None
