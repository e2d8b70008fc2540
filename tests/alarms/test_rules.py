"""The alarm rules on a running service, driven by events on a real broker and a fake clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from libs.messaging.envelope import to_kafka
from services.alarms.evaluation import sweep_due
from services.alarms.events import AlarmAcknowledged, AlarmRaised, AlarmUpdated
from services.alarms.sweeper import Sweeper
from tests.alarms.conftest import advance_to, outbox
from tests.support.broker import cloud_event


async def test_window_ending_unsigned_raises_missed_within_five_seconds(service, unit):
    now = service.clock.now()
    occurrence = unit.scheduled(now + timedelta(minutes=1), minutes=30)
    await service.publish(occurrence)
    row = await service.wait_until_known(occurrence.occurrence_id)
    assert row.check_due == occurrence.window_end

    advance_to(service.clock, occurrence.window_end - timedelta(microseconds=1))
    await service.settle(0.3)
    assert await service.alarms(occurrence.occurrence_id) == []

    advance_to(service.clock, occurrence.window_end)
    started = asyncio.get_running_loop().time()
    (alarm,) = await service.wait_for_alarms(occurrence.occurrence_id, 1, within=5)
    assert asyncio.get_running_loop().time() - started < 5
    assert (alarm.kind, alarm.state, alarm.unit_id) == ("MISSED", "OPEN", unit.unit_id)
    assert alarm.raised_at >= occurrence.window_end
    assert (await service.occurrence(occurrence.occurrence_id)).check_due is None
    assert len(await outbox(service, AlarmRaised.TYPE, alarm_id=alarm.alarm_id)) == 1


async def test_grace_period_delays_missed(databases, broker, tokens, http):
    from libs.clock import FakeClock
    from tests.alarms.conftest import T0, Unit, common_for, running_service

    url = await databases.create("alarms_grace")
    clock = FakeClock(T0)
    unit = Unit(tokens=tokens)
    async with running_service(
        url=url,
        common=common_for(broker),
        clock=clock,
        tokens=tokens,
        http=http,
        missed_grace_seconds=600,
    ) as service:
        occurrence = unit.scheduled(T0 + timedelta(minutes=5), minutes=30)
        await service.publish(occurrence)
        await service.wait_until_known(occurrence.occurrence_id)
        clock.set(occurrence.window_end + timedelta(minutes=9))
        await service.sweep()
        assert await service.alarms(occurrence.occurrence_id) == []
        clock.set(occurrence.window_end + timedelta(minutes=10))
        (alarm,) = await service.wait_for_alarms(occurrence.occurrence_id, 1, within=5)
    assert alarm.kind == "MISSED"


async def test_signing_on_time_raises_nothing_and_exactly_at_window_end_is_outside_window(
    service, unit
):
    now = service.clock.now()
    on_time = unit.scheduled(now + timedelta(minutes=1))
    at_end = unit.scheduled(now + timedelta(minutes=2))
    await service.publish(on_time, at_end)
    await service.publish(
        unit.signed(
            on_time, performed_at=on_time.window_end - timedelta(seconds=1), timing="ON_TIME"
        ),
        unit.signed(at_end, performed_at=at_end.window_end, timing="LATE"),
    )
    (late,) = await service.wait_for_alarms(at_end.occurrence_id, 1)
    advance_to(service.clock, at_end.window_end + timedelta(minutes=1))
    await service.sweep()
    await service.settle()
    assert late.kind == "OUTSIDE_WINDOW"
    assert await service.alarms(on_time.occurrence_id) == []
    assert [a.kind for a in await service.alarms(at_end.occurrence_id)] == ["OUTSIDE_WINDOW"]


async def test_early_signature_raises_outside_window(service, unit):
    now = service.clock.now()
    occurrence = unit.scheduled(now + timedelta(hours=2))
    await service.publish(occurrence)
    await service.publish(unit.signed(occurrence, performed_at=now, timing="EARLY"))
    (alarm,) = await service.wait_for_alarms(occurrence.occurrence_id, 1)
    assert alarm.kind == "OUTSIDE_WINDOW"


async def test_late_signature_updates_the_open_missed_alarm_instead_of_a_second_alarm(
    service, unit
):
    now = service.clock.now()
    occurrence = unit.scheduled(now + timedelta(minutes=1))
    await service.publish(occurrence)
    await service.wait_until_known(occurrence.occurrence_id)
    advance_to(service.clock, occurrence.window_end)
    (missed,) = await service.wait_for_alarms(occurrence.occurrence_id, 1)

    late = unit.signed(
        occurrence, performed_at=occurrence.window_end + timedelta(minutes=20), timing="LATE"
    )
    await service.publish(late)

    async def updated():
        (alarm,) = await service.alarms(occurrence.occurrence_id)
        return alarm if alarm.signature_id == late.signature_id else None

    from tests.support.waiting import eventually

    alarm = await eventually(updated)
    await service.settle()
    assert alarm.alarm_id == missed.alarm_id
    assert (alarm.kind, alarm.state) == ("MISSED", "OPEN")
    assert len(await service.alarms(occurrence.occurrence_id)) == 1
    (event,) = await outbox(service, AlarmUpdated.TYPE, alarm_id=missed.alarm_id)
    assert event["signature_id"] == late.signature_id

    data = await service.client(unit.token("SOL_ADMIN"))(
        """query($id: ID!) { alarm(id: $id) { kind signedBy { id } signedAt performedAt
             signature { id } } }""",
        {"id": missed.alarm_id},
    )
    assert data["alarm"]["signedBy"] == {"id": unit.staff_id}
    assert data["alarm"]["signature"] == {"id": late.signature_id}


async def test_missed_alarms_the_facts_no_longer_call_for_are_withdrawn_by_the_system(
    service, unit
):
    """A window judged missed, then signed as performed in it (an offline phone syncing); and
    one judged missed, then cancelled (an absence registered afterwards)."""
    from tests.support.waiting import eventually

    now = service.clock.now()
    synced, absent = (unit.scheduled(now + timedelta(minutes=m)) for m in (1, 2))
    await service.publish(synced, absent)
    await service.wait_until_known(absent.occurrence_id)
    advance_to(service.clock, absent.window_end)
    (missed_synced,) = await service.wait_for_alarms(synced.occurrence_id, 1)
    (missed_absent,) = await service.wait_for_alarms(absent.occurrence_id, 1)

    await service.publish(
        unit.signed(
            synced,
            performed_at=synced.window_start + timedelta(minutes=5),
            timing="ON_TIME",
            signed_at=service.clock.now(),
        ),
        unit.cancelled(absent, service.clock.now()),
    )

    async def withdrawn(occurrence_id: str):
        (alarm,) = await service.alarms(occurrence_id)
        return alarm if alarm.state == "ACKNOWLEDGED" else None

    for occurrence, missed in ((synced, missed_synced), (absent, missed_absent)):
        alarm = await eventually(lambda o=occurrence: withdrawn(o.occurrence_id))
        assert (alarm.alarm_id, alarm.outcome, alarm.acknowledged_by) == (
            missed.alarm_id,
            "OTHER",
            "system",
        )
        assert alarm.comment.startswith("Återkallat av systemet")
        (event,) = await outbox(service, AlarmAcknowledged.TYPE, alarm_id=missed.alarm_id)
        assert event["acknowledged_by"] == "system"


async def test_annulling_a_signature_after_the_window_makes_it_missed_again(service, unit):
    now = service.clock.now()
    occurrence = unit.scheduled(now + timedelta(minutes=1))
    await service.publish(occurrence)
    signature = unit.signed(occurrence, performed_at=now + timedelta(minutes=5), timing="ON_TIME")
    await service.publish(signature)
    await service.wait_until_known(occurrence.occurrence_id, lambda row: row.check_due is None)
    advance_to(service.clock, occurrence.window_end + timedelta(minutes=5))
    await service.sweep()
    assert await service.alarms(occurrence.occurrence_id) == []

    await service.publish(unit.annulled(signature, service.clock.now()))
    (alarm,) = await service.wait_for_alarms(occurrence.occurrence_id, 1)
    assert (alarm.kind, alarm.generation) == ("MISSED", 1)


async def test_annulled_late_signature_turns_the_updated_missed_alarm_back(service, unit):
    now = service.clock.now()
    occurrence = unit.scheduled(now + timedelta(minutes=1))
    await service.publish(occurrence)
    await service.wait_until_known(occurrence.occurrence_id)
    advance_to(service.clock, occurrence.window_end)
    (missed,) = await service.wait_for_alarms(occurrence.occurrence_id, 1)
    late = unit.signed(occurrence, performed_at=service.clock.now(), timing="LATE")
    await service.publish(late)
    await service.publish(unit.annulled(late, service.clock.now()))
    from tests.support.waiting import eventually

    async def reverted():
        rows = await service.alarms(occurrence.occurrence_id)
        return rows if rows and rows[0].generation == 1 else None

    (alarm,) = await eventually(reverted)
    await service.settle()
    assert alarm.alarm_id == missed.alarm_id
    assert alarm.signature_id is None
    assert len(await service.alarms(occurrence.occurrence_id)) == 1


async def test_annulment_before_the_window_ends_leaves_a_check_that_fires_at_the_end(service, unit):
    now = service.clock.now()
    occurrence = unit.scheduled(now + timedelta(minutes=1))
    signature = unit.signed(occurrence, performed_at=now + timedelta(minutes=2), timing="ON_TIME")
    await service.publish(occurrence, signature)
    await service.publish(unit.annulled(signature, now + timedelta(minutes=3)))
    row = await service.wait_until_known(
        occurrence.occurrence_id, lambda row: row.check_due is not None
    )
    assert row.check_due == occurrence.window_end
    advance_to(service.clock, occurrence.window_end)
    (alarm,) = await service.wait_for_alarms(occurrence.occurrence_id, 1)
    assert alarm.kind == "MISSED"


async def test_deviating_signature_raises_alarm_showing_whether_documentation_was_confirmed(
    service, unit
):
    now = service.clock.now()
    occurrence = unit.scheduled(now + timedelta(minutes=1))
    await service.publish(occurrence)
    signature = unit.signed(
        occurrence, performed_at=now + timedelta(minutes=2), timing="ON_TIME", status="NOT_HOME"
    )
    await service.publish(signature)
    (alarm,) = await service.wait_for_alarms(occurrence.occurrence_id, 1)
    assert alarm.kind == "DEVIATING"
    client = service.client(unit.token("SOL_ADMIN"))
    query = """query($id: ID!) { alarm(id: $id) { kind signingStatus documentationConfirmed
                 documentedAt } }"""
    before = (await client(query, {"id": alarm.alarm_id}))["alarm"]
    assert before == {
        "kind": "DEVIATING",
        "signingStatus": "NOT_HOME",
        "documentationConfirmed": False,
        "documentedAt": None,
    }

    await service.publish(unit.documented(signature, now + timedelta(minutes=10)))
    from tests.support.waiting import eventually

    async def confirmed():
        data = (await client(query, {"id": alarm.alarm_id}))["alarm"]
        return data if data["documentationConfirmed"] else None

    await eventually(confirmed)
    assert len(await outbox(service, AlarmUpdated.TYPE, alarm_id=alarm.alarm_id)) == 1


async def test_cancelled_occurrence_raises_nothing_and_drops_its_check(service, unit):
    now = service.clock.now()
    occurrence = unit.scheduled(now + timedelta(minutes=1))
    await service.publish(occurrence)
    await service.publish(unit.cancelled(occurrence, now), time=now + timedelta(seconds=1))
    await service.wait_until_known(
        occurrence.occurrence_id, lambda row: row.cancelled and row.check_due is None
    )
    advance_to(service.clock, occurrence.window_end + timedelta(hours=1))
    await service.sweep()
    late = unit.signed(
        occurrence, performed_at=service.clock.now(), timing="LATE", status="NOT_DONE"
    )
    await service.publish(late)
    await service.settle()
    assert await service.alarms(occurrence.occurrence_id) == []


async def test_cancellation_arriving_before_the_scheduling_still_wins_and_a_later_schedule_revives(
    service, unit
):
    now = service.clock.now()
    occurrence = unit.scheduled(now + timedelta(minutes=1))
    # Sent in the wrong order: the cancellation happened after the scheduling.
    await service.publish(unit.cancelled(occurrence, now), time=now + timedelta(seconds=2))
    await service.publish(occurrence, time=now + timedelta(seconds=1))
    await service.wait_until_known(occurrence.occurrence_id, lambda row: row.window_end is not None)
    row = await service.occurrence(occurrence.occurrence_id)
    assert row.cancelled
    assert row.check_due is None
    # Resumed: scheduled again later, so the window counts again.
    await service.publish(occurrence, time=now + timedelta(seconds=3))
    row = await service.wait_until_known(
        occurrence.occurrence_id, lambda row: row.check_due is not None
    )
    assert not row.cancelled


async def test_signature_before_its_occurrence_and_duplicated_events_converge(service, unit):
    now = service.clock.now()
    occurrence = unit.scheduled(now + timedelta(minutes=1))
    signature = unit.signed(
        occurrence,
        performed_at=occurrence.window_end + timedelta(minutes=1),
        timing="LATE",
        status="DECLINED",
    )
    signed_events = await service.publish(signature)
    (first,) = await service.publish(occurrence)
    await service.publish_again("interventions.events", first, first)
    await service.publish_again("signing.events", *signed_events)
    await service.publish(signature, occurrence)  # the same facts under new event ids
    await service.wait_for_alarms(occurrence.occurrence_id, 2)
    advance_to(service.clock, occurrence.window_end + timedelta(minutes=5))
    await service.sweep()
    await service.settle(1.0)
    alarms = await service.alarms(occurrence.occurrence_id)
    assert sorted(a.kind for a in alarms) == ["DEVIATING", "OUTSIDE_WINDOW"]
    row = await service.occurrence(occurrence.occurrence_id)
    assert (row.window_end, row.check_due) == (occurrence.window_end, None)


async def test_replicas_sweeping_at_once_raise_one_missed_alarm(service, unit):
    now = service.clock.now()
    occurrences = [unit.scheduled(now + timedelta(minutes=1)) for _ in range(20)]
    await service.publish(*occurrences)
    for occurrence in occurrences:
        await service.wait_until_known(occurrence.occurrence_id)
    replicas = [
        Sweeper(units_of_work=service.runtime.unit_of_work, settings=service.settings)
        for _ in range(4)
    ]
    advance_to(service.clock, occurrences[0].window_end)
    await asyncio.gather(*(replica.sweep_once() for replica in replicas), service.sweep())
    for occurrence in occurrences:
        alarms = await service.wait_for_alarms(occurrence.occurrence_id, 1)
        assert [a.kind for a in alarms] == ["MISSED"]
        raised = await outbox(service, AlarmRaised.TYPE, occurrence_id=occurrence.occurrence_id)
        assert len(raised) == 1
    assert sweep_due  # the unit under test


async def test_pausing_an_intervention_drops_the_checks_of_windows_still_to_come(service, unit):
    """As interventions cancels them: windows not started yet. One in progress may be being
    performed right now, so it keeps its check (as it keeps its place on the worklist)."""
    from services.interventions.events import InterventionPaused

    now = service.clock.now()
    ended = unit.scheduled(now - timedelta(hours=2), minutes=30)
    running = unit.scheduled(now - timedelta(minutes=10), minutes=30)
    coming = unit.scheduled(now + timedelta(minutes=5))
    await service.publish(ended, running, coming)
    await service.wait_for_alarms(ended.occurrence_id, 1)
    await service.wait_until_known(running.occurrence_id)
    await service.wait_until_known(coming.occurrence_id)
    await service.publish(
        InterventionPaused(
            intervention_id=unit.intervention_id,
            tenant_id=unit.tenant_id,
            unit_id=unit.unit_id,
            prn=False,
            by="admin",
            at=now,
        ),
        time=now + timedelta(seconds=1),
    )
    await service.wait_until_known(coming.occurrence_id, lambda row: row.check_due is None)
    advance_to(service.clock, coming.window_end + timedelta(minutes=1))
    await service.sweep()
    assert await service.alarms(coming.occurrence_id) == []
    assert [a.kind for a in await service.alarms(running.occurrence_id)] == ["MISSED"]
    assert [a.kind for a in await service.alarms(ended.occurrence_id)] == ["MISSED"]


async def test_signatures_handled_as_one_run_give_each_occurrence_its_own_alarms(service, unit):
    """A burst of signatures reaches the consumer as one run (one batch, set-wise statements);
    each occurrence still ends with exactly the alarms its own signature calls for."""
    now = service.clock.now()
    on_time, late, deviating, unscheduled = (
        unit.scheduled(now + timedelta(minutes=minutes)) for minutes in (1, 2, 3, 4)
    )
    await service.publish(on_time, late, deviating)
    for occurrence in (on_time, late, deviating):
        await service.wait_until_known(occurrence.occurrence_id)
    signatures = [
        unit.signed(on_time, performed_at=on_time.window_start, timing="ON_TIME"),
        unit.signed(late, performed_at=late.window_end + timedelta(minutes=1), timing="LATE"),
        unit.signed(
            deviating, performed_at=deviating.window_start, timing="ON_TIME", status="NOT_DONE"
        ),
        unit.signed(unscheduled, performed_at=unscheduled.window_start, timing="ON_TIME"),
    ]
    run = [to_kafka(cloud_event(s, time=now), topic=s.TOPIC) for s in signatures]
    await service.runtime.dispatcher.dispatch([*run, run[1]])  # and one delivered twice

    kinds = {
        name: [a.kind for a in await service.alarms(occurrence.occurrence_id)]
        for name, occurrence in (
            ("on_time", on_time),
            ("late", late),
            ("deviating", deviating),
            ("unscheduled", unscheduled),
        )
    }
    assert kinds == {
        "on_time": [],
        "late": ["OUTSIDE_WINDOW"],
        "deviating": ["DEVIATING"],
        "unscheduled": [],
    }
    stub = await service.occurrence(unscheduled.occurrence_id)
    assert (stub.unit_id, stub.window_end) == (unit.unit_id, None)
    raised = await outbox(service, AlarmRaised.TYPE, unit_id=unit.unit_id)
    assert sorted(event["kind"] for event in raised) == ["DEVIATING", "OUTSIDE_WINDOW"]
