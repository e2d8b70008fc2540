"""The live feed: alarm events from every replica, fanned out to this replica's subscribers.

A `LiveListener` reads ``alarms.events`` from its end (every replica sees every event, so an
alarm raised elsewhere reaches the subscribers here too). Each event is looked up once and
offered to the bounded queue of every subscriber of that unit; a subscriber that falls
that far behind is cut off rather than letting memory grow, and reconnects to refetch.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from libs.database import SessionFactory
from libs.messaging.envelope import CloudEvent
from libs.messaging.kafka import LiveListener
from libs.observability import get_logger
from services.alarms import repository
from services.alarms.events import (
    TOPIC,
    AlarmAcknowledged,
    AlarmEscalated,
    AlarmRaised,
    AlarmUpdated,
)
from services.alarms.repository import AlarmView

__all__ = ["EVENT_TYPES", "AlarmFeed", "FeedItem", "SubscriberTooSlow"]

log = get_logger(__name__)

EVENT_TYPES = {
    AlarmRaised.TYPE: "RAISED",
    AlarmUpdated.TYPE: "UPDATED",
    AlarmAcknowledged.TYPE: "ACKNOWLEDGED",
    AlarmEscalated.TYPE: "ESCALATED",
}


class SubscriberTooSlow(Exception):
    """The subscriber's queue overflowed; it must reconnect (and refetch what it missed)."""


@dataclass(frozen=True)
class FeedItem:
    type: str
    view: AlarmView


_CUT_OFF = object()
_BATCH = 500
_BACKLOG = 10_000


class _Subscriber:
    def __init__(self, size: int) -> None:
        self.queue: asyncio.Queue[object] = asyncio.Queue(maxsize=size)
        self.cut_off = False

    def offer(self, item: FeedItem) -> None:
        if self.cut_off:
            return
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.cut_off = True
            # Make room for the marker so the waiting reader wakes up and ends.
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
            self.queue.put_nowait(_CUT_OFF)

    async def next(self, *, within: float) -> FeedItem | None:
        """The next item, or None if none came within ``within`` seconds."""
        try:
            # A timeout scope, not wait_for: no task made for every event of the feed.
            async with asyncio.timeout(within):
                item = await self.queue.get()
        except TimeoutError:
            return None
        if item is _CUT_OFF or not isinstance(item, FeedItem):
            raise SubscriberTooSlow("the live feed fell behind; subscribe again")
        return item


class AlarmFeed:
    def __init__(self, *, sessions: SessionFactory, queue_size: int) -> None:
        self._sessions = sessions
        self._queue_size = queue_size
        self._subscribers: dict[str, set[_Subscriber]] = {}
        self._pending: asyncio.Queue[tuple[str, str]] = asyncio.Queue(maxsize=_BACKLOG)
        self._listener: LiveListener | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @contextlib.asynccontextmanager
    async def subscribe(self, unit_id: str) -> AsyncIterator[_Subscriber]:
        subscriber = _Subscriber(self._queue_size)
        self._subscribers.setdefault(unit_id, set()).add(subscriber)
        try:
            yield subscriber
        finally:
            members = self._subscribers.get(unit_id)
            if members is not None:
                members.discard(subscriber)
                if not members:
                    del self._subscribers[unit_id]

    async def on_event(self, event: CloudEvent) -> None:
        kind = EVENT_TYPES.get(event.type)
        if kind is None:
            return
        unit_id = str(event.data.get("unit_id", ""))
        if not self._subscribers.get(unit_id):
            return
        # The listener only queues; `_deliver` looks alarms up in batches, so a burst costs
        # a few queries rather than a few per event, and the listener never waits on them.
        try:
            self._pending.put_nowait((kind, str(event.data.get("alarm_id", ""))))
        except asyncio.QueueFull:
            log.warning("live feed backlog full; an alarm event was not pushed live")

    async def _deliver(self) -> None:
        while True:
            batch = [await self._pending.get()]
            while not self._pending.empty() and len(batch) < _BATCH:
                batch.append(self._pending.get_nowait())
            try:
                async with self._sessions() as session:
                    views = {
                        view.alarm.alarm_id: view
                        for view in await repository.alarm_views(
                            session,
                            await repository.find_alarms(session, [a for _, a in batch]),
                        )
                    }
            except Exception:
                # One unreadable moment must not stop the feed for everyone.
                log.exception("live feed could not load alarms", count=len(batch))
                continue
            for kind, alarm_id in batch:
                view = views.get(alarm_id)
                if view is None:
                    continue
                for subscriber in list(self._subscribers.get(view.alarm.unit_id, ())):
                    subscriber.offer(FeedItem(type=kind, view=view))

    async def start(self, *, bootstrap_servers: str) -> None:
        listener = LiveListener(
            bootstrap_servers=bootstrap_servers, topic=TOPIC, on_event=self.on_event
        )
        await listener.start()
        self._listener = listener
        self._tasks = [
            asyncio.create_task(listener.run(), name="alarms-live-listener"),
            asyncio.create_task(self._deliver(), name="alarms-live-delivery"),
        ]

    async def stop(self) -> None:
        if self._listener is not None:
            await self._listener.stop()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
