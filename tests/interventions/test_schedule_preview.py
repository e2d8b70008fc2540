"""schedulePreview: a schedule's next windows in the unit's timezone, across DST changes,
computed as the scheduler materialises them."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.interventions.conftest import INTERVENTION, UNIT, new_intervention, new_tenant

PREVIEW = """query($unit: ID!, $schedule: ScheduleInput!, $from: Date, $to: Date, $count: Int) {
  schedulePreview(unitId: $unit, schedule: $schedule, validFrom: $from, validTo: $to,
                  count: $count) { start end localDate } }"""


async def preview(client, schedule, **variables):
    data = await client(PREVIEW, {"unit": UNIT, "schedule": schedule, **variables})
    return [(w["localDate"], w["start"], w["end"]) for w in data["schedulePreview"]]


async def test_preview_crosses_spring_forward_in_the_units_timezone(service):
    service.clock.set(datetime(2026, 3, 28, 12, 0, tzinfo=UTC))  # Saturday 13:00 CET
    schedule = {"windowStarts": ["02:30", "21:00"], "windowMinutes": 60}
    assert await preview(service.admin, schedule, count=4) == [
        ("2026-03-28", "2026-03-28T20:00:00+00:00", "2026-03-28T21:00:00+00:00"),  # 21:00 CET
        # 02:30 does not exist on the 29th: it moves forward to 03:30 CEST.
        ("2026-03-29", "2026-03-29T01:30:00+00:00", "2026-03-29T02:30:00+00:00"),
        ("2026-03-29", "2026-03-29T19:00:00+00:00", "2026-03-29T20:00:00+00:00"),  # 21:00 CEST
        ("2026-03-30", "2026-03-30T00:30:00+00:00", "2026-03-30T01:30:00+00:00"),  # 02:30 CEST
    ]


async def test_preview_crosses_fall_back_and_takes_the_first_of_the_repeated_hour(service):
    service.clock.set(datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    windows = await preview(service.manager, {"windowStart": "02:30", "windowMinutes": 30}, count=2)
    assert windows == [
        ("2026-10-25", "2026-10-25T00:30:00+00:00", "2026-10-25T01:00:00+00:00"),  # 02:30 CEST
        ("2026-10-26", "2026-10-26T01:30:00+00:00", "2026-10-26T02:00:00+00:00"),  # 02:30 CET
    ]


async def test_preview_is_what_confirming_the_plan_schedules(service):
    service.clock.set(datetime(2026, 2, 10, 7, 15, tzinfo=UTC))  # 08:15: the 08:00 window runs
    schedule = {
        "rrule": "FREQ=WEEKLY;BYDAY=TU,TH",
        "windowStarts": ["08:00", "13:00"],
        "windowMinutes": 60,
    }
    previewed = await preview(service.admin, schedule, count=50, to="2026-02-12")
    tenant = await new_tenant(service.admin)
    await new_intervention(
        service.admin,
        tenant,
        starts=["08:00", "13:00"],
        rrule="FREQ=WEEKLY;BYDAY=TU,TH",
        valid_from=None,
        valid_to="2026-02-12",
        confirm=service.admin,
    )
    scheduled = [
        (r.local_date.isoformat(), r.window_start.isoformat(), r.window_end.isoformat())
        for r in await service.occurrences()
    ]
    assert scheduled == previewed
    assert [day for day, _, _ in previewed] == ["2026-02-10"] * 2 + ["2026-02-12"] * 2


async def test_preview_keeps_to_the_validity_and_defaults_to_ten_windows(service):
    schedule = {"windowStart": "08:00", "windowMinutes": 30}
    assert len(await preview(service.admin, schedule)) == 10
    windows = await preview(service.admin, schedule, **{"from": "2026-03-01", "to": "2026-03-03"})
    assert [day for day, _, _ in windows] == ["2026-03-01", "2026-03-02", "2026-03-03"]


async def test_preview_refuses_what_create_intervention_refuses_in_the_same_words(service):
    tenant = await new_tenant(service.admin)
    for schedule in (
        {"rrule": "FREQ=DAILY;BYHOUR=8", "windowStart": "08:00", "windowMinutes": 30},
        {"windowStarts": ["08:00", "08:10"], "windowMinutes": 30},
        {"windowStart": "8.00", "windowMinutes": 30},
    ):
        body = await service.admin.raw(PREVIEW, {"unit": UNIT, "schedule": schedule})
        created = await service.admin.raw(
            INTERVENTION,
            {"input": {"tenantId": tenant, "title": "T", "category": "SOL", "schedule": schedule}},
        )
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert body["errors"][0]["message"] == created["errors"][0]["message"]

    schedule = {"windowStart": "08:00", "windowMinutes": 30}
    for variables, code in [
        ({"count": 0}, "BAD_USER_INPUT"),
        ({"count": 51}, "BAD_USER_INPUT"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "BAD_USER_INPUT"),
    ]:
        body = await service.admin.raw(PREVIEW, {"unit": UNIT, "schedule": schedule, **variables})
        assert body["errors"][0]["extensions"]["code"] == code, variables
    for client, code in [(service.staff, "FORBIDDEN"), (service.outsider, "NOT_FOUND")]:
        body = await client.raw(PREVIEW, {"unit": UNIT, "schedule": schedule})
        assert body["errors"][0]["extensions"]["code"] == code
