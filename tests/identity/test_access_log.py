"""The access log: every service's RecordAccessed events kept, read per unit, sampled, reviewed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from libs.clock import FakeClock
from libs.messaging.envelope import CloudEvent
from services.identity.access_log import prune_access_log
from services.identity.events import ACCESS_TOPIC, RecordAccessed, RecordsAccessed
from services.identity.tables import AccessLogRow, LogReviewRow
from tests.identity.conftest import error_code
from tests.support.broker import cloud_event
from tests.support.broker import publish as publish_on
from tests.support.waiting import eventually

LOG = """
query($t: ID, $u: ID, $f: DateTime, $to: DateTime, $n: Int) {
  accessLog(tenantId: $t, userId: $u, from: $f, to: $to, first: $n) {
    id userId tenantId unitId action service accessedAt user { username }
  }
}"""
SAMPLE = """
query($unit: ID!, $f: DateTime!, $to: DateTime!, $n: Int) {
  accessLogSample(unitId: $unit, from: $f, to: $to, size: $n) { id unitId accessedAt }
}"""
REVIEW = """
mutation($i: RecordLogReviewInput!) {
  recordLogReview(input: $i) { id unitId reviewerId from to findings recordedAt }
}"""


def accessed(*, user_id: str, tenant_id: str, unit_id: str, at: datetime) -> CloudEvent:
    event = RecordAccessed(
        user_id=user_id,
        tenant_id=tenant_id,
        unit_id=unit_id,
        action="worklist.read",
        service="signing",
        accessed_at=at,
    )
    return cloud_event(event, time=at, source="/signa/signing")


async def publish(stack, events: list[CloudEvent]) -> None:
    await publish_on(stack.settings.common.kafka_bootstrap_servers, ACCESS_TOPIC, events)


async def stored(stack) -> int:
    async with stack.identity.deps.sessions() as session:
        return await session.scalar(select(func.count()).select_from(AccessLogRow))


async def test_access_events_are_kept_once_and_shown_to_the_right_readers(stack):
    anna = stack.demo["anna"].user_id
    now = datetime.now(UTC).replace(microsecond=0)
    elsewhere = str(uuid.uuid4())
    events = [
        accessed(
            user_id=anna, tenant_id="tenant-1", unit_id=stack.unit_id, at=now - timedelta(hours=h)
        )
        for h in range(1, 121)
    ]
    events.append(accessed(user_id=anna, tenant_id="tenant-2", unit_id=stack.unit_id, at=now))
    events.append(accessed(user_id="someone", tenant_id="tenant-9", unit_id=elsewhere, at=now))
    await publish(stack, events)
    await publish(stack, events[:5])  # redelivered: still one row each

    async def all_stored():
        return await stored(stack) == len(events)

    await eventually(all_stored)
    assert await stored(stack) == len(events)

    manager = await stack.as_user("chef")
    admin = await stack.as_user("admin")
    page = (await manager(LOG, {"n": 1000}))["accessLog"]
    assert len(page) == 100, "pages are capped at 100"
    assert {entry["unitId"] for entry in page} == {stack.unit_id}
    assert page[0]["tenantId"] == "tenant-2"
    assert page[0]["user"]["username"] == "anna"
    assert page == sorted(page, key=lambda e: e["accessedAt"], reverse=True)

    by_tenant = (await manager(LOG, {"t": "tenant-2"}))["accessLog"]
    assert [e["tenantId"] for e in by_tenant] == ["tenant-2"]
    window = {"f": (now - timedelta(hours=3, minutes=30)).isoformat(), "to": now.isoformat()}
    assert len((await manager(LOG, {"u": anna, **window}))["accessLog"]) == 3
    # The other unit's entry is invisible to this manager, visible to the administrator.
    assert (await manager(LOG, {"t": "tenant-9"}))["accessLog"] == []
    assert len((await admin(LOG, {"t": "tenant-9"}))["accessLog"]) == 1


async def test_one_event_for_many_recipients_is_an_entry_for_each_kept_once(stack):
    anna = stack.demo["anna"].user_id
    now = datetime.now(UTC).replace(microsecond=0)
    (event,) = RecordsAccessed.for_records(
        user_id=anna,
        records=[(f"tenant-{n}", stack.unit_id) for n in (1, 2, 3, 2)],  # 2 twice: one entry
        action="worklist.read",
        service="interventions",
        at=now,
    )
    envelope = cloud_event(event, time=now, source="/signa/interventions")
    await publish(stack, [envelope, envelope])  # redelivered: still one entry per recipient
    older = accessed(user_id=anna, tenant_id="tenant-4", unit_id=stack.unit_id, at=now)
    await publish(stack, [older])  # the first version, one recipient per event, still kept

    async def all_stored():
        return await stored(stack) == 4

    await eventually(all_stored)
    manager = await stack.as_user("chef")
    page = (await manager(LOG, {"u": anna}))["accessLog"]
    assert sorted(e["tenantId"] for e in page) == ["tenant-1", "tenant-2", "tenant-3", "tenant-4"]
    assert {e["action"] for e in page} == {"worklist.read"}
    assert await stored(stack) == 4


async def test_spot_check_sample_and_review_record(stack):
    anna = stack.demo["anna"].user_id
    now = datetime.now(UTC).replace(microsecond=0)
    await publish(
        stack,
        [
            accessed(
                user_id=anna,
                tenant_id=f"t{i}",
                unit_id=stack.unit_id,
                at=now - timedelta(minutes=i),
            )
            for i in range(1, 41)
        ],
    )

    async def all_stored():
        return await stored(stack) == 40

    await eventually(all_stored)
    manager = await stack.as_user("chef")
    period = {"f": (now - timedelta(hours=1)).isoformat(), "to": now.isoformat()}
    samples = [
        {
            e["id"]
            for e in (await manager(SAMPLE, {"unit": stack.unit_id, **period, "n": 5}))[
                "accessLogSample"
            ]
        }
        for _ in range(4)
    ]
    assert all(len(sample) == 5 for sample in samples)
    assert len(set.union(*samples)) > 5, "samples are random"
    capped = (await manager(SAMPLE, {"unit": stack.unit_id, **period, "n": 500}))["accessLogSample"]
    assert len(capped) == 40

    review = (
        await manager(
            REVIEW,
            {
                "i": {
                    "unitId": stack.unit_id,
                    "from": period["f"],
                    "to": period["to"],
                    "findings": "Stickprov 5 av 40: inga obehöriga åtkomster.",
                }
            },
        )
    )["recordLogReview"]
    assert review["reviewerId"] == stack.demo["chef"].user_id
    assert review["findings"].startswith("Stickprov")
    backwards = {
        "i": {"unitId": stack.unit_id, "from": period["to"], "to": period["f"], "findings": "x"}
    }
    assert await error_code(manager(REVIEW, backwards)) == "BAD_USER_INPUT"
    # GraphQL's DateTime takes a date or a time without an offset, which name no instant, and
    # years that overflow when converted to UTC: each is the caller's mistake, said so.
    for f in ("2026-05-01", "2026-05-01T00:00:00", "0001-01-01T00:00:00+01:00"):
        not_instant = {"i": {**backwards["i"], "from": f, "to": period["to"]}}
        assert await error_code(manager(REVIEW, not_instant)) == "BAD_USER_INPUT", f
        sample = {"unit": stack.unit_id, "f": f, "to": period["to"]}
        assert await error_code(manager(SAMPLE, sample)) == "BAD_USER_INPUT", f
        assert await error_code(manager(LOG, {"f": f})) == "BAD_USER_INPUT", f
    async with stack.identity.deps.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(LogReviewRow)) == 1


async def test_entries_older_than_the_retention_period_are_pruned(stack):
    assert stack.settings.access_log_retention >= timedelta(days=5 * 365)
    anna = stack.demo["anna"].user_id
    now = datetime.now(UTC)
    await publish(
        stack,
        [
            accessed(
                user_id=anna, tenant_id="old", unit_id=stack.unit_id, at=now - timedelta(days=400)
            ),
            accessed(
                user_id=anna, tenant_id="new", unit_id=stack.unit_id, at=now - timedelta(days=10)
            ),
        ],
    )

    async def both_stored():
        return await stored(stack) == 2

    await eventually(both_stored)
    removed = await prune_access_log(
        sessions=stack.identity.deps.sessions,
        clock=FakeClock(now),
        retention=timedelta(days=365),
    )
    assert removed == 1
    async with stack.identity.deps.sessions() as session:
        assert list(await session.scalars(select(AccessLogRow.tenant_id))) == ["new"]
