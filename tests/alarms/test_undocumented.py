"""Deviating signatures still undocumented after the limit: the overview's count and the filter."""

from __future__ import annotations

from datetime import timedelta

from libs.auth.principal import Role
from services.signing.events import OccurrenceSigned
from tests.alarms.conftest import ACKNOWLEDGE, Unit, advance_to, missed_alarm
from tests.support.waiting import eventually

OVERVIEW = "query($u: ID!) { alarmOverview(unitId: $u) { undocumented open { deviating } } }"
LIST = """query($u: ID!, $undocumented: Boolean) {
  alarms(unitId: $u, undocumented: $undocumented) { totalCount nodes { id } }
}"""


async def deviating(service, unit: Unit) -> tuple[str, OccurrenceSigned]:
    """A window starting now signed NOT_DONE (signedAt = performedAt, 5 min in): its alarm."""
    start = service.clock.now() + timedelta(minutes=1)
    occurrence = unit.scheduled(start)
    signed = unit.signed(
        occurrence, performed_at=start + timedelta(minutes=5), timing="ON_TIME", status="NOT_DONE"
    )
    await service.publish(occurrence, signed)
    (alarm,) = await service.wait_for_alarms(occurrence.occurrence_id, 1)
    return alarm.alarm_id, signed


async def test_deviating_signatures_unconfirmed_past_the_limit_are_counted_and_listed(
    service, unit
):
    admin = service.client(unit.token(Role.SOL_ADMIN))
    limit = service.settings.undocumented_after
    assert limit == timedelta(hours=24)

    left, _ = await deviating(service, unit)
    documented, documented_signature = await deviating(service, unit)
    annulled, annulled_signature = await deviating(service, unit)
    acknowledged, _ = await deviating(service, unit)
    missed = (await missed_alarm(service, unit)).alarm_id
    signed_at = documented_signature.signed_at

    await service.publish(
        unit.documented(documented_signature, at=signed_at + timedelta(hours=1)),
        unit.annulled(annulled_signature, at=signed_at + timedelta(hours=1)),
    )
    await admin(ACKNOWLEDGE, {"input": {"alarmId": acknowledged, "outcome": "STAFF_REMINDED"}})
    # Signed an hour before the limit passes for the others: not yet undocumented.
    advance_to(service.clock, signed_at + limit - timedelta(hours=1))
    recent, _ = await deviating(service, unit)

    # Just before the limit nothing counts yet.
    advance_to(service.clock, signed_at + limit - timedelta(minutes=1))
    before = (await admin(OVERVIEW, {"u": unit.unit_id}))["alarmOverview"]
    assert before["undocumented"] == 0

    advance_to(service.clock, signed_at + limit + timedelta(minutes=10))

    async def counted():
        figures = (await admin(OVERVIEW, {"u": unit.unit_id}))["alarmOverview"]
        return figures if figures["undocumented"] == 1 else None

    figures = await eventually(counted)
    assert figures["open"]["deviating"] >= 3  # left, documented, recent are open

    listed = (await admin(LIST, {"u": unit.unit_id, "undocumented": True}))["alarms"]
    assert [node["id"] for node in listed["nodes"]] == [left]
    assert listed["totalCount"] == 1
    rest = (await admin(LIST, {"u": unit.unit_id, "undocumented": False}))["alarms"]
    everything = (await admin(LIST, {"u": unit.unit_id}))["alarms"]
    # The annulment, after the window, also reopened the window as MISSED: one more alarm.
    assert {node["id"] for node in rest["nodes"]} == {n["id"] for n in everything["nodes"]} - {left}
    assert {documented, annulled, acknowledged, missed, recent} <= {n["id"] for n in rest["nodes"]}
    assert rest["totalCount"] == everything["totalCount"] - 1

    # Care staff read the overview as before, and see the count too.
    staff = service.client(unit.token(Role.CARE_STAFF))
    assert (await staff(OVERVIEW, {"u": unit.unit_id}))["alarmOverview"]["undocumented"] == 1
