"""Alarms announces reminder e-mails in the unit's local time, once per unit and period."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from libs.clock import FakeClock
from services.alarms.domain.reminders import ReminderKind, reminder_event_id
from services.alarms.events import (
    AssessmentReminderDue,
    EscalationDigestDue,
    IvoReminderDue,
    KvitteringReminderDue,
)
from services.alarms.sweeper import Sweeper
from services.alarms.tables import AlarmRow, DeviationRow, UnitRow
from tests.alarms.conftest import new_id, running_service

# The last Sunday of March 2026 is the 29th: Stockholm goes from UTC+1 to UTC+2.
MONDAY_BEFORE_DST = datetime(2026, 3, 23, tzinfo=UTC)
MONDAY_AFTER_DST = datetime(2026, 3, 30, tzinfo=UTC)


@pytest.fixture
async def service(databases, broker, common_settings, tokens, http):
    clock = FakeClock(datetime(2026, 3, 20, 12, 0, tzinfo=UTC))
    async with running_service(
        url=await databases.create("alarms_reminders"),
        common=common_settings,
        clock=clock,
        tokens=tokens,
        http=http,
        reminder_check_seconds=0,
    ) as running:
        yield running


async def announced(service, event_type: str, unit_id: str) -> list[tuple[str, dict]]:
    tables = service.runtime.definition.tables.messaging
    async with service.runtime.sessions() as session:
        rows = await session.execute(
            select(tables.outbox.c.event_id, tables.outbox.c.data)
            .where(tables.outbox.c.type == event_type)
            .order_by(tables.outbox.c.id)
        )
        return [(event_id, data) for event_id, data in rows if data["unit_id"] == unit_id]


async def open_alarm(service, unit_id: str, *, raised_at: datetime, state: str = "OPEN") -> None:
    async with service.runtime.sessions() as session, session.begin():
        session.add(
            AlarmRow(
                alarm_id=new_id("alarm"),
                unit_id=unit_id,
                occurrence_id=new_id("occ"),
                intervention_id=new_id("int"),
                tenant_id=new_id("tenant"),
                kind="MISSED",
                state=state,
                generation=0,
                raised_at=raised_at,
            )
        )


async def at(service, instant: datetime) -> None:
    """Move the clock and sweep (the service's own sweeper may run at the same time)."""
    service.clock.set(instant)
    await service.sweep()


async def test_weekly_kvittering_reminder_goes_at_eight_local_time_on_either_side_of_dst(service):
    unit_id, quiet_unit = new_id("unit"), new_id("unit")
    await open_alarm(service, unit_id, raised_at=datetime(2026, 3, 20, 9, 0, tzinfo=UTC))
    await open_alarm(service, unit_id, raised_at=datetime(2026, 3, 21, 9, 0, tzinfo=UTC))
    await open_alarm(
        service, quiet_unit, raised_at=datetime(2026, 3, 20, 9, 0, tzinfo=UTC), state="ACKNOWLEDGED"
    )
    kind = KvitteringReminderDue.TYPE

    await at(service, MONDAY_BEFORE_DST + timedelta(hours=6, minutes=59))  # 07:59 CET
    assert await announced(service, kind, unit_id) == []
    await at(service, MONDAY_BEFORE_DST + timedelta(hours=7))  # 08:00 CET
    [(event_id, data)] = await announced(service, kind, unit_id)
    assert data == {
        "unit_id": unit_id,
        "week": "2026-W13",
        "open_count": 2,
        "overdue_count": 0,
        "oldest_open_days": 2,
    }
    assert event_id == reminder_event_id(
        ReminderKind.KVITTERING, unit_id=unit_id, period="2026-W13"
    )
    await at(service, MONDAY_BEFORE_DST + timedelta(hours=9))
    assert len(await announced(service, kind, unit_id)) == 1, "once a week"

    await at(service, MONDAY_AFTER_DST + timedelta(hours=5, minutes=59))  # 07:59 CEST
    assert len(await announced(service, kind, unit_id)) == 1
    await at(service, MONDAY_AFTER_DST + timedelta(hours=6))  # 08:00 CEST
    [_, (_, after)] = await announced(service, kind, unit_id)
    assert (after["week"], after["open_count"], after["overdue_count"]) == ("2026-W14", 2, 2)
    assert await announced(service, kind, quiet_unit) == [], "nothing open, no reminder"


async def test_escalation_digest_waits_for_the_morning_and_goes_once_a_local_day(service):
    unit_id = new_id("unit")
    async with service.runtime.sessions() as session, session.begin():
        session.add(UnitRow(unit_id=unit_id, timezone="Europe/Helsinki"))  # UTC+2 in March
    await open_alarm(service, unit_id, raised_at=datetime(2026, 3, 15, 23, 0, tzinfo=UTC))
    kind = EscalationDigestDue.TYPE

    await at(service, datetime(2026, 3, 23, 1, 0, tzinfo=UTC))  # 03:00 local: escalated
    async with service.runtime.sessions() as session:
        escalated = await session.scalar(
            select(AlarmRow.escalated_at).where(AlarmRow.unit_id == unit_id)
        )
    assert escalated is not None
    assert await announced(service, kind, unit_id) == [], "not at night"
    await at(service, datetime(2026, 3, 23, 5, 0, tzinfo=UTC))  # 07:00 local
    [(_, first)] = await announced(service, kind, unit_id)
    assert first == {
        "unit_id": unit_id,
        "local_date": "2026-03-23",
        "escalated_count": 1,
        "open_count": 1,
        "overdue_count": 1,
    }

    # Escalated later the same day: in tomorrow's digest, not in a second one today.
    await open_alarm(service, unit_id, raised_at=datetime(2026, 3, 16, 6, 0, tzinfo=UTC))
    await at(service, datetime(2026, 3, 23, 8, 0, tzinfo=UTC))
    assert len(await announced(service, kind, unit_id)) == 1
    await at(service, datetime(2026, 3, 24, 5, 0, tzinfo=UTC))
    [_, (_, second)] = await announced(service, kind, unit_id)
    assert (second["local_date"], second["escalated_count"], second["open_count"]) == (
        "2026-03-24",
        1,
        2,
    )
    await at(service, datetime(2026, 3, 25, 5, 0, tzinfo=UTC))
    assert len(await announced(service, kind, unit_id)) == 2, "nothing newly escalated"


async def test_two_sweepers_and_a_restarted_one_announce_a_reminder_once(service):
    unit_id = new_id("unit")
    await open_alarm(service, unit_id, raised_at=datetime(2026, 3, 21, 9, 0, tzinfo=UTC))
    service.clock.set(MONDAY_BEFORE_DST + timedelta(hours=7))
    replicas = [
        Sweeper(units_of_work=service.runtime.unit_of_work, settings=service.settings)
        for _ in range(2)
    ]
    await asyncio.gather(*(replica.sweep_once() for replica in replicas), service.sweep())
    assert len(await announced(service, KvitteringReminderDue.TYPE, unit_id)) == 1

    restarted = Sweeper(units_of_work=service.runtime.unit_of_work, settings=service.settings)
    await restarted.sweep_once()
    assert len(await announced(service, KvitteringReminderDue.TYPE, unit_id)) == 1


async def deviation(service, unit_id: str, *, reported_at: datetime, **assessed) -> str:
    deviation_id = new_id("dev")
    async with service.runtime.sessions() as session, session.begin():
        session.add(
            DeviationRow(
                deviation_id=deviation_id,
                alarm_id=new_id("alarm"),
                unit_id=unit_id,
                occurrence_id=new_id("occ"),
                intervention_id=new_id("int"),
                tenant_id=new_id("tenant"),
                signing_history=[],
                description="Ej utförd",
                reported_by=new_id("admin"),
                reported_at=reported_at,
                **assessed,
            )
        )
    return deviation_id


async def test_deviations_waiting_for_assessment_are_reminded_of_each_morning(service):
    unit_id, assessed_unit = new_id("unit"), new_id("unit")
    # Before the deviations exist: at the fixture's 13:00 local the service's own sweeper
    # would rightly remind of them for that day, racing the first assertion.
    service.clock.set(datetime(2026, 3, 21, 6, 59, tzinfo=UTC))
    await deviation(service, unit_id, reported_at=datetime(2026, 3, 20, 9, 0, tzinfo=UTC))
    await deviation(
        service,
        assessed_unit,
        reported_at=datetime(2026, 3, 20, 9, 0, tzinfo=UTC),
        lex_sarah=False,
        motivation="Ingen risk",
        assessed_by=new_id("manager"),
        assessed_at=datetime(2026, 3, 20, 10, 0, tzinfo=UTC),
    )
    kind = AssessmentReminderDue.TYPE
    await at(service, datetime(2026, 3, 21, 6, 59, tzinfo=UTC))  # 07:59 CET
    assert await announced(service, kind, unit_id) == []
    await at(service, datetime(2026, 3, 21, 7, 0, tzinfo=UTC))
    await at(service, datetime(2026, 3, 21, 15, 0, tzinfo=UTC))
    [(_, data)] = await announced(service, kind, unit_id)
    assert data == {
        "unit_id": unit_id,
        "local_date": "2026-03-21",
        "waiting_count": 1,
        "oldest_waiting_days": 0,
    }
    await at(service, datetime(2026, 3, 22, 7, 0, tzinfo=UTC))
    assert [d["local_date"] for _, d in await announced(service, kind, unit_id)] == [
        "2026-03-21",
        "2026-03-22",
    ]
    assert await announced(service, kind, assessed_unit) == []


async def test_a_lex_sarah_case_is_reminded_of_once_three_days_before_its_ivo_date(service):
    unit_id = new_id("unit")
    deviation_id = await deviation(
        service,
        unit_id,
        reported_at=datetime(2026, 3, 20, 9, 0, tzinfo=UTC),
        lex_sarah=True,
        motivation="Risk för allvarligt missförhållande",
        assessed_by=new_id("manager"),
        assessed_at=datetime(2026, 3, 20, 10, 0, tzinfo=UTC),
        report_to_ivo_by=date(2026, 3, 27),
    )
    kind = IvoReminderDue.TYPE
    await at(service, datetime(2026, 3, 23, 12, 0, tzinfo=UTC))  # four days before
    assert await announced(service, kind, unit_id) == []
    await at(service, datetime(2026, 3, 24, 7, 0, tzinfo=UTC))  # three days before, 08:00
    await at(service, datetime(2026, 3, 25, 7, 0, tzinfo=UTC))
    [(_, data)] = await announced(service, kind, unit_id)
    assert data == {"unit_id": unit_id, "deviation_id": deviation_id, "report_by": "2026-03-27"}
