"""A phone signs the moment the worklist shows an occurrence, before signing heard of it."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.signing.conftest import SIGN, new_id, sign_input
from tests.support.graphql import GraphQLError


async def test_signing_before_the_occurrence_event_arrives_waits_for_it_and_succeeds(
    signing, staff, unit
):
    occurrence_id = new_id("occ")
    sent = asyncio.create_task(staff(SIGN, {"input": sign_input(occurrence_id)}))
    await asyncio.sleep(0.6)  # the event is late: the request is already waiting
    assert not sent.done()
    await signing.schedule(unit_id=unit, occurrence_id=occurrence_id, wait=False)

    signed = (await sent)["sign"]

    assert signed["occurrence"] == {"id": occurrence_id}
    assert signed["timing"] == "ON_TIME"
    assert len(await signing.stored(occurrence_id=occurrence_id)) == 1


async def test_an_occurrence_that_never_arrives_is_not_found_after_a_bounded_wait(signing, staff):
    started = time.monotonic()
    with pytest.raises(GraphQLError) as refused:
        await staff(SIGN, {"input": sign_input(new_id("occ"))})
    waited = time.monotonic() - started
    assert refused.value.code == "NOT_FOUND"
    assert signing.settings.occurrence_wait_seconds <= waited < 5
