"""A phone coming back online: a batch of signatures, each stored once and on its own."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.signing.events import OccurrenceSigned
from tests.signing.conftest import NOW, sign_input
from tests.support.graphql import GraphQLError

SYNC = """
mutation Sync($inputs: [SignInput!]!) {
  syncSignatures(inputs: $inputs) {
    idempotencyKey occurrenceId
    signature { id status timing }
    error { code message existingSignatureId }
  }
}"""


async def test_a_batch_of_200_with_duplicates_and_one_invalid_item_stores_the_rest_once(
    signing, staff, unit
):
    occurrences = [await signing.schedule(unit_id=unit, wait=False) for _ in range(190)]
    for occurrence in occurrences[-1:]:
        await signing.known(occurrence.occurrence_id)
    signing.clock.set(NOW + timedelta(hours=6))  # the phone was offline all morning
    items = [
        sign_input(o.occurrence_id, key=f"offline-{i}", performed_at=NOW + timedelta(minutes=5))
        for i, o in enumerate(occurrences)
    ]
    duplicates = [dict(item) for item in items[:9]]  # sent twice: the phone retried
    invalid = sign_input(
        occurrences[100].occurrence_id, status="NOT_DONE", note=None, key="offline-invalid"
    )
    batch = [*items[:100], invalid, *items[100:], *duplicates]
    assert len(batch) == 200

    results = (await staff(SYNC, {"inputs": batch}))["syncSignatures"]

    assert [result["idempotencyKey"] for result in results] == [i["idempotencyKey"] for i in batch]
    by_key: dict[str, list] = {}
    for result in results:
        by_key.setdefault(result["idempotencyKey"], []).append(result)
    failed = [result for result in results if result["error"]]
    assert [f["idempotencyKey"] for f in failed] == ["offline-invalid"]
    assert failed[0]["error"]["code"] == "BAD_USER_INPUT"
    assert failed[0]["signature"] is None
    for key in (item["idempotencyKey"] for item in duplicates):
        first, again = by_key[key]
        assert first["signature"]["id"] == again["signature"]["id"]
    assert all(r["signature"]["timing"] == "ON_TIME" for r in results if not r["error"])
    for occurrence in occurrences:
        stored = await signing.stored(occurrence_id=occurrence.occurrence_id)
        assert len(stored) == 1
        assert stored[0].status == "DONE"
        assert (
            await signing.outbox_count(
                type_=OccurrenceSigned.TYPE, subject=occurrence.occurrence_id
            )
            == 1
        )


async def test_syncing_the_same_batch_again_changes_nothing(signing, staff, unit):
    occurrences = [await signing.schedule(unit_id=unit) for _ in range(3)]
    batch = [sign_input(o.occurrence_id) for o in occurrences]
    first = (await staff(SYNC, {"inputs": batch}))["syncSignatures"]
    again = (await staff(SYNC, {"inputs": batch}))["syncSignatures"]
    assert first == again
    for occurrence in occurrences:
        assert (
            await signing.outbox_count(
                type_=OccurrenceSigned.TYPE, subject=occurrence.occurrence_id
            )
            == 1
        )


async def test_an_item_for_an_occurrence_someone_else_signed_reports_the_conflict(
    signing, staff, unit
):
    from libs.auth.principal import Role
    from tests.signing.conftest import SIGN, new_id

    occurrence = await signing.schedule(unit_id=unit)
    colleague = signing.client(new_id("staff"), {unit: [Role.CARE_STAFF]})
    signed = (await colleague(SIGN, {"input": sign_input(occurrence.occurrence_id)}))["sign"]
    [result] = (await staff(SYNC, {"inputs": [sign_input(occurrence.occurrence_id)]}))[
        "syncSignatures"
    ]
    assert result["error"]["code"] == "CONFLICT"
    assert result["error"]["existingSignatureId"] == signed["id"]


async def test_more_than_200_items_is_refused_whole(signing, staff, unit):
    occurrence = await signing.schedule(unit_id=unit)
    batch = [sign_input(occurrence.occurrence_id) for _ in range(201)]
    with pytest.raises(GraphQLError) as refused:
        await staff(SYNC, {"inputs": batch})
    assert refused.value.code == "BAD_USER_INPUT"
    assert await signing.stored(occurrence_id=occurrence.occurrence_id) == []


async def test_two_items_for_one_occurrence_keep_the_phones_order(signing, staff, unit):
    occurrence = await signing.schedule(unit_id=unit)
    first = sign_input(occurrence.occurrence_id, status="NOT_HOME", note="Ej hemma")
    second = sign_input(occurrence.occurrence_id)
    results = (await staff(SYNC, {"inputs": [first, second]}))["syncSignatures"]
    assert results[0]["signature"]["status"] == "NOT_HOME"
    assert results[1]["error"]["code"] == "CONFLICT"
    assert results[1]["error"]["existingSignatureId"] == results[0]["signature"]["id"]


async def test_an_item_whose_occurrence_event_is_late_is_stored_when_it_arrives(
    signing, staff, unit
):
    import asyncio

    from tests.signing.conftest import new_id

    known = await signing.schedule(unit_id=unit)
    late_id = new_id("occ")
    batch = [sign_input(known.occurrence_id), sign_input(late_id)]
    sent = asyncio.create_task(staff(SYNC, {"inputs": batch}))
    await asyncio.sleep(0.5)
    await signing.schedule(unit_id=unit, occurrence_id=late_id, wait=False)
    results = (await sent)["syncSignatures"]
    assert [r["error"] for r in results] == [None, None]
    assert len(await signing.stored(occurrence_id=late_id)) == 1


async def test_an_item_for_another_units_occurrence_is_not_found_like_an_unknown_one(
    signing, staff, unit
):
    import time

    from tests.signing.conftest import new_id

    mine = await signing.schedule(unit_id=unit)
    theirs = await signing.schedule(unit_id=new_id("unit"))
    batch = [sign_input(mine.occurrence_id), sign_input(theirs.occurrence_id)]
    started = time.monotonic()
    results = (await staff(SYNC, {"inputs": batch}))["syncSignatures"]
    # The batch waited for "their" occurrence as for one not known yet: timing tells nothing.
    assert time.monotonic() - started >= signing.settings.occurrence_wait_seconds
    assert results[0]["signature"]["status"] == "DONE"
    assert results[1]["error"]["code"] == "NOT_FOUND"
    assert await signing.stored(occurrence_id=theirs.occurrence_id) == []
