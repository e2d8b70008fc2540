"""The live alarm feed of one unit over graphql-transport-ws."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime, timedelta

import strawberry

from libs.graphql.errors import Conflict
from services.alarms.access import READ, record_access, require
from services.alarms.domain import AlarmNotFound
from services.alarms.graphql.context import Info
from services.alarms.graphql.errors import translated
from services.alarms.graphql.queries import to_alarm
from services.alarms.graphql.types import AlarmEvent, AlarmEventType
from services.alarms.live import SubscriberTooSlow

__all__ = ["Subscription"]

TOKEN_CHECK_SECONDS = 2.0


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="The unit's alarms as they are raised, updated, acknowledged, escalated."
    )
    async def alarm_events(
        self, info: Info, unit_id: strawberry.ID
    ) -> AsyncGenerator[AlarmEvent, None]:
        principal = await info.context.principal()
        with translated():
            require(
                principal,
                unit_id=unit_id,
                roles=READ,
                missing=AlarmNotFound(f"no unit {unit_id} among yours"),
            )
        every = timedelta(seconds=info.context.settings.live_access_log_seconds)
        logged: dict[str, datetime] = {}
        async with info.context.feed.subscribe(str(unit_id)) as subscriber:
            while True:
                try:
                    item = await subscriber.next(within=TOKEN_CHECK_SECONDS)
                except SubscriberTooSlow as error:
                    raise Conflict(str(error)) from error
                # A feed outlives its token: it ends with UNAUTHENTICATED once the token has
                # expired or its role was revoked, found on the next event or within seconds
                # of quiet, and the client subscribes again with a fresh token.
                principal = await info.context.principal()
                if item is None:
                    continue
                alarm = item.view.alarm
                now = info.context.clock.now()
                last = logged.get(alarm.tenant_id)
                if last is None or now - last >= every:
                    logged[alarm.tenant_id] = now
                    async with info.context.unit_of_work() as uow:
                        await record_access(
                            uow,
                            principal=principal,
                            unit_id=alarm.unit_id,
                            tenant_ids=[alarm.tenant_id],
                            action="alarms.live",
                        )
                        await uow.commit()
                yield AlarmEvent(type=AlarmEventType(item.type), alarm=to_alarm(info, item.view))
