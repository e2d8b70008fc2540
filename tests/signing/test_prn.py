"""PRN ("vid behov") interventions: signed whenever given, each signing its own record."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from libs.auth.principal import Role
from services.interventions.events import InterventionActivated, InterventionPaused
from services.signing import repository
from tests.signing.conftest import NOW, new_id
from tests.support.graphql import GraphQLError
from tests.support.waiting import eventually

SIGN_PRN = """
mutation Prn($input: SignPrnInput!) {
  signPrn(input: $input) { id prn status timing occurrence { id } intervention { id } }
}"""

PRN_LIST = """
query List($id: ID!) { prnSignatures(interventionId: $id) { id status } }"""


async def activate(signing, unit, *, prn=True, fact=InterventionActivated):
    intervention_id = new_id("int")
    event = fact(
        intervention_id=intervention_id,
        tenant_id=new_id("tenant"),
        unit_id=unit,
        prn=prn,
        by="admin",
        at=signing.clock.now(),
    )
    await signing.publish(event)

    async def known():
        async with signing.runtime.sessions() as session:
            return await repository.get_intervention(session, intervention_id)

    await eventually(known)
    return event


def prn_input(intervention_id, *, key=None, status="DONE", note=None, minutes=0):
    return {
        "interventionId": intervention_id,
        "status": status,
        "note": note,
        "performedAt": (NOW + timedelta(minutes=minutes)).isoformat(),
        "idempotencyKey": key or new_id("key"),
    }


async def test_a_prn_intervention_takes_any_number_of_signings_each_its_own(signing, staff, unit):
    intervention = await activate(signing, unit)
    keys = [new_id("key") for _ in range(3)]
    signed = [
        (
            await staff(
                SIGN_PRN, {"input": prn_input(intervention.intervention_id, key=key, minutes=-i)}
            )
        )["signPrn"]
        for i, key in enumerate(keys)
    ]
    retried = (
        await staff(SIGN_PRN, {"input": prn_input(intervention.intervention_id, key=keys[0])})
    )["signPrn"]

    assert len({s["id"] for s in signed}) == 3
    assert retried == signed[0]
    assert all(s["prn"] and s["timing"] is None and s["occurrence"] is None for s in signed)
    assert signed[0]["intervention"] == {"id": intervention.intervention_id}
    listed = (await staff(PRN_LIST, {"id": intervention.intervention_id}))["prnSignatures"]
    assert [s["id"] for s in listed] == [s["id"] for s in signed]
    payloads = [
        json.loads(m.value)
        for m in await signing.published()
        if json.loads(m.value).get("intervention_id") == intervention.intervention_id
    ]
    assert len(payloads) == 3
    assert all(p["prn"] is True and p["timing"] is None for p in payloads)


async def test_prn_note_rule_and_scheduled_or_paused_interventions(signing, staff, unit):
    prn = await activate(signing, unit)
    with pytest.raises(GraphQLError) as refused:
        await staff(SIGN_PRN, {"input": prn_input(prn.intervention_id, status="DECLINED")})
    assert refused.value.code == "BAD_USER_INPUT"

    scheduled = await activate(signing, unit, prn=False)
    with pytest.raises(GraphQLError) as refused:
        await staff(SIGN_PRN, {"input": prn_input(scheduled.intervention_id)})
    assert refused.value.code == "BAD_USER_INPUT"

    signing.clock.advance(timedelta(seconds=1))
    await signing.publish(
        InterventionPaused(
            intervention_id=prn.intervention_id,
            tenant_id=prn.tenant_id,
            unit_id=unit,
            prn=True,
            by="admin",
            at=signing.clock.now(),
        )
    )

    async def paused():
        async with signing.runtime.sessions() as session:
            found = await repository.get_intervention(session, prn.intervention_id)
        return found is not None and not found.active

    await eventually(paused)
    with pytest.raises(GraphQLError) as refused:
        await staff(SIGN_PRN, {"input": prn_input(prn.intervention_id)})
    assert refused.value.code == "CONFLICT"


async def test_prn_of_another_unit_is_not_found(signing, unit):
    intervention = await activate(signing, unit)
    stranger = signing.client(new_id("stranger"), {new_id("unit"): [Role.CARE_STAFF]})
    with pytest.raises(GraphQLError) as refused:
        await stranger(SIGN_PRN, {"input": prn_input(intervention.intervention_id)})
    assert refused.value.code == "NOT_FOUND"
