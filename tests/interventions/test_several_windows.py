"""Several windows a day (home care's tillsyn at 08:00, 13:00 and 21:00): one intervention,
each window its own occurrence, scheduled, rescheduled and announced like any other."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from services.interventions.events import OccurrenceScheduled
from tests.interventions.conftest import new_intervention, new_tenant, read_topic

UPDATE = """mutation($input: UpdateInterventionScheduleInput!) {
  updateInterventionSchedule(input: $input) {
    schedule { windowStart windowStarts windowMinutes }
    history { change details } } }"""
SCHEDULE = """query($id: ID!) { intervention(id: $id) {
  schedule { rrule windowStart windowMinutes windowStarts } } }"""


def local(rows):
    return [
        (r.local_date.day, r.window_start.strftime("%H:%M"), r.state, r.cancel_reason)
        for r in sorted(rows, key=lambda r: (r.window_start, r.state))
    ]


async def test_three_window_starts_make_three_occurrences_a_day_each_announced(service, broker):
    tenant = await new_tenant(service.admin)
    intervention = await new_intervention(
        service.admin, tenant, starts=["21:00", "08:00", "13:00"], minutes=30, confirm=service.admin
    )
    assert (await service.staff(SCHEDULE, {"id": intervention}))["intervention"]["schedule"] == {
        "rrule": "FREQ=DAILY",
        "windowStart": "08:00",
        "windowMinutes": 30,
        "windowStarts": ["08:00", "13:00", "21:00"],
    }
    rows = await service.occurrences(intervention_id=intervention)
    # 07:00 local now: today's three windows and those of the two days ahead (UTC = local - 1).
    assert [(r.local_date.day, r.window_start.hour) for r in rows] == [
        (day, hour) for day in (10, 11, 12) for hour in (7, 12, 20)
    ]
    assert rows[1].window_start == datetime(2026, 2, 10, 12, 0, tzinfo=UTC)
    assert rows[1].window_end == datetime(2026, 2, 10, 12, 30, tzinfo=UTC)
    assert await service.scheduler.run_once() == 0
    service.clock.advance(timedelta(days=1))
    assert await service.scheduler.run_once() == 3

    messages = await read_topic(broker.bootstrap_servers, "interventions.events", at_least=14)
    scheduled = [d for kind, d in messages if kind == OccurrenceScheduled.TYPE]
    assert len(scheduled) == 12
    assert {d["occurrence_id"] for d in scheduled} == {
        r.id for r in await service.occurrences(intervention_id=intervention)
    }


async def test_a_new_list_reschedules_the_windows_not_started_and_keeps_the_rest(service):
    tenant = await new_tenant(service.admin)
    intervention = await new_intervention(
        service.admin, tenant, starts=["08:00", "13:00", "21:00"], minutes=30, confirm=service.admin
    )
    service.clock.set(datetime(2026, 2, 10, 12, 10, tzinfo=UTC))  # 13:10: the 13:00 window runs
    data = await service.admin(
        UPDATE,
        {
            "input": {
                "interventionId": intervention,
                "schedule": {
                    "windowStart": "08:00",
                    "windowStarts": ["14:00", "08:00", "21:00"],
                    "windowMinutes": 30,
                },
            }
        },
    )
    changed = data["updateInterventionSchedule"]
    assert changed["schedule"] == {
        "windowStart": "08:00",
        "windowStarts": ["08:00", "14:00", "21:00"],
        "windowMinutes": 30,
    }
    change = changed["history"][-1]["details"]
    assert change["before"]["windowStarts"] == ["08:00", "13:00", "21:00"]
    assert change["after"]["windowStarts"] == ["08:00", "14:00", "21:00"]
    rows = local(await service.occurrences(intervention_id=intervention))
    today = [r for r in rows if r[0] == 10]
    assert today == [
        (10, "07:00", "SCHEDULED", None),  # over: kept
        (10, "12:00", "SCHEDULED", None),  # in progress: kept
        (10, "13:00", "SCHEDULED", None),  # 14:00 local, new
        (10, "20:00", "SCHEDULED", None),  # unchanged window: the same occurrence
    ]
    tomorrow = [r for r in rows if r[0] == 11]
    assert tomorrow == [
        (11, "07:00", "SCHEDULED", None),
        (11, "12:00", "CANCELLED", "CHANGED"),
        (11, "13:00", "SCHEDULED", None),
        (11, "20:00", "SCHEDULED", None),
    ]
    assert await service.scheduler.run_once() == 0


async def test_one_window_start_changed_into_several_keeps_the_matching_window(service):
    tenant = await new_tenant(service.admin)
    intervention = await new_intervention(
        service.admin, tenant, start="21:00", minutes=30, confirm=service.admin
    )
    before = {r.window_start: r.id for r in await service.occurrences(intervention_id=intervention)}
    await service.admin(
        UPDATE,
        {
            "input": {
                "interventionId": intervention,
                "schedule": {"windowStarts": ["21:00", "08:00"], "windowMinutes": 30},
            }
        },
    )
    after = {
        r.window_start: r.id
        for r in await service.occurrences(intervention_id=intervention, state="SCHEDULED")
    }
    assert len(after) == 6
    assert all(after[start] == id_ for start, id_ in before.items())


async def test_several_windows_on_the_dst_nights(service):
    tenant = await new_tenant(service.admin)
    service.clock.set(datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    night = await new_intervention(
        service.admin, tenant, starts=["02:30", "12:00"], confirm=service.admin
    )
    rows = await service.occurrences(intervention_id=night, local_date=date(2026, 3, 29))
    assert [r.window_start for r in rows] == [
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # 02:30 does not exist: 03:30 CEST
        datetime(2026, 3, 29, 10, 0, tzinfo=UTC),  # 12:00 CEST
    ]
    service.clock.set(datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    await service.scheduler.run_once()
    rows = await service.occurrences(intervention_id=night, local_date=date(2026, 10, 25))
    assert [r.window_start for r in rows] == [
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # the first 02:30 (CEST)
        datetime(2026, 10, 25, 11, 0, tzinfo=UTC),  # 12:00 CET
    ]
