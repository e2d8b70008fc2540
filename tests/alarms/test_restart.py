"""After downtime, every window that ended meanwhile is judged as the service starts."""

from __future__ import annotations

from datetime import timedelta

from libs.clock import FakeClock
from tests.alarms.conftest import T0, Unit, running_service
from tests.support.broker import cloud_event, publish


async def test_windows_that_ended_during_an_outage_are_caught_up_on_start(
    databases, broker, common_settings, tokens, http
):
    url = await databases.create("alarms_restart")
    clock = FakeClock(T0)
    unit = Unit(tokens=tokens)
    occurrences = [unit.scheduled(T0 + timedelta(hours=hour)) for hour in (1, 2, 3)]
    signed_in_time = unit.scheduled(T0 + timedelta(hours=1))
    cancelled = unit.scheduled(T0 + timedelta(hours=2))
    future = unit.scheduled(T0 + timedelta(hours=10))
    options = {
        "url": url,
        "common": common_settings,
        "clock": clock,
        "tokens": tokens,
        "http": http,
    }
    async with running_service(**options) as service:
        await service.publish(*occurrences, signed_in_time, cancelled, future)
        await service.publish(unit.cancelled(cancelled, T0), time=T0 + timedelta(seconds=1))
        await service.wait_until_known(cancelled.occurrence_id, lambda row: row.cancelled)
        for occurrence in (*occurrences, signed_in_time, future):
            await service.wait_until_known(occurrence.occurrence_id)

    clock.set(T0 + timedelta(hours=5))  # the service was down while four windows ended
    # One of them was signed in its window meanwhile: its event waits on the topic.
    signed = unit.signed(signed_in_time, performed_at=signed_in_time.window_start, timing="ON_TIME")
    await publish(
        common_settings.kafka_bootstrap_servers,
        signed.TOPIC,
        [cloud_event(signed, time=signed_in_time.window_start)],
    )

    async with running_service(**options) as service:
        # The clock stands still: only the catch-up pass on start can raise these.
        for occurrence in occurrences:
            alarms = await service.wait_for_alarms(occurrence.occurrence_id, 1, within=5)
            assert [(a.kind, a.raised_at) for a in alarms] == [("MISSED", clock.now())]
        # The pass waited for the downtime's events: the signed window is no false MISSED.
        assert await service.alarms(signed_in_time.occurrence_id) == []
        assert (await service.occurrence(signed_in_time.occurrence_id)).check_due is None
        await service.settle()
        assert await service.alarms(cancelled.occurrence_id) == []
        assert await service.alarms(future.occurrence_id) == []
        assert (await service.occurrence(future.occurrence_id)).check_due == future.window_end
