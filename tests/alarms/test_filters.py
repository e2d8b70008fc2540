"""The `alarms` list filtered by overdue, care recipient and day, with counts and pages right."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

from libs.auth.principal import Role
from services.identity.events import RecordsAccessed
from tests.alarms.conftest import ACKNOWLEDGE, Unit, advance_to, new_id, outbox
from tests.alarms.test_follow_up import expect_error
from tests.support.waiting import eventually

LIST = """
query($u: ID!, $first: Int, $after: String, $state: AlarmState, $overdue: Boolean,
      $tenant: ID, $from: Date, $to: Date) {
  alarms(unitId: $u, first: $first, after: $after, state: $state, overdue: $overdue,
         tenantId: $tenant, from: $from, to: $to) {
    totalCount
    pageInfo { endCursor hasNextPage }
    nodes { id overdue tenant { id } }
  }
}"""


async def deviating_alarm(
    service, unit: Unit, *, window_start: datetime, local_date: date | None = None
) -> str:
    """A window at ``window_start`` (of the unit-local ``local_date``) signed NOT_DONE."""
    occurrence = unit.scheduled(window_start)
    occurrence = dataclasses.replace(occurrence, local_date=local_date or window_start.date())
    signed = unit.signed(
        occurrence,
        performed_at=window_start + timedelta(minutes=5),
        timing="ON_TIME",
        status="NOT_DONE",
    )
    await service.publish(occurrence, signed)
    (alarm,) = await service.wait_for_alarms(occurrence.occurrence_id, 1)
    return alarm.alarm_id


async def every_page(client, variables: dict) -> tuple[list[str], set[int]]:
    """All ids a filter lists, a page of one at a time, and the totalCounts the pages gave."""
    ids, totals, after = [], set(), None
    while True:
        page = (await client(LIST, {**variables, "first": 1, "after": after}))["alarms"]
        ids += [node["id"] for node in page["nodes"]]
        totals.add(page["totalCount"])
        if not page["pageInfo"]["hasNextPage"]:
            return ids, totals
        after = page["pageInfo"]["endCursor"]


async def test_alarms_are_filtered_by_care_recipient_and_local_day_with_count_and_pages(
    service, unit, tokens
):
    # Another care recipient in the same unit.
    neighbour = dataclasses.replace(unit, tenant_id=new_id("tenant"))
    day1 = (service.clock.now() + timedelta(days=3)).replace(hour=9, minute=0, second=0)
    day2, day3 = day1 + timedelta(days=1), day1 + timedelta(days=2)
    mine = {
        "day1": await deviating_alarm(service, unit, window_start=day1),
        "day2": await deviating_alarm(service, unit, window_start=day2),
        # 23:30 UTC is 00:30 in Stockholm: the unit's day 3, though the UTC date is day 2.
        "day3": await deviating_alarm(
            service,
            unit,
            window_start=day2.replace(hour=23, minute=30),
            local_date=day3.date(),
        ),
    }
    theirs = await deviating_alarm(service, neighbour, window_start=day2)
    staff = service.client(unit.token(Role.CARE_STAFF))
    everything = {"u": unit.unit_id}

    ids, totals = await every_page(staff, everything)
    assert set(ids) == {*mine.values(), theirs}
    assert totals == {4}

    ids, totals = await every_page(staff, {**everything, "tenant": unit.tenant_id})
    assert set(ids) == set(mine.values())
    assert totals == {3}
    assert len(ids) == 3, "each once"

    def days(first: datetime | None, last: datetime | None) -> dict:
        return {
            **everything,
            "from": first.date().isoformat() if first else None,
            "to": last.date().isoformat() if last else None,
        }

    assert set((await every_page(staff, days(day2, day2)))[0]) == {mine["day2"], theirs}
    assert set((await every_page(staff, days(day3, day3)))[0]) == {mine["day3"]}
    assert set((await every_page(staff, days(day2, None)))[0]) == {
        mine["day2"],
        mine["day3"],
        theirs,
    }
    assert set((await every_page(staff, days(None, day1)))[0]) == {mine["day1"]}
    ids, totals = await every_page(staff, {**days(day2, day3), "tenant": neighbour.tenant_id})
    assert (ids, totals) == ([theirs], {1})

    # A care recipient of another unit looks like one that does not exist: nothing listed.
    elsewhere = Unit(tokens=tokens)
    await deviating_alarm(service, elsewhere, window_start=day1)
    page = (await staff(LIST, {**everything, "tenant": elsewhere.tenant_id}))["alarms"]
    assert (page["totalCount"], page["nodes"], page["pageInfo"]["hasNextPage"]) == (0, [], False)
    stranger = service.client(elsewhere.token(Role.UNIT_MANAGER))
    await expect_error(stranger(LIST, {**everything, "tenant": unit.tenant_id}), "NOT_FOUND")


async def test_overdue_lists_only_open_alarms_past_the_limit(service, unit):
    now = service.clock.now()
    old = await deviating_alarm(service, unit, window_start=now + timedelta(minutes=1))
    handled = await deviating_alarm(service, unit, window_start=now + timedelta(minutes=2))
    admin = service.client(unit.token(Role.SOL_ADMIN))
    advance_to(service.clock, now + service.settings.overdue_after + timedelta(hours=1))
    await admin(ACKNOWLEDGE, {"input": {"alarmId": handled, "outcome": "STAFF_REMINDED"}})
    fresh = await deviating_alarm(
        service, unit, window_start=service.clock.now() + timedelta(minutes=1)
    )

    overdue = (await admin(LIST, {"u": unit.unit_id, "overdue": True}))["alarms"]
    assert [node["id"] for node in overdue["nodes"]] == [old]
    assert overdue["totalCount"] == 1
    assert all(node["overdue"] for node in overdue["nodes"])
    rest = (await admin(LIST, {"u": unit.unit_id, "overdue": False}))["alarms"]
    assert [node["id"] for node in rest["nodes"]] == [fresh, handled]
    assert not any(node["overdue"] for node in rest["nodes"])
    open_in_time = {"u": unit.unit_id, "overdue": False, "state": "OPEN"}
    assert [n["id"] for n in (await admin(LIST, open_in_time))["alarms"]["nodes"]] == [fresh]
    assert (await admin(LIST, {"u": unit.unit_id}))["alarms"]["totalCount"] == 3


async def test_a_reversed_or_overlong_period_is_refused_and_logs_no_reading(service, unit):
    await deviating_alarm(service, unit, window_start=service.clock.now() + timedelta(minutes=1))
    reader_id = new_id("reader")
    staff = service.client(unit.token(Role.CARE_STAFF, user_id=reader_id))
    for period in (
        {"from": "2026-03-02", "to": "2026-03-01"},
        {"from": "2026-01-01", "to": "2027-01-02"},  # 367 days
        {"from": "yesterday"},
    ):
        error = await expect_error(staff(LIST, {"u": unit.unit_id, **period}), "BAD_USER_INPUT")
        assert error.errors[0]["message"], period
    assert await outbox(service, RecordsAccessed.TYPE, user_id=reader_id) == []
    a_year = {"u": unit.unit_id, "from": "2026-01-01", "to": "2027-01-01"}  # 366 days
    assert (await staff(LIST, a_year))["alarms"]["totalCount"] >= 0


BY_PERSON = """query($u: ID!, $signedBy: ID, $escalated: Boolean, $state: AlarmState) {
  alarms(unitId: $u, signedBy: $signedBy, escalated: $escalated, state: $state) {
    totalCount nodes { id signedBy { id } escalatedAt }
  }
}"""


async def test_alarms_are_filtered_by_signer_including_a_missed_alarms_late_signer(service, unit):
    colleague = dataclasses.replace(unit, staff_id=new_id("staff"))
    start = service.clock.now() + timedelta(minutes=1)
    mine = await deviating_alarm(service, unit, window_start=start)
    theirs = await deviating_alarm(service, colleague, window_start=start)
    unsigned = unit.scheduled(start)
    signed_late = unit.scheduled(start)
    await service.publish(unsigned, signed_late)
    await service.wait_until_known(signed_late.occurrence_id)
    advance_to(service.clock, signed_late.window_end)
    (nobodys,) = await service.wait_for_alarms(unsigned.occurrence_id, 1)
    (late,) = await service.wait_for_alarms(signed_late.occurrence_id, 1)
    await service.publish(
        unit.signed(
            signed_late, performed_at=signed_late.window_end + timedelta(minutes=1), timing="LATE"
        )
    )

    async def shown():
        (row,) = await service.alarms(signed_late.occurrence_id)
        return row.signature_id

    await eventually(shown)
    manager = service.client(unit.token(Role.UNIT_MANAGER))

    async def listed(**filters) -> tuple[set[str], int]:
        page = (await manager(BY_PERSON, {"u": unit.unit_id, **filters}))["alarms"]
        return {node["id"] for node in page["nodes"]}, page["totalCount"]

    assert await listed(signedBy=unit.staff_id) == ({mine, late.alarm_id}, 2)
    assert await listed(signedBy=colleague.staff_id) == ({theirs}, 1)
    assert await listed(signedBy="nobody-at-all") == (set(), 0)
    assert nobodys.alarm_id in (await listed())[0]
    # A signer's alarms in another unit stay there.
    elsewhere = Unit(tokens=unit.tokens, staff_id=unit.staff_id)
    await deviating_alarm(service, elsewhere, window_start=service.clock.now())
    assert await listed(signedBy=unit.staff_id) == ({mine, late.alarm_id}, 2)


async def test_escalated_lists_alarms_escalated_to_the_manager_also_once_acknowledged(
    service, unit
):
    now = service.clock.now()
    escalated = await deviating_alarm(service, unit, window_start=now + timedelta(minutes=1))
    handled = await deviating_alarm(service, unit, window_start=now + timedelta(minutes=1))
    advance_to(service.clock, now + service.settings.overdue_after + timedelta(minutes=10))
    await service.sweep()
    fresh = await deviating_alarm(
        service, unit, window_start=service.clock.now() + timedelta(minutes=1)
    )
    manager = service.client(unit.token(Role.UNIT_MANAGER))
    await manager(ACKNOWLEDGE, {"input": {"alarmId": handled, "outcome": "STAFF_REMINDED"}})

    async def listed(**filters) -> tuple[set[str], int]:
        page = (await manager(BY_PERSON, {"u": unit.unit_id, **filters}))["alarms"]
        assert all(
            (node["escalatedAt"] is not None) == filters["escalated"] for node in page["nodes"]
        )
        return {node["id"] for node in page["nodes"]}, page["totalCount"]

    assert await listed(escalated=True) == ({escalated, handled}, 2)
    assert await listed(escalated=True, state="OPEN") == ({escalated}, 1)
    assert await listed(escalated=False) == ({fresh}, 1)
