"""Announcing reminder e-mails: the sweeper asks, every ``reminder_check_seconds``, what is due.

Alarms decides *when* (it has the alarms, the clock and the units' timezones); identity decides
*whom* and sends (it has the people, their roles and the SMTP path). Each announcement is a
`ReminderRow` and an event in the outbox, written in one transaction; the row's key (kind,
unit, period) makes a second replica's or a restarted sweeper's attempt a no-op, and the event
id is derived from the same key, so even an announcement written twice would be one to its
consumers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Table, and_, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from libs.database import dialect_name, insert_ignoring_conflicts
from libs.messaging.envelope import DomainEvent
from libs.messaging.unit_of_work import UnitOfWork
from services.alarms.domain.model import AlarmState
from services.alarms.domain.reminders import (
    ReminderKind,
    daily_period,
    digest_period,
    ivo_period,
    reminder_event_id,
    weekly_period,
    whole_days,
)
from services.alarms.events import (
    AssessmentReminderDue,
    EscalationDigestDue,
    IvoReminderDue,
    KvitteringReminderDue,
)
from services.alarms.settings import AlarmsSettings
from services.alarms.tables import AlarmRow, DeviationRow, ReminderRow, UnitRow

__all__ = ["announce_due_reminders"]


@dataclass(frozen=True)
class _Due:
    kind: ReminderKind
    unit_id: str
    period: str
    event: DomainEvent


@dataclass(frozen=True)
class _OpenAlarms:
    count: int
    overdue: int
    oldest: datetime


async def announce_due_reminders(uow: UnitOfWork, *, settings: AlarmsSettings) -> int:
    """Announce what has become due and was not announced before; returns how many."""
    now = uow.clock.now()
    session = uow.session
    zones = _Zones(await _unit_zones(session), default=settings.default_timezone)
    open_alarms = await _open_alarms(session, overdue_before=now - settings.overdue_after)
    due: list[_Due] = []

    for unit_id, escalated in (await _escalated_since_last_digest(session)).items():
        period = digest_period(now, zones[unit_id], hour=settings.digest_hour)
        stats = open_alarms.get(unit_id)
        if period is None or stats is None:
            continue
        digest = EscalationDigestDue(
            unit_id=unit_id,
            local_date=now.astimezone(zones[unit_id]).date(),
            escalated_count=escalated,
            open_count=stats.count,
            overdue_count=stats.overdue,
        )
        due.append(_Due(ReminderKind.ESCALATION_DIGEST, unit_id, period, digest))

    for unit_id, stats in open_alarms.items():
        period = weekly_period(
            now, zones[unit_id], weekday=settings.reminder_weekday, hour=settings.reminder_hour
        )
        if period is None:
            continue
        weekly = KvitteringReminderDue(
            unit_id=unit_id,
            week=period,
            open_count=stats.count,
            overdue_count=stats.overdue,
            oldest_open_days=whole_days(stats.oldest, now),
        )
        due.append(_Due(ReminderKind.KVITTERING, unit_id, period, weekly))

    for unit_id, (waiting, oldest) in (await _waiting_for_assessment(session)).items():
        period = daily_period(
            now,
            zones[unit_id],
            weekdays=settings.assessment_reminder_weekdays,
            hour=settings.reminder_hour,
        )
        if period is None:
            continue
        assessment = AssessmentReminderDue(
            unit_id=unit_id,
            local_date=now.astimezone(zones[unit_id]).date(),
            waiting_count=waiting,
            oldest_waiting_days=whole_days(oldest, now),
        )
        due.append(_Due(ReminderKind.ASSESSMENT, unit_id, period, assessment))

    horizon = now.date() + timedelta(days=settings.ivo_reminder_days_before + 1)
    since = now.date() - timedelta(days=1)
    for deviation in await _lex_sarah_cases(session, since=since, until=horizon):
        assert deviation.report_to_ivo_by is not None
        period = ivo_period(
            now,
            zones[deviation.unit_id],
            deviation_id=deviation.deviation_id,
            report_by=deviation.report_to_ivo_by,
            days_before=settings.ivo_reminder_days_before,
            hour=settings.reminder_hour,
        )
        if period is None:
            continue
        ivo = IvoReminderDue(
            unit_id=deviation.unit_id,
            deviation_id=deviation.deviation_id,
            report_by=deviation.report_to_ivo_by,
        )
        due.append(_Due(ReminderKind.IVO, deviation.unit_id, period, ivo))

    return await _announce(uow, await _not_announced(session, due), now=now)


class _Zones:
    def __init__(self, names: dict[str, str], *, default: str) -> None:
        self._names = names
        self._default = default
        self._zones: dict[str, ZoneInfo] = {}

    def __getitem__(self, unit_id: str) -> ZoneInfo:
        name = self._names.get(unit_id, self._default)
        if name not in self._zones:
            try:
                self._zones[name] = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                self._zones[name] = ZoneInfo(self._default)
        return self._zones[name]


async def _unit_zones(session: AsyncSession) -> dict[str, str]:
    rows = await session.execute(select(UnitRow.unit_id, UnitRow.timezone))
    return {unit_id: timezone for unit_id, timezone in rows}


async def _open_alarms(
    session: AsyncSession, *, overdue_before: datetime
) -> dict[str, _OpenAlarms]:
    rows = await session.execute(
        select(
            AlarmRow.unit_id,
            func.count(),
            func.count().filter(AlarmRow.raised_at < overdue_before),
            func.min(AlarmRow.raised_at),
        )
        .where(AlarmRow.state == AlarmState.OPEN.value)
        .group_by(AlarmRow.unit_id)
    )
    return {
        unit_id: _OpenAlarms(count=count, overdue=overdue, oldest=oldest)
        for unit_id, count, overdue, oldest in rows
    }


async def _escalated_since_last_digest(session: AsyncSession) -> dict[str, int]:
    """Open alarms escalated after the unit's last digest (all escalated open ones before the
    first): one acknowledged in the meantime needs nobody's attention any more."""
    last = (
        select(ReminderRow.unit_id, func.max(ReminderRow.emitted_at).label("emitted_at"))
        .where(ReminderRow.kind == ReminderKind.ESCALATION_DIGEST.value)
        .group_by(ReminderRow.unit_id)
        .subquery()
    )
    rows = await session.execute(
        select(AlarmRow.unit_id, func.count())
        .outerjoin(last, last.c.unit_id == AlarmRow.unit_id)
        .where(
            AlarmRow.state == AlarmState.OPEN.value,
            AlarmRow.escalated_at.is_not(None),
            or_(last.c.emitted_at.is_(None), AlarmRow.escalated_at > last.c.emitted_at),
        )
        .group_by(AlarmRow.unit_id)
    )
    return {unit_id: count for unit_id, count in rows}


