"""Races settled by the database: a double tap is one signature, two phones get one winner."""

from __future__ import annotations

import asyncio

from libs.auth.principal import Role
from services.signing.events import OccurrenceSigned
from tests.signing.conftest import SIGN, new_id, sign_input
from tests.support.graphql import GraphQLError


async def test_fifty_concurrent_calls_with_one_key_make_one_signature_and_one_event(
    signing, staff, unit
):
    occurrence = await signing.schedule(unit_id=unit)
    data = {"input": sign_input(occurrence.occurrence_id, key="double-tap")}

    answers = await asyncio.gather(*(staff(SIGN, data) for _ in range(50)))

    assert len({answer["sign"]["id"] for answer in answers}) == 1
    assert len(await signing.stored(occurrence_id=occurrence.occurrence_id)) == 1
    assert (
        await signing.outbox_count(type_=OccurrenceSigned.TYPE, subject=occurrence.occurrence_id)
        == 1
    )
    events = await signing.events_for(occurrence.occurrence_id)
    assert [event["ce_type"] for event in events] == [OccurrenceSigned.TYPE]


async def test_two_staff_signing_at_once_one_wins_and_the_other_gets_conflict(signing, unit):
    for _ in range(5):  # several rounds, so the race is really run, not won by luck of order
        occurrence = await signing.schedule(unit_id=unit)
        anna = signing.client(new_id("anna"), {unit: [Role.CARE_STAFF]})
        bo = signing.client(new_id("bo"), {unit: [Role.CARE_STAFF]})
        results = await asyncio.gather(
            anna(SIGN, {"input": sign_input(occurrence.occurrence_id)}),
            bo(
                SIGN,
                {"input": sign_input(occurrence.occurrence_id, status="NOT_HOME", note="Ej hemma")},
            ),
            return_exceptions=True,
        )
        won = [result for result in results if isinstance(result, dict)]
        lost = [result for result in results if isinstance(result, GraphQLError)]
        assert len(won) == 1, results
        assert len(lost) == 1, results
        assert lost[0].code == "CONFLICT"
        assert lost[0].errors[0]["extensions"]["existingSignatureId"] == won[0]["sign"]["id"]
        assert len(await signing.stored(occurrence_id=occurrence.occurrence_id)) == 1
