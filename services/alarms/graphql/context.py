"""What the alarms resolvers reach beyond the shared context: settings and the live feed."""

from __future__ import annotations

from typing import Any, TypeAlias

import strawberry
from strawberry.dataloader import DataLoader

from libs.graphql.context import ServiceContext
from libs.runtime import ServiceRuntime
from services.alarms.live import AlarmFeed
from services.alarms.settings import AlarmsSettings

__all__ = ["AlarmsContext", "Info"]


class AlarmsContext(ServiceContext):
    def __init__(
        self, *, runtime: ServiceRuntime, settings: AlarmsSettings, feed: AlarmFeed
    ) -> None:
        super().__init__(runtime=runtime)
        self.settings = settings
        self.feed = feed
        # Occurrence.alarms for a whole worklist in one go, made on first use in the request.
        self.occurrence_alarms: DataLoader[str, Any] | None = None
        # Follow-up notes of every alarm and deviation in the response, likewise.
        self.follow_up_notes: DataLoader[tuple[str, str], Any] | None = None


Info: TypeAlias = strawberry.Info[AlarmsContext, None]