async def _waiting_for_assessment(session: AsyncSession) -> dict[str, tuple[int, datetime]]:
    rows = await session.execute(
        select(DeviationRow.unit_id, func.count(), func.min(DeviationRow.reported_at))
        .where(DeviationRow.assessed_at.is_(None))
        .group_by(DeviationRow.unit_id)
    )
    return {unit_id: (count, oldest) for unit_id, count, oldest in rows}


async def _lex_sarah_cases(
    session: AsyncSession, *, since: date, until: date
) -> Sequence[DeviationRow]:
    # UTC dates a day wider than any unit's local date: `ivo_period` judges locally.
    return (
        (
            await session.execute(
                select(DeviationRow).where(
                    DeviationRow.lex_sarah.is_(True),
                    and_(
                        DeviationRow.report_to_ivo_by >= since,
                        DeviationRow.report_to_ivo_by <= until,
                    ),
                )
            )
        )
        .scalars()
        .all()
    )


async def _not_announced(session: AsyncSession, due: list[_Due]) -> list[_Due]:
    """Drop what was announced before, with one read instead of an insert attempt each."""
    if not due:
        return []
    announced: set[tuple[str, str, str]] = set()
    key = tuple_(ReminderRow.kind, ReminderRow.unit_id, ReminderRow.period)
    for offset in range(0, len(due), 500):
        chunk = due[offset : offset + 500]
        rows = await session.execute(
            select(ReminderRow.kind, ReminderRow.unit_id, ReminderRow.period).where(
                key.in_([(d.kind.value, d.unit_id, d.period) for d in chunk])
            )
        )
        announced.update((kind, unit_id, period) for kind, unit_id, period in rows)
    return [d for d in due if (d.kind.value, d.unit_id, d.period) not in announced]


async def _announce(uow: UnitOfWork, due: list[_Due], *, now: datetime) -> int:
    statement = insert_ignoring_conflicts(
        cast(Table, ReminderRow.__table__), dialect_name=dialect_name(uow.session)
    )
    announced = 0
    for reminder in due:
        event_id = reminder_event_id(
            reminder.kind, unit_id=reminder.unit_id, period=reminder.period
        )
        result = await uow.session.execute(
            statement,
            {
                "kind": reminder.kind.value,
                "unit_id": reminder.unit_id,
                "period": reminder.period,
                "event_id": event_id,
                "emitted_at": now,
            },
        )
        # Another replica's row (committed while this one waited on the key) wins.
        if result.rowcount == 1:  # type: ignore[attr-defined]
            await uow.emit(reminder.event, event_id=event_id)
            announced += 1
    return announced
