"""Retrospective signatures: they count with the phone's time, but never close an alarm alone."""

from __future__ import annotations

from datetime import timedelta

from services.alarms.events import AlarmAcknowledged, AlarmUpdated
from tests.alarms.conftest import advance_to, missed_alarm, outbox
from tests.support.waiting import eventually

ALARM = """query($id: ID!) { alarm(id: $id) {
  kind state outcome signature { id } signedBy { id } signedAt performedAt
  retrospective signatureLagSeconds
} }"""


async def test_retrospective_signature_updates_the_open_missed_alarm_which_stays_open(
    service, unit
):
    missed = await missed_alarm(service, unit)
    occurrence = await service.occurrence(missed.occurrence_id)
    signed_at = service.clock.now() + timedelta(minutes=30)
    advance_to(service.clock, signed_at)
    performed_at = occurrence.window_start + timedelta(minutes=5)
    from_memory = unit.signed(
        occurrence,
        performed_at=performed_at,
        signed_at=signed_at,
        timing="ON_TIME",
        retrospective=True,
    )
    await service.publish(from_memory)

    async def updated():
        (alarm,) = await service.alarms(missed.occurrence_id)
        return alarm if alarm.signature_id == from_memory.signature_id else None

    alarm = await eventually(updated)
    await service.settle()
    (alarm,) = await service.alarms(missed.occurrence_id)
    assert (alarm.alarm_id, alarm.state, alarm.acknowledged_by) == (missed.alarm_id, "OPEN", None)
    assert await outbox(service, AlarmAcknowledged.TYPE, alarm_id=missed.alarm_id) == []
    (event,) = await outbox(service, AlarmUpdated.TYPE, alarm_id=missed.alarm_id)
    assert event["signature_id"] == from_memory.signature_id

    shown = (await service.client(unit.token("SOL_ADMIN"))(ALARM, {"id": missed.alarm_id}))["alarm"]
    assert shown["state"] == "OPEN"
    assert shown["retrospective"] is True
    assert shown["signatureLagSeconds"] == int((signed_at - performed_at).total_seconds())
    assert shown["signedBy"] == {"id": unit.staff_id}
    assert shown["signature"] == {"id": from_memory.signature_id}


async def test_a_prompt_signature_performed_in_the_window_still_withdraws_the_missed_alarm(
    service, unit
):
    missed = await missed_alarm(service, unit)
    occurrence = await service.occurrence(missed.occurrence_id)
    await service.publish(
        unit.signed(
            occurrence,
            performed_at=occurrence.window_end - timedelta(minutes=1),
            signed_at=service.clock.now(),
            timing="ON_TIME",
        )
    )

    async def withdrawn():
        (alarm,) = await service.alarms(missed.occurrence_id)
        return alarm if alarm.state == "ACKNOWLEDGED" else None

    alarm = await eventually(withdrawn)
    assert alarm.acknowledged_by == "system"
    shown = (await service.client(unit.token("SOL_ADMIN"))(ALARM, {"id": missed.alarm_id}))["alarm"]
    assert (shown["retrospective"], shown["signatureLagSeconds"]) == (False, None)


async def test_retrospective_signature_without_an_alarm_raises_missed_only_once_the_window_was_due(
    service, unit
):
    """Signed after the window's end (before the sweep judged it): MISSED, showing the
    signature. Signed retrospectively while the window was still open: nothing."""
    now = service.clock.now()
    after_end, within = (unit.scheduled(now + timedelta(minutes=m)) for m in (1, 2))
    await service.publish(after_end, within)
    await service.wait_until_known(within.occurrence_id)
    late_entry = unit.signed(
        after_end,
        performed_at=after_end.window_start + timedelta(minutes=1),
        signed_at=after_end.window_end + timedelta(minutes=5),
        timing="ON_TIME",
        retrospective=True,
    )
    early_entry = unit.signed(
        within,
        performed_at=within.window_start,
        signed_at=within.window_start + timedelta(minutes=20),
        timing="ON_TIME",
        retrospective=True,
    )
    await service.publish(late_entry, early_entry)

    (alarm,) = await service.wait_for_alarms(after_end.occurrence_id, 1)
    assert (alarm.kind, alarm.state, alarm.signature_id) == (
        "MISSED",
        "OPEN",
        late_entry.signature_id,
    )
    advance_to(service.clock, within.window_end + timedelta(minutes=1))
    await service.sweep()
    await service.settle()
    assert await service.alarms(within.occurrence_id) == []
    assert len(await service.alarms(after_end.occurrence_id)) == 1
