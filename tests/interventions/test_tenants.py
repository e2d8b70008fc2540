"""A care recipient's life in the system: changed, moved out, kept in the history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.identity.events import RecordsAccessed
from services.interventions.events import InterventionEnded, OccurrenceCancelled
from services.interventions.tables import INFRASTRUCTURE, InterventionRow, OccurrenceRow, TenantRow
from tests.interventions.conftest import (
    INTERVENTION,
    UNIT,
    new_intervention,
    new_tenant,
    read_topic,
)

UPDATE = """mutation($input: UpdateTenantInput!) { updateTenant(input: $input) {
  id name externalReference movedOutAt history { change details changedBy } } }"""
MOVE_OUT = """mutation($input: MoveOutTenantInput!) { moveOutTenant(input: $input) {
  id movedOutAt moveOutReason
  interventions { id state stateReason history { change details } } } }"""
TENANTS = """query($unit: ID!, $all: Boolean) { tenants(unitId: $unit, includeMovedOut: $all) {
  id movedOutAt } }"""
PAUSE = """mutation($id: ID!) { pauseIntervention(interventionId: $id, reason: "Paus") { id } }"""
ABSENCE = """mutation($t: ID!) { registerAbsence(input: {tenantId: $t, kind: HOSPITAL,
  from: "2026-02-11T10:00:00+00:00"}) { id } }"""


def days(rows):
    return [(r.local_date.day, r.state, r.cancel_reason) for r in rows]


async def test_update_changes_only_the_given_fields_and_the_history_keeps_them(service, broker):
    tenant = await new_tenant(service.admin, name="Astrid L")
    renamed = (await service.manager(UPDATE, {"input": {"tenantId": tenant, "name": " Astrid"}}))[
        "updateTenant"
    ]
    assert (renamed["name"], renamed["externalReference"]) == ("Astrid", "LIFECARE-1")
    cleared = await service.admin(
        UPDATE, {"input": {"tenantId": tenant, "externalReference": None}}
    )
    history = cleared["updateTenant"]["history"]
    assert cleared["updateTenant"]["name"] == "Astrid"
    assert cleared["updateTenant"]["externalReference"] is None
    assert [(h["change"], h["details"], h["changedBy"]) for h in history] == [
        ("REGISTERED", {"name": "Astrid L", "externalReference": "LIFECARE-1"}, "u-admin"),
        ("UPDATED", {"before": {"name": "Astrid L"}, "after": {"name": "Astrid"}}, "u-manager"),
        (
            "UPDATED",
            {"before": {"externalReference": "LIFECARE-1"}, "after": {"externalReference": None}},
            "u-admin",
        ),
    ]
    outbox = INFRASTRUCTURE.messaging.outbox
    before = [await service.count(table) for table in (TenantRow.__table__, outbox)]
    for client, changes, code in [
        (service.admin, {"name": "  "}, "BAD_USER_INPUT"),
        (service.admin, {"name": None}, "BAD_USER_INPUT"),
        (service.staff, {"name": "X"}, "FORBIDDEN"),
        (service.outsider, {"name": "X"}, "NOT_FOUND"),
    ]:
        body = await client.raw(UPDATE, {"input": {"tenantId": tenant, **changes}})
        assert body["errors"][0]["extensions"]["code"] == code, changes
    assert [await service.count(table) for table in (TenantRow.__table__, outbox)] == before
    found = await service.staff("""query($id: ID!) { tenant(id: $id) { name } }""", {"id": tenant})
    assert found["tenant"]["name"] == "Astrid"

    messages = await read_topic(broker.bootstrap_servers, "audit.access", at_least=3)
    actions = [d["action"] for kind, d in messages if kind == RecordsAccessed.TYPE]
    assert actions.count("tenant.update") == 2
    assert all("Astrid" not in str(data) for _, data in messages)


async def test_moving_out_ends_every_intervention_as_ending_one_does(service, broker):
    tenant = await new_tenant(service.admin)
    stays = await new_tenant(service.admin, name="Bertil")
    active = await new_intervention(service.admin, tenant, confirm=service.admin)
    paused = await new_intervention(service.admin, tenant, start="12:00", confirm=service.admin)
    await service.admin(PAUSE, {"id": paused})
    draft = await new_intervention(service.admin, tenant)
    other = await new_intervention(service.admin, stays, confirm=service.admin)
    service.clock.advance(timedelta(hours=1, minutes=30))  # 08:30 local: the 08:00 window runs

    moved = (
        await service.manager(
            MOVE_OUT, {"input": {"tenantId": tenant, "reason": "Flyttat till särskilt boende"}}
        )
    )["moveOutTenant"]
    assert (moved["movedOutAt"], moved["moveOutReason"]) == (
        "2026-02-10",
        "Flyttat till särskilt boende",
    )
    states = {i["id"]: (i["state"], i["stateReason"]) for i in moved["interventions"]}
    assert states == {
        id_: ("ENDED", "Flyttat till särskilt boende") for id_ in (active, paused, draft)
    }
    ended = next(i for i in moved["interventions"] if i["id"] == active)["history"][-1]
    assert ended == {
        "change": "ENDED",
        "details": {"reason": "Flyttat till särskilt boende", "movedOutAt": "2026-02-10"},
    }
    assert days(await service.occurrences(intervention_id=active)) == [
        (10, "SCHEDULED", None),  # in progress: may be being performed right now
        (11, "CANCELLED", "ENDED"),
        (12, "CANCELLED", "ENDED"),
    ]
    assert all(r.state == "SCHEDULED" for r in await service.occurrences(intervention_id=other))
    service.clock.advance(timedelta(days=1))
    assert await service.scheduler.run_once() == 1  # Bertil's next day only

    listed = (await service.staff(TENANTS, {"unit": UNIT}))["tenants"]
    assert [t["id"] for t in listed] == [stays]
    everyone = (await service.staff(TENANTS, {"unit": UNIT, "all": True}))["tenants"]
    assert {t["id"]: t["movedOutAt"] for t in everyone} == {tenant: "2026-02-10", stays: None}
    history = await service.staff(
        """query($id: ID!) { tenant(id: $id) { history { change details } } }""", {"id": tenant}
    )
    assert history["tenant"]["history"][-1] == {
        "change": "MOVED_OUT",
        "details": {"movedOutAt": "2026-02-10", "reason": "Flyttat till särskilt boende"},
    }

    messages = await read_topic(broker.bootstrap_servers, "interventions.events", at_least=20)
    ends = [d["intervention_id"] for kind, d in messages if kind == InterventionEnded.TYPE]
    assert sorted(ends) == sorted([active, paused, draft])
    cancelled = [d for kind, d in messages if kind == OccurrenceCancelled.TYPE]
    assert sorted((d["intervention_id"], d["reason"]) for d in cancelled) == sorted(
        [(active, "ENDED")] * 2 + [(paused, "PAUSED")] * 3
    )
    assert all("Flyttat" not in str(data) for _, data in messages)


async def test_a_move_out_registered_afterwards_cancels_the_days_after_it(service):
    tenant = await new_tenant(service.admin)
    intervention = await new_intervention(service.admin, tenant, confirm=service.admin)
    service.clock.set(datetime(2026, 2, 12, 11, 0, tzinfo=UTC))  # Thursday noon
    await service.scheduler.run_once()
    for moved_out_at in ("2026-02-13", "2026-02-09"):  # ahead; before registration
        body = await service.admin.raw(
            MOVE_OUT, {"input": {"tenantId": tenant, "reason": "Flytt", "movedOutAt": moved_out_at}}
        )
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", moved_out_at
    await service.admin(
        MOVE_OUT, {"input": {"tenantId": tenant, "reason": "Flytt", "movedOutAt": "2026-02-10"}}
    )
    # The 11th's and 12th's windows are over but would raise missed alarms: cancelled too.
    assert days(await service.occurrences(intervention_id=intervention)) == [
        (10, "SCHEDULED", None),
        (11, "CANCELLED", "ENDED"),
        (12, "CANCELLED", "ENDED"),
        (13, "CANCELLED", "ENDED"),
        (14, "CANCELLED", "ENDED"),
    ]


async def test_a_moved_out_care_recipient_gets_nothing_new_and_moves_out_once(service):
    tenant = await new_tenant(service.admin)
    await service.admin(MOVE_OUT, {"input": {"tenantId": tenant, "reason": "Avliden"}})
    other = await new_tenant(service.admin, name="Other")
    tables = (
        TenantRow.__table__,
        InterventionRow.__table__,
        OccurrenceRow.__table__,
        INFRASTRUCTURE.messaging.outbox,
    )
    before = [await service.count(table) for table in tables]
    schedule = {"windowStart": "08:00", "windowMinutes": 30}
    refused = [
        (service.admin, MOVE_OUT, {"input": {"tenantId": tenant, "reason": "Igen"}}, "CONFLICT"),
        (
            service.admin,
            INTERVENTION,
            {"input": {"tenantId": tenant, "title": "T", "category": "SOL", "schedule": schedule}},
            "CONFLICT",
        ),
        (service.admin, ABSENCE, {"t": tenant}, "CONFLICT"),
        (service.staff, MOVE_OUT, {"input": {"tenantId": tenant, "reason": "X"}}, "FORBIDDEN"),
        (service.outsider, MOVE_OUT, {"input": {"tenantId": tenant, "reason": "X"}}, "NOT_FOUND"),
    ]
    for client, query, variables, code in refused:
        body = await client.raw(query, variables)
        assert body["errors"][0]["extensions"]["code"] == code, (query, body)
        assert body["errors"][0]["message"]
    body = await service.admin.raw(MOVE_OUT, {"input": {"tenantId": other, "reason": " "}})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert [await service.count(table) for table in tables] == before
