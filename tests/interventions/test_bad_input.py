"""Refused commands say why (``extensions.code``) and leave nothing stored or published."""

from __future__ import annotations

from services.interventions.tables import (
    INFRASTRUCTURE,
    AbsenceRow,
    InterventionRow,
    OccurrenceRow,
    TenantRow,
)
from tests.interventions.conftest import (
    CONFIRM,
    INTERVENTION,
    new_intervention,
    new_tenant,
)

TABLES = [
    TenantRow.__table__,
    InterventionRow.__table__,
    OccurrenceRow.__table__,
    AbsenceRow.__table__,
    INFRASTRUCTURE.messaging.outbox,
]


async def snapshot(service) -> list[int]:
    return [await service.count(table) for table in TABLES]


def intervention_input(tenant: str, **changes) -> dict:
    base = {
        "tenantId": tenant,
        "title": "Kvällshjälp",
        "category": "SOL",
        "schedule": {"rrule": "FREQ=DAILY", "windowStart": "20:00", "windowMinutes": 30},
        "validFrom": "2026-02-01",
    }
    schedule = changes.pop("schedule", {})
    base["schedule"] = {**base["schedule"], **schedule}
    return {**base, **changes}


BAD_INTERVENTIONS = [
    ({"schedule": {"rrule": "FREQ=NEVER"}}, "BAD_USER_INPUT"),
    ({"schedule": {"rrule": "FREQ=DAILY;BYDAY=XX"}}, "BAD_USER_INPUT"),
    ({"schedule": {"rrule": "FREQ=DAILY;INTERVAL=0"}}, "BAD_USER_INPUT"),
    ({"schedule": {"windowMinutes": 0}}, "BAD_USER_INPUT"),
    ({"schedule": {"windowMinutes": 1440}}, "BAD_USER_INPUT"),
    ({"schedule": {"windowStart": "25:00"}}, "BAD_USER_INPUT"),
    ({"validTo": "2026-01-31"}, "BAD_USER_INPUT"),
    ({"prn": True}, "BAD_USER_INPUT"),
    ({"title": "  "}, "BAD_USER_INPUT"),
    ({"instructions": "x" * 4001}, "BAD_USER_INPUT"),
    ({"tenantId": "no-such-tenant"}, "NOT_FOUND"),
]


async def test_bad_intervention_input_is_refused_and_changes_nothing(service):
    # One service for all cases: each starts a broker and a database, which is the slow part.
    tenant = await new_tenant(service.admin)
    before = await snapshot(service)
    for changes, code in BAD_INTERVENTIONS:
        body = await service.admin.raw(
            INTERVENTION, {"input": intervention_input(tenant, **changes)}
        )
        assert body["errors"][0]["extensions"]["code"] == code, (changes, body)
        assert body["errors"][0]["message"]
    assert await snapshot(service) == before


BAD_WINDOW_STARTS = [
    ({"rrule": "FREQ=DAILY;BYHOUR=8,13,21"}, "give several window starts"),
    ({"windowStart": None}, "give a window start, or the list of window starts"),
    ({"windowStarts": []}, "must not be empty"),
    ({"windowStart": None, "windowStarts": ["08:00", "08:00"]}, "08:00 is given twice"),
    ({"windowStarts": ["08:00", "20:00"]}, "must be the first of the window starts (08:00)"),
    ({"windowStart": None, "windowStarts": ["20:00", "20:15"]}, "overlaps the next one"),
    ({"windowStarts": [f"{h:02d}:00" for h in range(8, 21)]}, "at most 12 windows a day"),
]


async def test_bad_window_starts_are_refused_with_the_reason_and_change_nothing(service):
    tenant = await new_tenant(service.admin)
    before = await snapshot(service)
    for schedule, reason in BAD_WINDOW_STARTS:
        body = await service.admin.raw(
            INTERVENTION, {"input": intervention_input(tenant, schedule=schedule)}
        )
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", (schedule, body)
        assert reason in body["errors"][0]["message"], (schedule, body)
    assert await snapshot(service) == before


async def test_refused_state_changes_change_nothing(service):
    tenant = await new_tenant(service.admin)
    intervention = await new_intervention(service.admin, tenant)
    before = await snapshot(service)
    cases = [
        (service.outsider, CONFIRM, {"id": intervention}, "NOT_FOUND"),
        (service.admin, CONFIRM, {"id": "no-such-intervention"}, "NOT_FOUND"),
        (
            service.admin,
            """mutation($id: ID!) { resumeIntervention(interventionId: $id) { id } }""",
            {"id": intervention},
            "CONFLICT",
        ),
        (
            service.admin,
            """mutation($id: ID!) { pauseIntervention(interventionId: $id, reason: "") { id } }""",
            {"id": intervention},
            "BAD_USER_INPUT",
        ),
        (
            service.admin,
            """mutation($t: ID!) { registerAbsence(input: {tenantId: $t, kind: HOSPITAL,
                 from: "2026-02-11T10:00:00+00:00", to: "2026-02-11T09:00:00+00:00"}) { id } }""",
            {"t": tenant},
            "BAD_USER_INPUT",
        ),
        (
            service.admin,
            """mutation { registerAbsence(input: {tenantId: "nobody", kind: OTHER,
                 from: "2026-02-11T10:00:00+00:00"}) { id } }""",
            {},
            "NOT_FOUND",
        ),
        (
            service.admin,
            """mutation($id: ID!) { updateInterventionSchedule(input: {interventionId: $id,
                 schedule: {rrule: "FREQ=HOURLY", windowStart: "08:00", windowMinutes: 30}})
                 { id } }""",
            {"id": intervention},
            "BAD_USER_INPUT",
        ),
    ]
    for client, query, variables, code in cases:
        body = await client.raw(query, variables)
        assert body["errors"][0]["extensions"]["code"] == code, (query, body)
    assert await snapshot(service) == before
