"""Signing an occurrence: statuses, the note rule, timing at the window edges, device-time skew."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from libs.auth.principal import Role
from services.signing.events import OccurrenceSigned
from tests.signing.conftest import NOW, SIGN, new_id, sign_input
from tests.support.graphql import GraphQLError


@pytest.mark.parametrize(
    ("status", "note"),
    [("DONE", None), ("NOT_DONE", "Ville inte"), ("NOT_HOME", "Ej hemma"), ("DECLINED", "Nej")],
)
async def test_each_status_is_stored_with_server_time_and_published_without_the_note(
    signing, staff, unit, status, note
):
    occurrence = await signing.schedule(unit_id=unit)
    signing.clock.advance(timedelta(minutes=12))

    signed = (
        await staff(SIGN, {"input": sign_input(occurrence.occurrence_id, status=status, note=note)})
    )["sign"]

    assert signed["status"] == status
    assert signed["note"] == note
    assert signed["timing"] == "ON_TIME"
    assert signed["signedAt"] == (NOW + timedelta(minutes=12)).isoformat()
    assert signed["occurrence"] == {"id": occurrence.occurrence_id}
    assert signed["annulled"] is False
    [event] = await signing.events_for(occurrence.occurrence_id)
    assert event["ce_type"] == OccurrenceSigned.TYPE
    stored = await signing.stored(occurrence_id=occurrence.occurrence_id)
    assert [row.status for row in stored] == [status]


async def test_event_carries_ids_and_times_but_never_the_note(signing, staff, unit):
    occurrence = await signing.schedule(unit_id=unit)
    secret = "Anna Andersson ville inte duscha"
    data = {"input": sign_input(occurrence.occurrence_id, status="DECLINED", note=secret)}
    signed = (await staff(SIGN, data))["sign"]

    messages = [m for m in await signing.published() if m.key == occurrence.occurrence_id.encode()]
    assert len(messages) == 1
    payload = json.loads(messages[0].value)
    assert secret not in messages[0].value.decode()
    assert payload["signature_id"] == signed["id"]
    assert payload["status"] == "DECLINED"
    assert payload["timing"] == "ON_TIME"
    assert payload["unit_id"] == unit
    assert payload["tenant_id"] == occurrence.tenant_id
    assert payload["signed_by"] == signed["signedBy"]["id"]


@pytest.mark.parametrize("status", ["NOT_DONE", "NOT_HOME", "DECLINED"])
@pytest.mark.parametrize("note", [None, "", "   "])
async def test_deviating_status_without_a_note_is_refused_and_nothing_is_stored(
    signing, staff, unit, status, note
):
    occurrence = await signing.schedule(unit_id=unit)
    with pytest.raises(GraphQLError) as refused:
        await staff(SIGN, {"input": sign_input(occurrence.occurrence_id, status=status, note=note)})
    assert refused.value.code == "BAD_USER_INPUT"
    assert "note is required" in refused.value.errors[0]["message"]
    assert await signing.stored(occurrence_id=occurrence.occurrence_id) == []
    assert await signing.outbox_count(subject=occurrence.occurrence_id) == 0


@pytest.mark.parametrize(
    ("offset", "timing"),
    [
        (timedelta(microseconds=-1), "EARLY"),
        (timedelta(0), "ON_TIME"),
        (timedelta(hours=1, microseconds=-1), "ON_TIME"),
        (timedelta(hours=1), "LATE"),  # the window's end is exclusive
    ],
)
async def test_timing_is_judged_on_performed_at_against_the_half_open_window(
    signing, staff, unit, offset, timing
):
    occurrence = await signing.schedule(unit_id=unit, window_start=NOW)
    signing.clock.set(NOW + timedelta(hours=1, minutes=1))
    data = {"input": sign_input(occurrence.occurrence_id, performed_at=NOW + offset)}
    assert (await staff(SIGN, data))["sign"]["timing"] == timing


@pytest.mark.parametrize(
    ("performed_offset", "accepted"),
    [
        (-timedelta(hours=24), True),
        (-timedelta(hours=24, seconds=1), False),
        (timedelta(minutes=2), True),
        (timedelta(minutes=2, seconds=1), False),
    ],
)
async def test_device_time_is_accepted_only_within_the_skew_of_server_time(
    signing, staff, unit, performed_offset, accepted
):
    occurrence = await signing.schedule(unit_id=unit)
    signing.clock.set(NOW + timedelta(hours=30))
    data = {
        "input": sign_input(
            occurrence.occurrence_id, performed_at=signing.clock.now() + performed_offset
        )
    }
    if accepted:
        assert (await staff(SIGN, data))["sign"]["id"]
        return
    with pytest.raises(GraphQLError) as refused:
        await staff(SIGN, data)
    assert refused.value.code == "BAD_USER_INPUT"
    assert "performedAt" in refused.value.errors[0]["message"]
    assert await signing.stored(occurrence_id=occurrence.occurrence_id) == []


async def test_performed_at_without_offset_is_bad_input(signing, staff, unit):
    occurrence = await signing.schedule(unit_id=unit)
    data = sign_input(occurrence.occurrence_id)
    data["performedAt"] = "2026-03-10T09:10:00"
    with pytest.raises(GraphQLError) as refused:
        await staff(SIGN, {"input": data})
    assert refused.value.code == "BAD_USER_INPUT"


async def test_unknown_status_is_bad_input(signing, staff, unit):
    occurrence = await signing.schedule(unit_id=unit)
    with pytest.raises(GraphQLError) as refused:
        await staff(SIGN, {"input": sign_input(occurrence.occurrence_id, status="MAYBE")})
    assert refused.value.code == "BAD_USER_INPUT"
    assert await signing.stored(occurrence_id=occurrence.occurrence_id) == []


async def test_a_retry_with_the_same_key_returns_the_original_signature(signing, staff, unit):
    occurrence = await signing.schedule(unit_id=unit)
    data = {"input": sign_input(occurrence.occurrence_id, key="tap-1")}
    first = (await staff(SIGN, data))["sign"]
    signing.clock.advance(timedelta(minutes=5))
    again = (await staff(SIGN, data))["sign"]
    assert again == first
    assert (
        await signing.outbox_count(type_=OccurrenceSigned.TYPE, subject=occurrence.occurrence_id)
        == 1
    )


async def test_the_same_key_for_a_different_signing_is_a_conflict(signing, staff, unit):
    first = await signing.schedule(unit_id=unit)
    second = await signing.schedule(unit_id=unit)
    signed = (await staff(SIGN, {"input": sign_input(first.occurrence_id, key="k")}))["sign"]
    with pytest.raises(GraphQLError) as refused:
        await staff(SIGN, {"input": sign_input(second.occurrence_id, key="k")})
    assert refused.value.code == "CONFLICT"
    assert refused.value.errors[0]["extensions"]["existingSignatureId"] == signed["id"]


async def test_a_second_signature_on_a_signed_occurrence_names_the_existing_one(
    signing, staff, unit
):
    occurrence = await signing.schedule(unit_id=unit)
    colleague = signing.client(new_id("staff"), {unit: [Role.CARE_STAFF]})
    signed = (await staff(SIGN, {"input": sign_input(occurrence.occurrence_id)}))["sign"]
    for signer in (staff, colleague):
        with pytest.raises(GraphQLError) as refused:
            await signer(
                SIGN,
                {"input": sign_input(occurrence.occurrence_id, status="NOT_HOME", note="borta")},
            )
        assert refused.value.code == "CONFLICT"
        assert refused.value.errors[0]["extensions"]["existingSignatureId"] == signed["id"]
    assert len(await signing.stored(occurrence_id=occurrence.occurrence_id)) == 1


async def test_a_cancelled_occurrence_cannot_be_signed(signing, staff, unit):
    occurrence = await signing.schedule(unit_id=unit)
    await signing.cancel(occurrence)
    with pytest.raises(GraphQLError) as refused:
        await staff(SIGN, {"input": sign_input(occurrence.occurrence_id)})
    assert refused.value.code == "CONFLICT"
    assert "cancelled" in refused.value.errors[0]["message"]
    assert await signing.stored(occurrence_id=occurrence.occurrence_id) == []
