"""Who may see and sign what (DESIGN §5), the federation entity, and the access log."""

from __future__ import annotations

import json
import time

import pytest

from libs.auth.principal import Role
from services.identity.events import ACCESS_TOPIC, RecordsAccessed
from tests.signing.conftest import SIGN, new_id, sign_input
from tests.support.graphql import GraphQLClient, GraphQLError

ENTITIES = """
query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Occurrence { id signature { id status signedBy { id } } }
    ... on Signature { id status }
  }
}"""

HISTORY = "query H($id: ID!) { signatureHistory(occurrenceId: $id) { id } }"
ANNUL = 'mutation A($id: ID!) { annulSignature(signatureId: $id, reason: "x") { id } }'


async def test_staff_of_another_unit_get_not_found_everywhere(signing, staff, unit):
    occurrence = await signing.schedule(unit_id=unit)
    signed = (await staff(SIGN, {"input": sign_input(occurrence.occurrence_id)}))["sign"]
    other_unit = new_id("unit")
    stranger = signing.client(
        new_id("stranger"), {other_unit: [Role.CARE_STAFF, Role.SOL_ADMIN, Role.UNIT_MANAGER]}
    )
    other_occurrence = await signing.schedule(unit_id=unit)

    # Signing another unit's occurrence waits as long as signing one not known yet (for the
    # read model), so not even the answer's timing tells the stranger that it exists.
    started = time.monotonic()
    with pytest.raises(GraphQLError) as refused:
        await stranger(SIGN, {"input": sign_input(other_occurrence.occurrence_id)})
    assert refused.value.code == "NOT_FOUND"
    assert time.monotonic() - started >= signing.settings.occurrence_wait_seconds
    for query, variables in (
        (HISTORY, {"id": occurrence.occurrence_id}),
        (ANNUL, {"id": signed["id"]}),
    ):
        with pytest.raises(GraphQLError) as refused:
            await stranger(query, variables)
        assert refused.value.code == "NOT_FOUND", query
    entities = (
        await stranger(
            ENTITIES,
            {
                "representations": [
                    {"__typename": "Occurrence", "id": occurrence.occurrence_id},
                    {"__typename": "Signature", "id": signed["id"]},
                ]
            },
        )
    )["_entities"]
    assert entities == [{"id": occurrence.occurrence_id, "signature": None}, None]
    assert await signing.stored(occurrence_id=other_occurrence.occurrence_id) == []


async def test_a_system_admin_or_no_token_cannot_sign(signing, unit):
    occurrence = await signing.schedule(unit_id=unit)
    admin = signing.client(new_id("sysadmin"), global_roles=[Role.SYSTEM_ADMIN])
    with pytest.raises(GraphQLError) as refused:
        await admin(SIGN, {"input": sign_input(occurrence.occurrence_id)})
    assert refused.value.code == "NOT_FOUND"
    anonymous = GraphQLClient(signing.http, signing.url + "/graphql")
    with pytest.raises(GraphQLError) as refused:
        await anonymous(SIGN, {"input": sign_input(occurrence.occurrence_id)})
    assert refused.value.code == "UNAUTHENTICATED"


@pytest.mark.parametrize("role", [Role.CARE_STAFF, Role.SOL_ADMIN, Role.UNIT_MANAGER])
async def test_every_role_of_the_unit_may_sign(signing, unit, role):
    occurrence = await signing.schedule(unit_id=unit)
    member = signing.client(new_id("member"), {unit: [role]})
    assert (await member(SIGN, {"input": sign_input(occurrence.occurrence_id)}))["sign"]["id"]


async def test_the_worklist_entity_shows_the_current_signature_and_logs_access_per_tenant(
    signing, staff, unit
):
    tenant = new_id("tenant")
    signed_one = await signing.schedule(unit_id=unit, tenant_id=tenant)
    signed_two = await signing.schedule(unit_id=unit, tenant_id=tenant)
    unsigned = await signing.schedule(unit_id=unit, tenant_id=tenant)
    first = (await staff(SIGN, {"input": sign_input(signed_one.occurrence_id)}))["sign"]
    second = (await staff(SIGN, {"input": sign_input(signed_two.occurrence_id)}))["sign"]
    reader_id = new_id("reader")
    reader = signing.client(reader_id, {unit: [Role.CARE_STAFF]})

    entities = (
        await reader(
            ENTITIES,
            {
                "representations": [
                    {"__typename": "Occurrence", "id": o.occurrence_id}
                    for o in (signed_one, signed_two, unsigned)
                ]
            },
        )
    )["_entities"]

    assert [e["signature"] and e["signature"]["id"] for e in entities] == [
        first["id"],
        second["id"],
        None,
    ]
    accesses = [
        json.loads(message.value)
        for message in await signing.published(ACCESS_TOPIC)
        if message.key == reader_id.encode()
    ]
    assert accesses == [
        {
            "user_id": reader_id,
            "records": [{"tenant_id": tenant, "unit_id": unit}],
            "action": "signature.read",
            "service": "signing",
            "accessed_at": signing.clock.now().isoformat().replace("+00:00", "Z"),
        }
    ]
    signer_accesses = [
        m
        for m in await signing.published(ACCESS_TOPIC, settle=0)
        if dict(m.headers)["ce_type"] == RecordsAccessed.TYPE.encode()
        and json.loads(m.value)["action"] == "signature.create"
        and json.loads(m.value)["records"] == [{"tenant_id": tenant, "unit_id": unit}]
    ]
    assert len(signer_accesses) == 2


async def test_signatures_referenced_together_come_back_in_order_and_only_the_callers(
    signing, staff, unit
):
    # A worklist asking for a field only signing has (`note`): the gateway sends every row's
    # signature id in one `_entities` call.
    mine = [await signing.schedule(unit_id=unit) for _ in range(2)]
    signed = [
        (await staff(SIGN, {"input": sign_input(o.occurrence_id)}))["sign"]["id"] for o in mine
    ]
    other_unit = new_id("unit")
    theirs = await signing.schedule(unit_id=other_unit)
    stranger = signing.client(new_id("stranger"), {other_unit: [Role.CARE_STAFF]})
    hidden = (await stranger(SIGN, {"input": sign_input(theirs.occurrence_id)}))["sign"]["id"]

    ids = [signed[1], hidden, "no-such-signature", signed[0]]
    entities = (
        await staff(
            ENTITIES, {"representations": [{"__typename": "Signature", "id": i} for i in ids]}
        )
    )["_entities"]
    assert entities == [
        {"id": signed[1], "status": "DONE"},
        None,
        None,
        {"id": signed[0], "status": "DONE"},
    ]
