"""The live alarm feed over a real WebSocket (graphql-transport-ws)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
import websockets

from libs.auth.principal import Role
from services.identity.events import RoleRevoked
from tests.alarms.conftest import ACKNOWLEDGE, Unit, advance_to
from tests.support.graphql import GraphQLError, next_payload, subscription
from tests.support.waiting import eventually

SUBSCRIBE = """subscription($u: ID!) {
  alarmEvents(unitId: $u) { type alarm { id kind state occurrence { id } acknowledgedBy { id } } }
}"""


async def subscribed(service, unit_id: str, count: int = 1) -> None:
    """Wait until the service has registered the subscriber(s) for the unit."""
    feed = service.app.state.feed
    for _ in range(200):
        if len(feed._subscribers.get(unit_id, ())) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the subscription never registered")


async def first_result(socket) -> dict:
    payload = await next_payload(socket)
    if payload.get("errors"):
        raise GraphQLError(payload["errors"])
    return payload


async def first_message_without_token(ws_url: str, unit_id: str) -> None:
    async with subscription(ws_url, SUBSCRIBE, {"u": unit_id}) as socket:
        message = json.loads(await asyncio.wait_for(socket.recv(), timeout=5))
        raise GraphQLError([message])


async def test_alarm_raised_by_the_rules_arrives_within_a_second_and_its_acknowledgement_too(
    service, unit
):
    occurrence = unit.scheduled(service.clock.now() + timedelta(minutes=1))
    await service.publish(occurrence)
    await service.wait_until_known(occurrence.occurrence_id)
    async with subscription(
        service.ws_url, SUBSCRIBE, {"u": unit.unit_id}, token=unit.token(Role.CARE_STAFF)
    ) as socket:
        await subscribed(service, unit.unit_id)
        loop = asyncio.get_running_loop()
        started = loop.time()
        advance_to(service.clock, occurrence.window_end)
        payload = await asyncio.wait_for(next_payload(socket), timeout=5)
        elapsed = loop.time() - started
        event = payload["data"]["alarmEvents"]
        assert event["type"] == "RAISED"
        assert event["alarm"]["kind"] == "MISSED"
        assert event["alarm"]["occurrence"] == {"id": occurrence.occurrence_id}
        assert elapsed < 1.0, f"the alarm took {elapsed:.2f}s from window end to subscriber"

        admin_id = "admin-" + unit.unit_id
        await service.client(unit.token(Role.SOL_ADMIN, user_id=admin_id))(
            ACKNOWLEDGE,
            {"input": {"alarmId": event["alarm"]["id"], "outcome": "PERFORMED_NOT_SIGNED"}},
        )
        acked = (await asyncio.wait_for(next_payload(socket), timeout=2))["data"]["alarmEvents"]
        assert acked["type"] == "ACKNOWLEDGED"
        assert acked["alarm"]["state"] == "ACKNOWLEDGED"
        assert acked["alarm"]["acknowledgedBy"] == {"id": admin_id}


async def test_a_user_of_another_unit_receives_nothing(service, unit, tokens):
    other = Unit(tokens=tokens)
    occurrence = unit.scheduled(service.clock.now() + timedelta(minutes=1))
    await service.publish(occurrence)
    await service.wait_until_known(occurrence.occurrence_id)
    token = other.token(Role.UNIT_MANAGER)
    async with subscription(service.ws_url, SUBSCRIBE, {"u": unit.unit_id}, token=token) as socket:
        with pytest.raises(GraphQLError) as refused:
            await asyncio.wait_for(first_result(socket), timeout=5)
        assert refused.value.code == "NOT_FOUND"
    async with subscription(service.ws_url, SUBSCRIBE, {"u": other.unit_id}, token=token) as socket:
        await subscribed(service, other.unit_id)
        advance_to(service.clock, occurrence.window_end)
        await service.wait_for_alarms(occurrence.occurrence_id, 1)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(next_payload(socket), timeout=1.5)


async def test_a_bad_token_is_refused_at_connection(service, unit):
    with pytest.raises((GraphQLError, websockets.exceptions.ConnectionClosed)):
        async with subscription(service.ws_url, SUBSCRIBE, {"u": unit.unit_id}, token="forged"):
            pass
    with pytest.raises((GraphQLError, websockets.exceptions.ConnectionClosed)):
        await first_message_without_token(service.ws_url, unit.unit_id)


async def revoke(service, unit, user_id: str) -> None:
    """Identity's event that the user's role was revoked, taken into effect by the service."""
    revoked_at = datetime.now(UTC)
    await service.publish(
        RoleRevoked(
            user_id=user_id,
            role="CARE_STAFF",
            unit_id=unit.unit_id,
            revoked_by="manager",
            revoked_at=revoked_at,
        ),
        time=revoked_at,
    )

    async def taken_into_effect():
        return service.runtime.revocations._not_before.get(user_id)

    await eventually(taken_into_effect)


async def test_a_role_revoked_during_a_quiet_subscription_stops_the_feed(service, unit):
    user_id = "revoked-" + unit.unit_id
    token = unit.token(Role.CARE_STAFF, user_id=user_id)
    async with subscription(service.ws_url, SUBSCRIBE, {"u": unit.unit_id}, token=token) as socket:
        await subscribed(service, unit.unit_id)
        await revoke(service, unit, user_id)
        # No alarm event comes: the feed finds the revocation on its own, within seconds.
        with pytest.raises(GraphQLError) as stopped:
            await asyncio.wait_for(first_result(socket), timeout=5)
        assert stopped.value.code == "UNAUTHENTICATED"


async def test_an_open_websocket_checks_its_token_again_for_every_operation(service, unit):
    user_id = "revoked-ws-" + unit.unit_id
    token = unit.token(Role.CARE_STAFF, user_id=user_id)
    query = "query($u: ID!) { alarms(unitId: $u) { totalCount } }"
    async with subscription(service.ws_url, query, {"u": unit.unit_id}, token=token) as socket:
        assert (await first_result(socket))["data"]["alarms"]["totalCount"] == 0
        await revoke(service, unit, user_id)
        again = {
            "id": "2",
            "type": "subscribe",
            "payload": {"query": query, "variables": {"u": unit.unit_id}},
        }
        await socket.send(json.dumps(again))
        with pytest.raises(GraphQLError) as refused:
            await asyncio.wait_for(first_result(socket), timeout=5)
        assert refused.value.code == "UNAUTHENTICATED"


async def test_an_alarm_raised_by_another_replica_reaches_this_replicas_subscribers(
    databases, broker, common_settings, tokens, http
):
    from libs.clock import FakeClock
    from tests.alarms.conftest import T0, running_service

    url = await databases.create("alarms_replicas")
    clock = FakeClock(T0)
    unit = Unit(tokens=tokens)
    shared = {"url": url, "common": common_settings, "clock": clock, "tokens": tokens, "http": http}
    async with (
        running_service(**shared) as raising,
        # This replica's own sweeper looks only every 5 s, so the other one raises the alarm.
        running_service(**shared, sweep_interval_seconds=5) as serving,
    ):
        occurrence = unit.scheduled(T0 + timedelta(minutes=1))
        await raising.publish(occurrence)
        await raising.wait_until_known(occurrence.occurrence_id)
        async with subscription(
            serving.ws_url, SUBSCRIBE, {"u": unit.unit_id}, token=unit.token(Role.SOL_ADMIN)
        ) as socket:
            await subscribed(serving, unit.unit_id)
            started = asyncio.get_running_loop().time()
            clock.set(occurrence.window_end)
            await raising.sweep()
            payload = await asyncio.wait_for(next_payload(socket), timeout=5)
            elapsed = asyncio.get_running_loop().time() - started
    event = payload["data"]["alarmEvents"]
    assert (event["type"], event["alarm"]["kind"]) == ("RAISED", "MISSED")
    assert elapsed < 1.0


ESCALATIONS = """subscription($u: ID!) {
  alarmEvents(unitId: $u) { type alarm { id kind state overdue escalatedAt } }
}"""


async def test_an_overdue_alarms_escalation_reaches_the_feed_as_escalated(service, unit):
    occurrence = unit.scheduled(service.clock.now() + timedelta(minutes=1))
    await service.publish(occurrence)
    await service.wait_until_known(occurrence.occurrence_id)
    async with subscription(
        service.ws_url, ESCALATIONS, {"u": unit.unit_id}, token=unit.token(Role.UNIT_MANAGER)
    ) as socket:
        await subscribed(service, unit.unit_id)
        advance_to(service.clock, occurrence.window_end)
        raised = (await asyncio.wait_for(next_payload(socket), timeout=5))["data"]["alarmEvents"]
        assert (raised["type"], raised["alarm"]["escalatedAt"]) == ("RAISED", None)

        # The service's own sweeper escalates it once the follow-up limit has passed.
        advance_to(
            service.clock,
            service.clock.now() + service.settings.overdue_after + timedelta(seconds=1),
        )
        payload = await asyncio.wait_for(next_payload(socket), timeout=5)
        event = payload["data"]["alarmEvents"]
        assert event["type"] == "ESCALATED"
        assert event["alarm"]["id"] == raised["alarm"]["id"]
        assert event["alarm"]["state"] == "OPEN"
        assert event["alarm"]["overdue"] is True
        assert event["alarm"]["escalatedAt"] is not None
        # Escalated once: no second event for it.
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(next_payload(socket), timeout=1.5)
