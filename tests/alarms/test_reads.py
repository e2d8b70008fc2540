"""Reading alarms: pagination, overview, the federation entity, and the compliance report."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from libs.auth.principal import Role
from tests.alarms.conftest import ACKNOWLEDGE, Unit, advance_to, missed_alarm, new_id
from tests.alarms.test_follow_up import expect_error

PAGE = """
query($u: ID!, $first: Int, $after: String, $kind: AlarmKind, $state: AlarmState) {
  alarms(unitId: $u, first: $first, after: $after, kind: $kind, state: $state) {
    totalCount
    pageInfo { endCursor hasNextPage }
    edges { cursor node { id kind state } }
    nodes { id }
  }
}"""


async def deviating_alarms(service, unit, count: int) -> list[str]:
    now = service.clock.now()
    ids = []
    for _ in range(count):
        occurrence = unit.scheduled(now + timedelta(minutes=1))
        await service.publish(
            occurrence,
            unit.signed(
                occurrence,
                performed_at=now + timedelta(minutes=2),
                timing="ON_TIME",
                status="NOT_DONE",
            ),
        )
        ids.append(occurrence.occurrence_id)
    alarm_ids = []
    for occurrence_id in ids:
        (alarm,) = await service.wait_for_alarms(occurrence_id, 1)
        alarm_ids.append(alarm.alarm_id)
    return alarm_ids


async def test_alarms_are_paged_newest_first_with_cursors_and_filters(service, unit, tokens):
    expected = set(await deviating_alarms(service, unit, 5))
    client = service.client(unit.token(Role.CARE_STAFF))
    seen, after, pages = [], None, 0
    while True:
        page = (await client(PAGE, {"u": unit.unit_id, "first": 2, "after": after}))["alarms"]
        pages += 1
        assert page["totalCount"] == 5
        assert [e["node"]["id"] for e in page["edges"]] == [n["id"] for n in page["nodes"]]
        seen += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == 3
    assert len(seen) == 5
    assert set(seen) == expected

    missed = (await client(PAGE, {"u": unit.unit_id, "kind": "MISSED"}))["alarms"]
    assert (missed["totalCount"], missed["nodes"]) == (0, [])
    still_open = (await client(PAGE, {"u": unit.unit_id, "state": "OPEN"}))["alarms"]
    assert still_open["totalCount"] == 5

    await expect_error(client(PAGE, {"u": unit.unit_id, "first": 101}), "BAD_USER_INPUT")
    await expect_error(client(PAGE, {"u": unit.unit_id, "first": 0}), "BAD_USER_INPUT")
    await expect_error(client(PAGE, {"u": unit.unit_id, "after": "not-a-cursor"}), "BAD_USER_INPUT")
    stranger = service.client(Unit(tokens=tokens).token(Role.UNIT_MANAGER))
    await expect_error(stranger(PAGE, {"u": unit.unit_id}), "NOT_FOUND")
    system_admin = service.client(tokens.token("sysadmin", {}, global_roles=[Role.SYSTEM_ADMIN]))
    await expect_error(system_admin(PAGE, {"u": unit.unit_id}), "NOT_FOUND")


async def test_overview_counts_open_alarms_by_kind_and_the_last_acknowledgement(service, unit):
    deviating = await deviating_alarms(service, unit, 2)
    missed = await missed_alarm(service, unit)
    admin = service.client(unit.token(Role.SOL_ADMIN))
    overview_query = """query($u: ID!) { alarmOverview(unitId: $u) {
        open { missed outsideWindow deviating total } acknowledged acknowledgedThisWeek overdue
        oldestOpenRaisedAt lastAcknowledgedAt } }"""
    before = (await admin(overview_query, {"u": unit.unit_id}))["alarmOverview"]
    assert before["open"] == {"missed": 1, "outsideWindow": 0, "deviating": 2, "total": 3}
    assert before["lastAcknowledgedAt"] is None
    assert before["acknowledged"] == 0
    await admin(
        ACKNOWLEDGE,
        {"input": {"alarmId": deviating[0], "outcome": "STAFF_REMINDED"}},
    )
    after = (await admin(overview_query, {"u": unit.unit_id}))["alarmOverview"]
    assert after["open"]["total"] == 2
    assert after["acknowledged"] == 1
    assert after["acknowledgedThisWeek"] == 1
    assert after["lastAcknowledgedAt"] == service.clock.now().isoformat()
    assert after["oldestOpenRaisedAt"] is not None
    assert missed.raised_at.isoformat() >= after["oldestOpenRaisedAt"]
    service.clock.set(service.clock.now() + timedelta(days=7))
    next_week = (await admin(overview_query, {"u": unit.unit_id}))["alarmOverview"]
    assert (next_week["acknowledged"], next_week["acknowledgedThisWeek"]) == (1, 0)


async def test_occurrence_entity_carries_its_alarms_for_the_unit_only(service, unit, tokens):
    alarm = await missed_alarm(service, unit)
    query = """query($r: [_Any!]!) { _entities(representations: $r) {
        ... on Occurrence { id alarms { id kind occurrence { id } } } } }"""
    reps = {"r": [{"__typename": "Occurrence", "id": alarm.occurrence_id}]}
    mine = (await service.client(unit.token(Role.CARE_STAFF))(query, reps))["_entities"]
    assert mine == [
        {
            "id": alarm.occurrence_id,
            "alarms": [
                {"id": alarm.alarm_id, "kind": "MISSED", "occurrence": {"id": alarm.occurrence_id}}
            ],
        }
    ]
    stranger = service.client(Unit(tokens=tokens).token(Role.CARE_STAFF))
    theirs = (await stranger(query, reps))["_entities"]
    assert theirs == [{"id": alarm.occurrence_id, "alarms": []}]
    by_alarm = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Alarm { id } } }"""
    alarms = {"r": [{"__typename": "Alarm", "id": i} for i in ("no-such-alarm", alarm.alarm_id)]}
    assert (await stranger(by_alarm, alarms))["_entities"] == [None, None]
    assert (await service.client(unit.token(Role.CARE_STAFF))(by_alarm, alarms))["_entities"] == [
        None,
        {"id": alarm.alarm_id},
    ]


