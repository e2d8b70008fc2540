"""Retrospective signings: signed more than the limit (15 min) after performedAt, through
`sign`, `syncSignatures` and `signPrn` alike; they count with the phone's time."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.signing.conftest import NOW, new_id, sign_input
from tests.signing.test_prn import SIGN_PRN, activate, prn_input

SIGN = """
mutation Sign($input: SignInput!) {
  sign(input: $input) { id timing signedAt performedAt retrospective lagSeconds }
}"""

SYNC = """
mutation Sync($inputs: [SignInput!]!) {
  syncSignatures(inputs: $inputs) {
    idempotencyKey signature { id timing retrospective lagSeconds } error { code }
  }
}"""

HISTORY = """
query($id: ID!) { signatureHistory(occurrenceId: $id) { id retrospective lagSeconds } }"""


async def _payload(signing, occurrence_id: str) -> dict:
    (message,) = [m for m in await signing.published() if m.key == occurrence_id.encode()]
    return json.loads(message.value)


async def test_sign_more_than_the_limit_after_performing_is_retrospective_and_still_on_time(
    signing, staff, unit
):
    occurrence = await signing.schedule(unit_id=unit)
    performed = NOW + timedelta(minutes=1)
    signing.clock.set(performed + timedelta(minutes=40))

    signed = (await staff(SIGN, {"input": sign_input(occurrence.occurrence_id)}))["sign"]

    assert signed["timing"] == "ON_TIME"  # judged on the phone's time, as before
    assert (signed["retrospective"], signed["lagSeconds"]) == (True, 40 * 60)
    assert (await _payload(signing, occurrence.occurrence_id))["retrospective"] is True
    (shown,) = (await staff(HISTORY, {"id": occurrence.occurrence_id}))["signatureHistory"]
    assert (shown["retrospective"], shown["lagSeconds"]) == (True, 40 * 60)


async def test_sign_within_the_limit_is_not_retrospective_and_shows_no_lag(signing, staff, unit):
    occurrence = await signing.schedule(unit_id=unit)
    signing.clock.set(NOW + timedelta(minutes=16))  # performed at NOW + 1 min: 15 min exactly

    signed = (await staff(SIGN, {"input": sign_input(occurrence.occurrence_id)}))["sign"]

    assert (signed["retrospective"], signed["lagSeconds"]) == (False, None)
    assert (await _payload(signing, occurrence.occurrence_id))["retrospective"] is False


async def test_sync_judges_each_item_against_the_time_it_reaches_the_server(signing, staff, unit):
    prompt, offline = [await signing.schedule(unit_id=unit) for _ in range(2)]
    signing.clock.set(NOW + timedelta(minutes=30))
    items = [
        sign_input(prompt.occurrence_id, performed_at=NOW + timedelta(minutes=25)),
        sign_input(offline.occurrence_id, performed_at=NOW + timedelta(minutes=2)),
    ]

    results = (await staff(SYNC, {"inputs": items}))["syncSignatures"]

    assert [r["error"] for r in results] == [None, None]
    assert [(r["signature"]["retrospective"], r["signature"]["lagSeconds"]) for r in results] == [
        (False, None),
        (True, 28 * 60),
    ]
    assert all(r["signature"]["timing"] == "ON_TIME" for r in results)
    assert (await _payload(signing, offline.occurrence_id))["retrospective"] is True
    assert (await _payload(signing, prompt.occurrence_id))["retrospective"] is False


async def test_a_prn_signing_entered_afterwards_is_retrospective_too(signing, staff, unit):
    intervention = await activate(signing, unit)
    signing.clock.set(NOW + timedelta(hours=2))
    query = SIGN_PRN.replace("intervention { id }", "intervention { id } retrospective lagSeconds")

    signed = (
        await staff(
            query, {"input": prn_input(intervention.intervention_id, key=new_id("k"), minutes=30)}
        )
    )["signPrn"]

    assert (signed["retrospective"], signed["lagSeconds"]) == (True, 90 * 60)
