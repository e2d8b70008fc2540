"""Who may read and change what (DESIGN §5), the access log, and the federation entities."""

from __future__ import annotations

from datetime import UTC, datetime

from libs.auth.principal import Role
from libs.messaging.envelope import CloudEvent, encode_data
from services.identity.events import RecordsAccessed, UnitCreated
from services.interventions.tables import UnitRow
from tests.interventions.conftest import (
    CONFIRM,
    OTHER_UNIT,
    UNIT,
    WORKLIST,
    new_intervention,
    new_tenant,
    read_topic,
)
from tests.support.broker import publish
from tests.support.graphql import GraphQLClient
from tests.support.waiting import eventually

TENANTS = """query($unit: ID!) { tenants(unitId: $unit) { id name externalReference } }"""
TENANT = (
    """query($id: ID!) { tenant(id: $id) { id name interventions { id state } absences { id } } }"""
)
ENTITIES = """query($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Occurrence { id windowStart tenant { id name } intervention { title } }
  ... on Tenant { id name }
  ... on Intervention { id title }
} }"""


async def test_staff_read_their_unit_and_other_units_look_like_nothing_is_there(service):
    tenant = await new_tenant(service.admin)
    await new_intervention(service.admin, tenant, confirm=service.admin)

    assert len((await service.staff(TENANTS, {"unit": UNIT}))["tenants"]) == 1
    assert len((await service.staff(WORKLIST, {"unit": UNIT}))["worklist"]) == 1
    found = (await service.staff(TENANT, {"id": tenant}))["tenant"]
    assert found["interventions"][0]["state"] == "ACTIVE"

    for client in (service.outsider, service.sysadmin):
        for query, variables in ((TENANTS, {"unit": UNIT}), (WORKLIST, {"unit": UNIT})):
            body = await client.raw(query, variables)
            assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        assert (await client(TENANT, {"id": tenant}))["tenant"] is None
        assert (await client(TENANT, {"id": "no-such-tenant"}))["tenant"] is None

    anonymous = service.staff.as_user(None)
    body = await anonymous.raw(TENANTS, {"unit": UNIT})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_only_admins_and_managers_write_and_only_sol_admins_anchor(service):
    body = await service.staff.raw(
        """mutation { createTenant(input: {unitId: "unit-a", name: "X"}) { id } }"""
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await service.outsider.raw(
        """mutation { createTenant(input: {unitId: "unit-a", name: "X"}) { id } }"""
    )
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    tenant = await new_tenant(service.manager)
    intervention = await new_intervention(service.manager, tenant)
    body = await service.manager.raw(CONFIRM, {"id": intervention})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await service.outsider.raw(CONFIRM, {"id": intervention})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert await service.occurrences() == []
    confirmed = await service.admin(CONFIRM, {"id": intervention})
    assert confirmed["confirmPlanAnchoring"]["state"] == "ACTIVE"


async def test_entities_resolve_for_the_unit_and_are_null_elsewhere(service):
    tenant = await new_tenant(service.admin, name="Cecilia")
    intervention = await new_intervention(service.admin, tenant, confirm=service.admin)
    [occurrence] = (await service.staff(WORKLIST, {"unit": UNIT}))["worklist"]
    reps = [
        {"__typename": "Occurrence", "id": occurrence["id"]},
        {"__typename": "Tenant", "id": tenant},
        {"__typename": "Intervention", "id": intervention},
    ]
    entities = (await service.staff(ENTITIES, {"reps": reps}))["_entities"]
    assert entities[0]["tenant"] == {"id": tenant, "name": "Cecilia"}
    assert entities[0]["intervention"] == {"title": "Morgonhjälp"}
    assert entities[1] == {"id": tenant, "name": "Cecilia"}
    assert entities[2]["id"] == intervention
    assert (await service.outsider(ENTITIES, {"reps": reps}))["_entities"] == [None, None, None]


async def test_every_read_of_a_care_recipient_is_logged_by_id_only(service, broker):
    tenant = await new_tenant(service.admin, name="Dagny")
    await new_intervention(service.admin, tenant, confirm=service.admin)
    await service.staff(WORKLIST, {"unit": UNIT})
    await service.staff(TENANT, {"id": tenant})
    messages = await read_topic(broker.bootstrap_servers, "audit.access", at_least=5)
    reads = [
        data
        for kind, data in messages
        if kind == RecordsAccessed.TYPE and data["user_id"] == "u-staff"
    ]
    assert [r["action"] for r in reads] == ["worklist.read", "tenant.read"]
    assert reads[0]["records"] == [{"tenant_id": tenant, "unit_id": UNIT}]
    assert reads[0]["service"] == "interventions"
    assert all("Dagny" not in str(data) for _, data in messages)


async def test_windows_follow_the_timezone_identity_gives_the_unit(service, broker, tokens, http):
    unit = "unit-ny"
    event = CloudEvent(
        type=UnitCreated.TYPE,
        source="/signa/identity",
        subject=unit,
        time=datetime.now(UTC),
        data=encode_data(
            UnitCreated(unit_id=unit, timezone="America/New_York", created_at=datetime.now(UTC))
        ),
    )
    await publish(broker.bootstrap_servers, "identity.events", [event])

    async def known() -> bool:
        async with service.runtime.sessions() as session:
            return await session.get(UnitRow, unit) is not None

    await eventually(known, within=20)
    admin = GraphQLClient(
        http, service.url + "/graphql", tokens.token("u-ny", {unit: [Role.SOL_ADMIN]})
    )
    tenant = await new_tenant(admin, unit=unit)
    intervention = await new_intervention(admin, tenant, start="08:00", confirm=admin)
    [first, *_] = await service.occurrences(intervention_id=intervention)
    # 01:00 local in New York when the clock reads 06:00 UTC on the 10th.
    assert first.window_start == datetime(2026, 2, 10, 13, 0, tzinfo=UTC)


async def test_other_units_tenants_are_invisible_in_lists(service):
    await new_tenant(service.admin)
    await new_tenant(service.outsider, unit=OTHER_UNIT, name="Elsewhere")
    names = [t["name"] for t in (await service.staff(TENANTS, {"unit": UNIT}))["tenants"]]
    assert names == ["Astrid L"]