REPORT = """
query($u: ID!, $from: Date!, $to: Date!) {
  complianceReport(unitId: $u, from: $from, to: $to) {
    rows { ...figures }
    total { ...figures }
  }
}
fragment figures on ComplianceRow {
  date intervention { id } planned onTime outsideWindow missed pending
  deviating { notDone notHome declined total }
  alarmsRaised acknowledgedInTime medianSecondsToAcknowledge retrospective
}"""


async def test_compliance_report_matches_a_hand_computed_fixture_and_the_csv(service, unit, tokens):
    clock = service.clock
    base = (clock.now() + timedelta(days=1)).replace(second=0, microsecond=0)
    day2 = base + timedelta(days=1)
    a, b = unit.intervention_id, new_id("int")
    a1, a2, b1, b2 = (unit.scheduled(base, intervention_id=i) for i in (a, a, b, b))
    a3, a4, b3 = (unit.scheduled(day2, intervention_id=i) for i in (a, a, b))
    await service.publish(a1, a2, b1, b2, a3, a4, b3)
    await service.publish(unit.cancelled(a4, clock.now()), time=clock.now() + timedelta(seconds=1))
    await service.wait_until_known(a4.occurrence_id, lambda row: row.cancelled)
    admin = service.client(unit.token(Role.SOL_ADMIN))

    async def ack(occurrence, kind, outcome="PERFORMED_NOT_SIGNED"):
        (alarm,) = [x for x in await service.alarms(occurrence.occurrence_id) if x.kind == kind]
        await admin(ACKNOWLEDGE, {"input": {"alarmId": alarm.alarm_id, "outcome": outcome}})

    # Day 1, 08:30: A1 on time (signed 25 min after performing: retrospective), A2 not done
    # (DEVIATING), B1 signed late (OUTSIDE_WINDOW).
    advance_to(clock, base + timedelta(minutes=30))
    await service.publish(
        unit.signed(
            a1,
            performed_at=base + timedelta(minutes=5),
            signed_at=clock.now(),
            timing="ON_TIME",
            retrospective=True,
        ),
        unit.signed(a2, performed_at=clock.now(), timing="ON_TIME", status="NOT_DONE"),
        unit.signed(b1, performed_at=b1.window_end + timedelta(minutes=10), timing="LATE"),
    )
    await service.wait_for_alarms(a2.occurrence_id, 1)
    await service.wait_for_alarms(b1.occurrence_id, 1)
    advance_to(clock, base + timedelta(minutes=60))  # B2's window ends unsigned
    await service.wait_for_alarms(b2.occurrence_id, 1)
    advance_to(clock, base + timedelta(minutes=90))
    await ack(a2, "DEVIATING", "STAFF_REMINDED")  # after 1 h
    advance_to(clock, base + timedelta(hours=3, minutes=30))
    await ack(b1, "OUTSIDE_WINDOW")  # after 3 h
    # Day 2: B3 signed early as declined (two alarms); A3 missed; A4 was cancelled.
    advance_to(clock, day2 + timedelta(minutes=30))
    await service.publish(
        unit.signed(
            b3, performed_at=day2 - timedelta(minutes=30), timing="EARLY", status="DECLINED"
        )
    )
    await service.wait_for_alarms(b3.occurrence_id, 2)
    advance_to(clock, day2 + timedelta(minutes=60))
    await service.wait_for_alarms(a3.occurrence_id, 1)
    advance_to(clock, day2 + timedelta(days=2, minutes=30))
    await ack(b3, "OUTSIDE_WINDOW")  # after 2 days
    advance_to(clock, base + timedelta(days=8, minutes=60))
    await ack(b2, "MISSED", "PERFORMED_NOT_SIGNED")  # after 8 days: not in time
    advance_to(clock, clock.now() + timedelta(minutes=1))

    variables = {"u": unit.unit_id, "from": base.date().isoformat(), "to": day2.date().isoformat()}
    report = (await admin(REPORT, variables))["complianceReport"]

    def row(
        day,
        intervention,
        planned,
        on_time,
        outside,
        missed,
        not_done,
        declined,
        raised,
        in_time,
        median,
        retrospective=0,
    ):
        return {
            "date": day,
            "intervention": {"id": intervention} if intervention else None,
            "planned": planned,
            "onTime": on_time,
            "outsideWindow": outside,
            "missed": missed,
            "pending": 0,
            "deviating": {
                "notDone": not_done,
                "notHome": 0,
                "declined": declined,
                "total": not_done + declined,
            },
            "alarmsRaised": raised,
            "acknowledgedInTime": in_time,
            "medianSecondsToAcknowledge": median,
            "retrospective": retrospective,
        }

    d1, d2 = base.date().isoformat(), day2.date().isoformat()
    expected_rows = sorted(
        [
            row(d1, a, 2, 2, 0, 0, 1, 0, 1, 1, 3600.0, retrospective=1),
            row(d1, b, 2, 0, 1, 1, 0, 0, 2, 1, (3 * 3600 + 8 * 86400) / 2),
            row(d2, a, 1, 0, 0, 1, 0, 0, 1, 0, None),
            row(d2, b, 1, 0, 1, 0, 0, 1, 2, 1, 2 * 86400.0),
        ],
        key=lambda r: (r["date"], r["intervention"]["id"]),
    )
    assert report["rows"] == expected_rows
    assert report["total"] == row(
        None, None, 6, 2, 2, 2, 1, 1, 6, 3, (3 * 3600 + 2 * 86400) / 2, retrospective=1
    )

    response = await service.http.get(
        service.url + "/reports/compliance.csv",
        params={"unitId": unit.unit_id, "from": d1, "to": d2},
        headers={"authorization": f"Bearer {unit.token(Role.UNIT_MANAGER)}"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.splitlines()[0].endswith(",median_seconds_to_acknowledge,retrospective")
    lines = list(csv.DictReader(io.StringIO(response.text)))
    as_graphql = [
        {
            "date": None if line["date"] == "TOTAL" else line["date"],
            "intervention": {"id": line["intervention_id"]} if line["intervention_id"] else None,
            "planned": int(line["planned"]),
            "onTime": int(line["on_time"]),
            "outsideWindow": int(line["outside_window"]),
            "missed": int(line["missed"]),
            "pending": int(line["pending"]),
            "deviating": {
                "notDone": int(line["deviating_not_done"]),
                "notHome": int(line["deviating_not_home"]),
                "declined": int(line["deviating_declined"]),
                "total": int(line["deviating_not_done"])
                + int(line["deviating_not_home"])
                + int(line["deviating_declined"]),
            },
            "alarmsRaised": int(line["alarms_raised"]),
            "acknowledgedInTime": int(line["acknowledged_in_time"]),
            "medianSecondsToAcknowledge": float(line["median_seconds_to_acknowledge"])
            if line["median_seconds_to_acknowledge"]
            else None,
            "retrospective": int(line["retrospective"]),
        }
        for line in lines
    ]
    assert as_graphql == [*report["rows"], report["total"]]


@pytest.mark.parametrize(
    ("headers", "params", "status"),
    [
        ({}, {"from": "2026-03-01", "to": "2026-03-02"}, 401),
        ({"authorization": "Bearer nonsense"}, {"from": "2026-03-01", "to": "2026-03-02"}, 401),
        (None, {"from": "2026-03-02", "to": "2026-03-01"}, 400),
        (None, {"from": "yesterday", "to": "2026-03-01"}, 422),
    ],
)
async def test_csv_endpoint_refuses_bad_requests(service, unit, headers, params, status):
    headers = (
        {"authorization": f"Bearer {unit.token(Role.SOL_ADMIN)}"} if headers is None else headers
    )
    response = await service.http.get(
        service.url + "/reports/compliance.csv",
        params={"unitId": unit.unit_id, **params},
        headers=headers,
    )
    assert response.status_code == status


async def test_csv_endpoint_hides_other_units(service, unit, tokens):
    stranger = Unit(tokens=tokens).token(Role.UNIT_MANAGER)
    response = await service.http.get(
        service.url + "/reports/compliance.csv",
        params={"unitId": unit.unit_id, "from": "2026-03-01", "to": "2026-03-02"},
        headers={"authorization": f"Bearer {stranger}"},
    )
    assert response.status_code == 404
