"""Absences cancel the occurrences inside them; ending one brings the later windows back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.interventions.conftest import new_intervention, new_tenant

REGISTER = """mutation($input: RegisterAbsenceInput!) {
  registerAbsence(input: $input) { id kind from to tenantId } }"""
END_ABSENCE = """mutation($id: ID!, $to: DateTime!) { endAbsence(absenceId: $id, to: $to) {
  id from to } }"""


def states(rows):
    return [(r.local_date.day, r.state, r.cancel_reason) for r in rows]


async def test_open_absence_cancels_windows_and_ending_it_reschedules_the_rest(service):
    tenant = await new_tenant(service.admin)
    other = await new_tenant(service.admin, name="Other")
    intervention = await new_intervention(service.admin, tenant, confirm=service.admin)
    unaffected = await new_intervention(service.admin, other, confirm=service.admin)

    data = await service.admin(
        REGISTER,
        {"input": {"tenantId": tenant, "kind": "HOSPITAL", "from": "2026-02-10T05:00:00+00:00"}},
    )
    absence = data["registerAbsence"]
    assert absence["to"] is None
    assert states(await service.occurrences(intervention_id=intervention)) == [
        (10, "CANCELLED", "ABSENCE"),
        (11, "CANCELLED", "ABSENCE"),
        (12, "CANCELLED", "ABSENCE"),
    ]
    assert all(
        r.state == "SCHEDULED" for r in await service.occurrences(intervention_id=unaffected)
    )

    # The open absence keeps the scheduler from adding days while the tenant is away.
    service.clock.advance(timedelta(days=1))
    await service.scheduler.run_once()
    assert [r.state for r in await service.occurrences(intervention_id=intervention)] == [
        "CANCELLED"
    ] * 3

    # Back home on the 12th at noon: the 12th's 08:00 window stays cancelled, later ones return.
    ended = await service.admin(
        END_ABSENCE, {"id": absence["id"], "to": "2026-02-12T11:00:00+00:00"}
    )
    assert ended["endAbsence"]["to"] == "2026-02-12T11:00:00+00:00"
    assert states(await service.occurrences(intervention_id=intervention)) == [
        (10, "CANCELLED", "ABSENCE"),
        (11, "CANCELLED", "ABSENCE"),
        (12, "CANCELLED", "ABSENCE"),
        (13, "SCHEDULED", None),
    ]
    assert await service.scheduler.run_once() == 0


async def test_absence_with_an_end_cancels_only_the_windows_inside_it(service):
    tenant = await new_tenant(service.admin)
    intervention = await new_intervention(service.admin, tenant, confirm=service.admin)
    await service.manager(
        REGISTER,
        {
            "input": {
                "tenantId": tenant,
                "kind": "SHORT_TERM_STAY",
                "from": "2026-02-11T00:00:00+01:00",
                "to": "2026-02-12T00:00:00+01:00",
            }
        },
    )
    assert states(await service.occurrences(intervention_id=intervention)) == [
        (10, "SCHEDULED", None),
        (11, "CANCELLED", "ABSENCE"),
        (12, "SCHEDULED", None),
    ]
    # Later passes must not bring the cancelled window back, nor skip what follows.
    service.clock.set(datetime(2026, 2, 11, 12, tzinfo=UTC))
    await service.scheduler.run_once()
    assert [r.local_date.day for r in await service.occurrences(state="SCHEDULED")] == [10, 12, 13]


async def test_ending_an_absence_twice_is_a_conflict(service):
    tenant = await new_tenant(service.admin)
    data = await service.admin(
        REGISTER,
        {"input": {"tenantId": tenant, "kind": "OTHER", "from": "2026-02-10T05:00:00+00:00"}},
    )
    absence_id = data["registerAbsence"]["id"]
    await service.admin(END_ABSENCE, {"id": absence_id, "to": "2026-02-10T09:00:00+00:00"})
    body = await service.admin.raw(
        END_ABSENCE, {"id": absence_id, "to": "2026-02-10T10:00:00+00:00"}
    )
    assert body["errors"][0]["extensions"]["code"] == "CONFLICT"


OCCURRENCES = (
    "cancelledOccurrences { localDate state cancelReason intervention { id } tenant { id } }"
)
REGISTER_CANCELLED = f"""mutation($input: RegisterAbsenceInput!) {{
  registerAbsence(input: $input) {{ id {OCCURRENCES} }} }}"""
END_CANCELLED = f"""mutation($id: ID!, $to: DateTime!) {{ endAbsence(absenceId: $id, to: $to) {{
  {OCCURRENCES} }} }}"""
CANCELLED = """query($t: ID!, $first: Int) { tenant(id: $t) { absences { id
  cancelledOccurrences(first: $first) { id localDate state cancelReason
    intervention { id } tenant { id } } } } }"""


async def test_an_absence_lists_the_windows_it_cancelled_until_they_come_back(service):
    tenant = await new_tenant(service.admin)
    other = await new_tenant(service.admin, name="Other")
    morning = await new_intervention(service.admin, tenant, confirm=service.admin)
    evening = await new_intervention(service.admin, tenant, start="20:00", confirm=service.admin)
    await new_intervention(service.admin, other, confirm=service.admin)
    registered = await service.admin(
        REGISTER_CANCELLED,
        {"input": {"tenantId": tenant, "kind": "HOSPITAL", "from": "2026-02-10T10:00:00+00:00"}},
    )
    listed = registered["registerAbsence"]["cancelledOccurrences"]
    # From 11:00 local: today's evening window and both windows of the two days ahead.
    assert [(o["localDate"], o["intervention"]["id"]) for o in listed] == [
        ("2026-02-10", evening),
        ("2026-02-11", morning),
        ("2026-02-11", evening),
        ("2026-02-12", morning),
        ("2026-02-12", evening),
    ]
    assert {(o["state"], o["cancelReason"], o["tenant"]["id"]) for o in listed} == {
        ("CANCELLED", "ABSENCE", tenant)
    }

    # Home again on the 11th at 12:00 local: the later windows come back and leave the list.
    ended = await service.admin(
        END_CANCELLED,
        {"id": registered["registerAbsence"]["id"], "to": "2026-02-11T11:00:00+00:00"},
    )
    assert [o["localDate"] for o in ended["endAbsence"]["cancelledOccurrences"]] == [
        "2026-02-10",
        "2026-02-11",
    ]
    first = await service.staff(CANCELLED, {"t": tenant, "first": 1})
    [absence] = first["tenant"]["absences"]
    assert [o["localDate"] for o in absence["cancelledOccurrences"]] == ["2026-02-10"]
    body = await service.staff.raw(CANCELLED, {"t": tenant, "first": 101})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
