"""Occurrences through the running service: anchoring, life cycle, DST, horizon, catch-up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from libs.messaging.envelope import decode_data
from services.interventions.events import (
    InterventionActivated,
    OccurrenceCancelled,
    OccurrenceScheduled,
)
from services.interventions.tables import InterventionRow
from tests.interventions.conftest import (
    CONFIRM,
    START,
    UNIT,
    WORKLIST,
    new_intervention,
    new_tenant,
    read_topic,
)
from tests.support.waiting import eventually

PAUSE = """mutation($id: ID!, $r: String!) { pauseIntervention(interventionId: $id, reason: $r) {
  state stateReason } }"""
RESUME = """mutation($id: ID!) { resumeIntervention(interventionId: $id) { state } }"""
END = """mutation($id: ID!, $r: String!) { endIntervention(interventionId: $id, reason: $r) {
  state history { change changedBy details } } }"""


def live(rows):
    return [r for r in rows if r.state == "SCHEDULED"]


async def test_draft_schedules_nothing_and_confirming_schedules_the_horizon_on_the_broker(
    service, broker
):
    tenant = await new_tenant(service.admin)
    intervention = await new_intervention(service.admin, tenant)
    await service.scheduler.run_once()
    assert await service.occurrences() == []

    confirmed = await service.admin(CONFIRM, {"id": intervention})
    assert confirmed["confirmPlanAnchoring"]["state"] == "ACTIVE"
    assert confirmed["confirmPlanAnchoring"]["anchoredBy"] == "u-admin"

    rows = await service.occurrences()
    # 07:00 local now: today's 08:00 window plus the next two days.
    assert [r.local_date for r in rows] == [date(2026, 2, 10), date(2026, 2, 11), date(2026, 2, 12)]
    assert rows[0].window_start == datetime(2026, 2, 10, 7, 0, tzinfo=UTC)
    assert rows[0].window_end == datetime(2026, 2, 10, 8, 0, tzinfo=UTC)

    messages = await read_topic(broker.bootstrap_servers, "interventions.events", at_least=4)
    scheduled = [data for kind, data in messages if kind == OccurrenceScheduled.TYPE]
    assert {d["occurrence_id"] for d in scheduled} == {r.id for r in rows}
    assert scheduled[0]["intervention_id"] == intervention
    assert scheduled[0]["unit_id"] == UNIT
    assert scheduled[0]["prn"] is False
    assert all("Astrid" not in str(data) for _, data in messages)


async def test_scheduler_run_twice_adds_nothing_the_second_time(service):
    tenant = await new_tenant(service.admin)
    await new_intervention(service.admin, tenant, confirm=service.admin)
    before = await service.occurrences()
    assert await service.scheduler.run_once() == 0
    assert await service.scheduler.run_once() == 0
    assert [r.id for r in await service.occurrences()] == [r.id for r in before]
    service.clock.advance(timedelta(days=1))
    assert await service.scheduler.run_once() == 1  # the horizon moved by one day
    assert await service.scheduler.run_once() == 0


async def test_worklist_lists_the_days_windows_in_order_with_tenant_and_intervention(service):
    tenant = await new_tenant(service.admin, name="Bertil")
    late = await new_intervention(service.admin, tenant, start="20:00", confirm=service.admin)
    early = await new_intervention(service.admin, tenant, start="09:00", confirm=service.admin)
    data = await service.staff(WORKLIST, {"unit": UNIT})
    items = data["worklist"]
    assert [i["intervention"]["id"] for i in items] == [early, late]
    assert items[0]["tenant"] == {"id": tenant, "name": "Bertil"}
    assert items[0]["localDate"] == "2026-02-10"
    assert items[0]["windowStart"] == "2026-02-10T08:00:00+00:00"
    other_day = await service.staff(WORKLIST, {"unit": UNIT, "date": "2026-02-12"})
    assert len(other_day["worklist"]) == 2


async def test_window_crossing_midnight_and_weekly_rule(service):
    tenant = await new_tenant(service.admin)
    night = await new_intervention(
        service.admin, tenant, start="22:00", minutes=240, confirm=service.admin
    )
    weekly = await new_intervention(
        service.admin,
        tenant,
        start="10:00",
        rrule="FREQ=WEEKLY;BYDAY=MO,WE,FR",
        confirm=service.admin,
    )
    nights = await service.occurrences(intervention_id=night)
    assert nights[0].window_start == datetime(2026, 2, 10, 21, 0, tzinfo=UTC)
    assert nights[0].window_end == datetime(2026, 2, 11, 1, 0, tzinfo=UTC)
    # Tuesday 10th .. Thursday 12th: only Wednesday.
    assert [r.local_date for r in await service.occurrences(intervention_id=weekly)] == [
        date(2026, 2, 11)
    ]


async def test_dst_windows_on_spring_forward_and_fall_back_days(service):
    tenant = await new_tenant(service.admin)
    service.clock.set(datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    intervention = await new_intervention(
        service.admin, tenant, start="02:30", minutes=30, confirm=service.admin
    )
    spring = await service.occurrences(intervention_id=intervention, local_date=date(2026, 3, 29))
    assert spring[0].window_start == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST

    service.clock.set(datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    await service.scheduler.run_once()
    autumn = await service.occurrences(intervention_id=intervention, local_date=date(2026, 10, 25))
    assert len(autumn) == 1
    assert autumn[0].window_start == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # first 02:30


async def test_validity_bounds_limit_the_occurrences(service):
    tenant = await new_tenant(service.admin)
    not_yet = await new_intervention(
        service.admin, tenant, valid_from="2026-02-12", confirm=service.admin
    )
    ending = await new_intervention(
        service.admin, tenant, valid_to="2026-02-10", confirm=service.admin
    )
    assert [r.local_date for r in await service.occurrences(intervention_id=not_yet)] == [
        date(2026, 2, 12)
    ]
    assert [r.local_date for r in await service.occurrences(intervention_id=ending)] == [
        date(2026, 2, 10)
    ]


async def test_pause_cancels_future_windows_resume_restores_them_end_cancels_for_good(
    service, broker
):
    tenant = await new_tenant(service.admin)
    intervention = await new_intervention(service.admin, tenant, confirm=service.admin)
    service.clock.advance(timedelta(hours=1, minutes=30))  # 08:30 local: today's window is open

    paused = await service.manager(PAUSE, {"id": intervention, "r": "Dotter hjälper till"})
    assert paused["pauseIntervention"] == {"state": "PAUSED", "stateReason": "Dotter hjälper till"}
    rows = await service.occurrences(intervention_id=intervention)
    assert [(r.local_date.day, r.state, r.cancel_reason) for r in rows] == [
        (10, "SCHEDULED", None),  # in progress: may be being performed right now
        (11, "CANCELLED", "PAUSED"),
        (12, "CANCELLED", "PAUSED"),
    ]
    assert await service.scheduler.run_once() == 0

    service.clock.advance(timedelta(hours=1))
    assert (await service.admin(RESUME, {"id": intervention}))["resumeIntervention"] == {
        "state": "ACTIVE"
    }
    assert [(r.local_date.day, r.state) for r in live(await service.occurrences())] == [
        (10, "SCHEDULED"),
        (11, "SCHEDULED"),
        (12, "SCHEDULED"),
    ]

    ended = await service.admin(END, {"id": intervention, "r": "Flyttat"})
    assert ended["endIntervention"]["state"] == "ENDED"
    changes = [c["change"] for c in ended["endIntervention"]["history"]]
    assert changes == ["CREATED", "PLAN_ANCHORING_CONFIRMED", "PAUSED", "RESUMED", "ENDED"]
    assert ended["endIntervention"]["history"][2]["changedBy"] == "u-manager"
    assert [r.local_date.day for r in live(await service.occurrences())] == [10]
    service.clock.advance(timedelta(days=1))
    assert await service.scheduler.run_once() == 0

    messages = await read_topic(broker.bootstrap_servers, "interventions.events", at_least=14)
    cancelled = [d for kind, d in messages if kind == OccurrenceCancelled.TYPE]
    assert sorted(d["reason"] for d in cancelled) == ["ENDED", "ENDED", "PAUSED", "PAUSED"]


UPDATE = """mutation($input: UpdateInterventionScheduleInput!) {
  updateInterventionSchedule(input: $input) {
    state schedule { rrule windowStart windowMinutes } } }"""


async def test_schedule_edit_reschedules_only_future_windows(service):
    tenant = await new_tenant(service.admin)
    intervention = await new_intervention(
        service.admin, tenant, start="07:30", minutes=60, confirm=service.admin
    )
    service.clock.advance(timedelta(hours=1))  # 08:00 local: today's 07:30 window is running
    data = await service.admin(
        UPDATE,
        {
            "input": {
                "interventionId": intervention,
                "schedule": {"windowStart": "09:00", "windowMinutes": 30},
            }
        },
    )
    assert data["updateInterventionSchedule"]["schedule"]["windowStart"] == "09:00"
    rows = await service.occurrences(intervention_id=intervention)
    summary = [
        (r.local_date.day, r.window_start.hour, r.state, r.cancel_reason)
        for r in sorted(rows, key=lambda r: (r.local_date, r.state, r.window_start))
    ]
    assert summary == [
        (10, 6, "SCHEDULED", None),  # started before the change: kept
        (10, 8, "SCHEDULED", None),
        (11, 6, "CANCELLED", "CHANGED"),
        (11, 8, "SCHEDULED", None),
        (12, 6, "CANCELLED", "CHANGED"),
        (12, 8, "SCHEDULED", None),
    ]
    assert await service.scheduler.run_once() == 0


async def test_scheduler_catches_up_after_a_three_day_outage(service):
    tenant = await new_tenant(service.admin)
    morning = await new_intervention(service.admin, tenant, start="08:00", confirm=service.admin)
    await service.scheduler.run_once()
    # Down from Tuesday 07:00 until Friday 12:00 local (11:00 UTC).
    service.clock.set(datetime(2026, 2, 13, 11, 0, tzinfo=UTC))
    added = await service.scheduler.run_once()
    days = [(r.local_date.day, r.state) for r in await service.occurrences(intervention_id=morning)]
    # Friday's 08:00 window ended during the outage: scheduled anyway so alarms see it as missed.
    assert days == [(d, "SCHEDULED") for d in (10, 11, 12, 13, 14, 15)]
    assert added == 3
    assert await service.scheduler.run_once() == 0


@pytest.mark.parametrize("service", [0.2], indirect=True)
async def test_the_service_runs_its_scheduler_and_moves_the_horizon_by_itself(service):
    tenant = await new_tenant(service.admin)
    intervention = await new_intervention(service.admin, tenant, confirm=service.admin)
    service.clock.advance(timedelta(days=1))

    async def four_days():
        rows = await service.occurrences(intervention_id=intervention)
        return len(rows) == 4

    await eventually(four_days, within=10)


async def test_prn_interventions_activate_without_windows(service, broker):
    tenant = await new_tenant(service.admin)
    data = await service.admin(
        """mutation($t: ID!) { createIntervention(input: {tenantId: $t, title: "Smärtlindring",
             category: HSL, prn: true}) { id prn schedule { rrule } state validFrom } }""",
        {"t": tenant},
    )
    created = data["createIntervention"]
    assert (created["prn"], created["schedule"], created["state"]) == (True, None, "DRAFT")
    assert created["validFrom"] == "2026-02-10"  # today in the unit
    confirmed = await service.admin(CONFIRM, {"id": created["id"]})
    assert confirmed["confirmPlanAnchoring"]["state"] == "ACTIVE"
    await service.scheduler.run_once()
    assert await service.occurrences() == []
    messages = await read_topic(broker.bootstrap_servers, "interventions.events", at_least=2)
    [activated] = [d for kind, d in messages if kind == InterventionActivated.TYPE]
    assert activated["prn"] is True


async def test_worklist_shows_cancelled_occurrences_only_when_asked_and_history_keeps_changes(
    service,
):
    tenant = await new_tenant(service.admin)
    intervention = await new_intervention(service.admin, tenant, confirm=service.admin)
    await service.admin(
        UPDATE,
        {
            "input": {
                "interventionId": intervention,
                "schedule": {"rrule": "FREQ=DAILY", "windowStart": "10:00", "windowMinutes": 45},
                "validTo": "2026-02-28",
            }
        },
    )
    day = {"unit": UNIT, "date": "2026-02-11"}
    live_only = (await service.staff(WORKLIST, day))["worklist"]
    everything = (await service.staff(WORKLIST, {**day, "all": True}))["worklist"]
    assert [(o["state"], o["windowStart"]) for o in live_only] == [
        ("SCHEDULED", "2026-02-11T09:00:00+00:00")
    ]
    assert [(o["state"], o["cancelReason"]) for o in everything] == [
        ("CANCELLED", "CHANGED"),
        ("SCHEDULED", None),
    ]
    history = await service.staff(
        """query($id: ID!) { intervention(id: $id) { validTo
             history { change changedBy changedAt details } } }""",
        {"id": intervention},
    )
    change = history["intervention"]["history"][-1]
    assert change["change"] == "SCHEDULE_CHANGED"
    assert change["changedBy"] == "u-admin"
    assert change["changedAt"] == "2026-02-10T06:00:00+00:00"
    assert change["details"]["before"]["windowStart"] == "08:00"
    assert change["details"]["after"]["windowMinutes"] == 45
    assert history["intervention"]["validTo"] == "2026-02-28"


async def test_a_large_pass_goes_through_the_bulk_path_with_the_same_events(service, broker):
    tenant = await new_tenant(service.admin)
    async with service.runtime.unit_of_work() as uow:
        uow.session.add_all(
            InterventionRow(
                id=f"bulk-{i}",
                tenant_id=tenant,
                unit_id=UNIT,
                title="Tillsyn",
                instructions="",
                category="SOL",
                prn=False,
                rrule="FREQ=DAILY",
                window_start=f"{8 + i % 12:02d}:00",
                window_minutes=30,
                valid_from=date(2026, 2, 1),
                state="ACTIVE",
                effective_from=START,
                created_by="test",
                created_at=START,
                updated_at=START,
            )
            for i in range(80)
        )
        await uow.commit()
    assert await service.scheduler.run_once() == 240
    assert await service.scheduler.run_once() == 0
    rows = {r.id: r for r in await service.occurrences()}
    messages = await read_topic(broker.bootstrap_servers, "interventions.events", at_least=241)
    scheduled = [
        decode_data(OccurrenceScheduled, data)
        for kind, data in messages
        if kind == OccurrenceScheduled.TYPE
    ]
    assert len(scheduled) == 240
    for event in scheduled:
        row = rows[event.occurrence_id]
        assert (event.window_start, event.window_end, event.local_date) == (
            row.window_start,
            row.window_end,
            row.local_date,
        )
        assert event.intervention_id == row.intervention_id
        assert event.tenant_id == tenant
