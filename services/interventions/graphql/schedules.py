"""The schedule as clients give it, as the subgraph shows it, and its previewed windows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from sqlalchemy import Row

from services.interventions import domain, handlers
from services.interventions.scheduling import starts_of
from services.interventions.tables import InterventionRow

__all__ = ["PlannedWindow", "Schedule", "ScheduleInput"]


@strawberry.input(
    description="Which days (an RRULE that only chooses days) and the windows on each: give "
    "windowStart for one window a day, or windowStarts for several."
)
class ScheduleInput:
    rrule: str = "FREQ=DAILY"
    window_start: str | None = strawberry.field(
        default=None,
        description='Local wall time "HH:MM" of the one window. With windowStarts it may be '
        "left out; if given, it must be the earliest of them.",
    )
    window_minutes: int
    window_starts: list[str] | None = strawberry.field(
        default=None,
        description='Local wall times "HH:MM", each the start of a window of its own (at most '
        f"{domain.MAX_WINDOWS_PER_DAY}, no two alike; any order, kept sorted). Windows must not "
        "overlap, nor the day's last the next day's first.",
    )

    def to_command(self) -> handlers.ScheduleInput:
        return handlers.ScheduleInput(
            rrule=self.rrule,
            window_start=self.window_start,
            window_starts=tuple(self.window_starts) if self.window_starts is not None else None,
            window_minutes=self.window_minutes,
        )


@strawberry.type
class Schedule:
    rrule: str
    window_start: str = strawberry.field(
        description='Local wall time "HH:MM" of the unit: the first window\'s start.'
    )
    window_minutes: int
    window_starts: list[str] = strawberry.field(
        description='Every window\'s start "HH:MM", sorted; one element for one window a day.'
    )

    @classmethod
    def of(cls, row: InterventionRow | Row[Any]) -> Schedule | None:
        starts = starts_of(row.window_start, row.window_starts)
        if row.rrule is None or not starts or not row.window_minutes:
            return None
        return cls(
            rrule=row.rrule,
            window_start=starts[0],
            window_minutes=row.window_minutes,
            window_starts=list(starts),
        )


@strawberry.type(description="A window a schedule would have: [start, end) on localDate.")
class PlannedWindow:
    start: datetime
    end: datetime
    local_date: date = strawberry.field(description="The unit's local date the window starts on.")

    @classmethod
    def of(cls, window: domain.Window) -> PlannedWindow:
        return cls(start=window.start, end=window.end, local_date=window.local_date)
