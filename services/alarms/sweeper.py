"""The timer: judges windows that ended unsigned and escalates overdue alarms.

It polls every ``sweep_interval_seconds`` (the due rows are found through a partial index,
so an idle sweep costs one index probe) and works through the backlog in batches, which
is also how windows that ended while the service was down are caught up on start. Replicas
may all run it: rows are claimed with ``FOR UPDATE SKIP LOCKED``. Every
``reminder_check_seconds`` it also announces the reminder e-mails that have become due
(reminders.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from libs.messaging.unit_of_work import UnitOfWorkFactory
from libs.observability import get_logger
from services.alarms.evaluation import escalate_overdue, sweep_due
from services.alarms.reminders import announce_due_reminders
from services.alarms.settings import AlarmsSettings

__all__ = ["Sweeper"]

log = get_logger(__name__)


class Sweeper:
    def __init__(
        self,
        *,
        units_of_work: UnitOfWorkFactory,
        settings: AlarmsSettings,
        before_first_sweep: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self._units_of_work = units_of_work
        self._settings = settings
        self._before_first_sweep = before_first_sweep
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._reminders_checked: datetime | None = None

    def wake(self) -> None:
        self._wake.set()

    async def sweep_once(self) -> int:
        """Work through everything due now; returns how many occurrences and alarms it handled."""
        handled = 0
        for step in (sweep_due, escalate_overdue):
            while True:
                async with self._units_of_work() as uow:
                    count = await step(uow, settings=self._settings)
                    await uow.commit()
                handled += count
                if count < self._settings.sweep_batch_size:
                    break
        async with self._units_of_work() as uow:
            now = uow.clock.now()
            every = timedelta(seconds=self._settings.reminder_check_seconds)
            if self._reminders_checked is None or now - self._reminders_checked >= every:
                handled += await announce_due_reminders(uow, settings=self._settings)
                await uow.commit()
                self._reminders_checked = now
        return handled

    async def _run(self) -> None:
        if self._before_first_sweep is not None:
            # A window signed in time while the service was down is unsigned here until the
            # signature's event is read: judged before that, it would be a false MISSED.
            await self._before_first_sweep()
        while True:
            try:
                await self.sweep_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("alarm sweep failed; trying again")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._settings.sweep_interval_seconds)

    async def start(self) -> None:
        # The loop's first pass catches up on windows that ended while the service was down;
        # it runs in the background so a long outage does not hold up start-up and probes.
        self._task = asyncio.create_task(self._run(), name="alarms-sweeper")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
