"""When a unit's people are due a reminder e-mail, judged in the unit's own local time.

Each reminder has a *period*: the local date (the escalation digest, deviations waiting for
assessment), the ISO week (the kvittering duty) or the deviation (its IVO date). Nothing is
announced twice for one kind, unit and period; these functions name the period that is due
now, or None when it is not (yet) time.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

__all__ = [
    "ReminderKind",
    "daily_period",
    "digest_period",
    "ivo_period",
    "reminder_event_id",
    "weekly_period",
    "whole_days",
]

_NAMESPACE = uuid.UUID("5d0c8f4e-3b7a-4c1e-9a55-2f6b1d7e9c10")


class ReminderKind(StrEnum):
    ESCALATION_DIGEST = "ESCALATION_DIGEST"
    KVITTERING = "KVITTERING"
    ASSESSMENT = "ASSESSMENT"
    IVO = "IVO"


def digest_period(now: datetime, zone: ZoneInfo, *, hour: int) -> str | None:
    """Today's local date from ``hour`` on: night-time escalations wait for the morning."""
    local = now.astimezone(zone)
    return local.date().isoformat() if local.hour >= hour else None


def weekly_period(now: datetime, zone: ZoneInfo, *, weekday: int, hour: int) -> str | None:
    """The ISO week, on its ``weekday`` (1 = Monday) from ``hour`` on; a sweeper that was down
    at the hour catches up later the same day."""
    local = now.astimezone(zone)
    if local.isoweekday() != weekday or local.hour < hour:
        return None
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def daily_period(
    now: datetime, zone: ZoneInfo, *, weekdays: Collection[int], hour: int
) -> str | None:
    local = now.astimezone(zone)
    if local.isoweekday() not in weekdays or local.hour < hour:
        return None
    return local.date().isoformat()


def ivo_period(
    now: datetime,
    zone: ZoneInfo,
    *,
    deviation_id: str,
    report_by: date,
    days_before: int,
    hour: int,
) -> str | None:
    """Due from ``days_before`` the IVO date until the date itself; an assessment recorded
    later than that is past reminding (the manager has just set the date)."""
    local = now.astimezone(zone)
    today = local.date()
    if local.hour < hour or not report_by - timedelta(days=days_before) <= today <= report_by:
        return None
    return deviation_id


def whole_days(since: datetime, now: datetime) -> int:
    return max(0, (now - since) // timedelta(days=1))


def reminder_event_id(kind: ReminderKind, *, unit_id: str, period: str) -> str:
    """The same reminder always has the same event id, whichever replica announces it."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind.value}/{unit_id}/{period}"))
