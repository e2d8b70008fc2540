"""The whole routine, step by step, as the phone, the admin web and reporting tools use it.

Everything goes through the gateway over HTTP and WebSocket. Windows are placed around the
current time, so the test waits (about a minute) for a real window to close unsigned.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.routine import (
    Person,
    create_active_intervention,
    create_unit,
    mail_to,
    new_person,
    next_minute_at_least,
    order_and_approve,
    sign_input,
    today_local,
)
from tests.support.graphql import GraphQLError, next_payload, subscription
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e

ALARM_EVENTS = """subscription($u: ID!) {
  alarmEvents(unitId: $u) { type alarm { id kind state occurrence { id } } }
}"""
ROLES = """{ me { roles { role unitId } } }"""
SIGN = """mutation($i: SignInput!) { sign(input: $i) { id status timing } }"""
PHONE_WORKLIST = """query($u: ID!, $d: Date) { worklist(unitId: $u, date: $d)
  { id signature { status note } alarms { kind } } }"""
ACK = """mutation($i: AcknowledgeAlarmInput!) {
  acknowledgeAlarm(input: $i) { id state outcome acknowledgedAt }
}"""


async def roles_of(person: Person, unit_id: str) -> set[str]:
    me = await person.client(ROLES)
    return {r["role"] for r in me["me"]["roles"] if r["unitId"] == unit_id}


class AlarmFeed:
    """What an admin web's live alarm view receives, collected in the background."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    async def follow(self, stack, token: str, unit_id: str) -> None:
        async with subscription(
            stack.gateway_ws_url, ALARM_EVENTS, {"u": unit_id}, token=token
        ) as socket:
            self.ready.set()
            while True:
                payload = await next_payload(socket)
                self.events.append(payload["data"]["alarmEvents"])

    def seen(self, event_type: str, occurrence_id: str) -> dict | None:
        for event in self.events:
            alarm = event["alarm"]
            if event["type"] == event_type and alarm["occurrence"]["id"] == occurrence_id:
                return alarm
        return None

    async def wait_for(self, event_type: str, occurrence_id: str, *, within: float) -> dict:
        async def arrived() -> dict | None:
            return self.seen(event_type, occurrence_id)

        return await eventually(arrived, within=within)


async def test_the_whole_routine_from_new_unit_to_lex_sarah_and_compliance(stack, admin):
    # The system administrator creates the unit and its people; each activates from the e-mail.
    unit_id = await create_unit(admin, "Björkhagen")
    manager = await new_person(
        stack, admin, unit_id=unit_id, username="eva.chef", roles=["UNIT_MANAGER"]
    )
    kim = await new_person(stack, admin, unit_id=unit_id, username="kim.sol", roles=["CARE_STAFF"])
    lo = await new_person(stack, admin, unit_id=unit_id, username="lo.staff", roles=["CARE_STAFF"])

    # The unit manager orders the SoL-admin role for Kim; the system administrator approves it.
    await order_and_approve(
        admin=admin, manager=manager, person=kim, unit_id=unit_id, action="GRANT"
    )
    granted_mail = await mail_to(stack, kim.email, containing="SoL-administratör")
    assert stack.identity_settings.public_url in granted_mail
    await kim.log_in_again()
    assert await roles_of(kim, unit_id) == {"CARE_STAFF", "SOL_ADMIN"}

    # Kim registers a care recipient and five interventions and confirms their plan anchoring.
    tenant = await kim.client(
        "mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }",
        {"i": {"unitId": unit_id, "name": "Britta Berg", "externalReference": "LC-4711"}},
    )
    tenant_id = tenant["createTenant"]["id"]
    now = datetime.now(UTC)
    closes_soon = next_minute_at_least(25)
    long_start = now.replace(second=0, microsecond=0) - timedelta(minutes=10)
    windows = {
        "late": (closes_soon - timedelta(minutes=30), closes_soon),
        "unsigned": (closes_soon - timedelta(minutes=30), closes_soon),
        "done": (long_start, long_start + timedelta(minutes=90)),
        "not_home": (long_start, long_start + timedelta(minutes=90)),
        "early": (long_start + timedelta(minutes=30), long_start + timedelta(minutes=90)),
    }
    interventions = {
        name: await create_active_intervention(
            kim, tenant_id=tenant_id, title=f"Insats {name}", start=start, end=end
        )
        for name, (start, end) in windows.items()
    }

    # Staff see them on the phone.
    worklist = await lo.client(
        """query($u: ID!, $d: Date) { worklist(unitId: $u, date: $d)
             { id windowStart windowEnd intervention { id } tenant { id } } }""",
        {"u": unit_id, "d": today_local().isoformat()},
    )
    occurrence = {
        name: next(o for o in worklist["worklist"] if o["intervention"]["id"] == intervention)
        for name, intervention in interventions.items()
    }
    assert {o["tenant"]["id"] for o in occurrence.values()} == {tenant_id}

    # The SoL-administrator follows the unit's alarms live in the admin web.
    feed = AlarmFeed()
    feed.ready = asyncio.Event()
    follower = asyncio.create_task(feed.follow(stack, kim.client.token, unit_id))
    try:
        await asyncio.wait_for(feed.ready.wait(), 10)
        await asyncio.sleep(0.5)  # the gateway's upstream subscription is being set up

        # Staff sign: done in the window, not home with a note, and one before the window opened.
        done = await lo.client(SIGN, {"i": sign_input(occurrence["done"]["id"], "DONE", now)})
        assert done["sign"]["timing"] == "ON_TIME"
        not_home = await lo.client(
            SIGN,
            {"i": sign_input(occurrence["not_home"]["id"], "NOT_HOME", now, "Hos dottern.")},
        )
        # Its window opens in twenty minutes: performed now is performed early.
        early = await lo.client(SIGN, {"i": sign_input(occurrence["early"]["id"], "DONE", now)})
        assert early["sign"]["timing"] == "EARLY"

        deviating = await feed.wait_for("RAISED", occurrence["not_home"]["id"], within=5)
        outside = await feed.wait_for("RAISED", occurrence["early"]["id"], within=5)
        assert (deviating["kind"], outside["kind"]) == ("DEVIATING", "OUTSIDE_WINDOW")

        # Two short windows close unsigned: MISSED arrives live within seconds of the end.
        until_close = (closes_soon - datetime.now(UTC)).total_seconds()
        missed_late = await feed.wait_for(
            "RAISED", occurrence["late"]["id"], within=until_close + 10
        )
        missed = await feed.wait_for("RAISED", occurrence["unsigned"]["id"], within=10)
        assert (missed_late["kind"], missed["kind"]) == ("MISSED", "MISSED")
        assert datetime.now(UTC) - closes_soon < timedelta(seconds=10)

        # One of them is signed late after all: the MISSED alarm is updated, not duplicated.
        late = await lo.client(
            SIGN, {"i": sign_input(occurrence["late"]["id"], "DONE", datetime.now(UTC))}
        )
        assert late["sign"]["timing"] == "LATE"
        updated = await feed.wait_for("UPDATED", occurrence["late"]["id"], within=5)
        assert updated["id"] == missed_late["id"]

        # The phone's worklist shows each row's signature and alarms (interventions' read
        # models, a moment behind; the note only signing has, joined by the gateway).
        expected = {
            "done": ({"status": "DONE", "note": None}, []),
            "not_home": ({"status": "NOT_HOME", "note": "Hos dottern."}, ["DEVIATING"]),
            "early": ({"status": "DONE", "note": None}, ["OUTSIDE_WINDOW"]),
            "late": ({"status": "DONE", "note": None}, [updated["kind"]]),
            "unsigned": (None, ["MISSED"]),
        }

        async def worklist_caught_up() -> bool:
            rows = await lo.client(PHONE_WORKLIST, {"u": unit_id, "d": today_local().isoformat()})
            by_id = {row["id"]: row for row in rows["worklist"]}
            shown = {
                name: (by_id[o["id"]]["signature"], [a["kind"] for a in by_id[o["id"]]["alarms"]])
                for name, o in occurrence.items()
            }
            return shown == expected

        await eventually(worklist_caught_up, within=10)

        # The deviating signature is documented in the case system.
        await lo.client(
            "mutation($id: ID!) { confirmDocumented(signatureId: $id) { documentedAt } }",
            {"id": not_home["sign"]["id"]},
        )

        # Alarms learn of the confirmation from signing's event, a moment later.
        async def documentation_confirmed() -> bool:
            data = await kim.client(
                "query($id: ID!) { alarm(id: $id) { documentationConfirmed } }",
                {"id": deviating["id"]},
            )
            return bool(data["alarm"]["documentationConfirmed"])

        await eventually(documentation_confirmed, within=10)

        # Kim acknowledges each alarm with an outcome that fits it; the missed one gets a
        # deviation report.
        for alarm, outcome in (
            (missed_late, "PERFORMED_NOT_SIGNED"),
            (deviating, "DOCUMENTATION_VERIFIED"),
            (outside, "PERFORMED_NOT_SIGNED"),
        ):
            acked = await kim.client(ACK, {"i": {"alarmId": alarm["id"], "outcome": outcome}})
            assert acked["acknowledgeAlarm"]["state"] == "ACKNOWLEDGED"
        report = await kim.client(
            """mutation($i: ReportDeviationInput!) { reportDeviation(input: $i)
                 { id windowEnd signingHistory { status } } }""",
            {"i": {"alarmId": missed["id"], "description": "Insatsen utfördes inte."}},
        )
        deviation = report["reportDeviation"]
        assert deviation["signingHistory"] == []
        await kim.client(ACK, {"i": {"alarmId": missed["id"], "outcome": "DEVIATION_REPORTED"}})
        await feed.wait_for("ACKNOWLEDGED", occurrence["unsigned"]["id"], within=5)
    finally:
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await follower

    # The unit manager assesses the deviation for Lex Sarah.
    assessed = await manager.client(
        """mutation($i: AssessDeviationInput!) { assessDeviation(input: $i)
             { lexSarah motivation reportToIvoBy } }""",
        {"i": {"deviationId": deviation["id"], "lexSarah": True, "motivation": "Risk för skada."}},
    )
    assert assessed["assessDeviation"]["lexSarah"] is True
    assert assessed["assessDeviation"]["reportToIvoBy"] >= today_local().isoformat()

    # Reporting: the day's compliance for the unit.
    report = await manager.client(
        """query($u: ID!, $f: Date!, $t: Date!) { complianceReport(unitId: $u, from: $f, to: $t)
             { total { planned onTime outsideWindow missed pending alarmsRaised
                       acknowledgedInTime deviating { notHome total } } } }""",
        {"u": unit_id, "f": today_local().isoformat(), "t": today_local().isoformat()},
    )
    assert report["complianceReport"]["total"] == {
        "planned": 5,
        "onTime": 2,
        "outsideWindow": 2,
        "missed": 1,
        "pending": 0,
        "alarmsRaised": 4,
        "acknowledgedInTime": 4,
        "deviating": {"notHome": 1, "total": 1},
    }

    # The access log shows who read the care recipient's data.
    async def lo_in_access_log() -> list | None:
        entries = await manager.client(
            "query($t: ID) { accessLog(tenantId: $t) { userId action service } }",
            {"t": tenant_id},
        )
        readers = {e["userId"] for e in entries["accessLog"]}
        return entries["accessLog"] if {lo.user_id, kim.user_id} <= readers else None

    entries = await eventually(lo_in_access_log, within=15)
    assert {e["service"] for e in entries} >= {"interventions", "signing"}


async def test_a_revoked_sol_admin_role_stops_working_within_seconds(stack, admin):
    unit_id = await create_unit(admin, "Ekbacken")
    manager = await new_person(
        stack, admin, unit_id=unit_id, username="ulf.chef", roles=["UNIT_MANAGER"]
    )
    kim = await new_person(stack, admin, unit_id=unit_id, username="kim.ek", roles=["CARE_STAFF"])
    await order_and_approve(
        admin=admin, manager=manager, person=kim, unit_id=unit_id, action="GRANT"
    )
    await kim.log_in_again()
    create_tenant = "mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }"
    tenant = {"i": {"unitId": unit_id, "name": "Karl Ek"}}
    assert (await kim.client(create_tenant, tenant))["createTenant"]["id"]

    await order_and_approve(
        admin=admin, manager=manager, person=kim, unit_id=unit_id, action="REVOKE"
    )
    revoked_at = asyncio.get_running_loop().time()

    async def refused() -> str | None:
        try:
            await kim.client(create_tenant, tenant)
        except GraphQLError as error:
            return error.code
        return None

    assert await eventually(refused, within=10, interval=0.2) == "UNAUTHENTICATED"
    assert asyncio.get_running_loop().time() - revoked_at < 5
    await kim.log_in_again()
    assert await roles_of(kim, unit_id) == {"CARE_STAFF"}
    with pytest.raises(GraphQLError) as forbidden:
        await kim.client(create_tenant, tenant)
    assert forbidden.value.code in {"FORBIDDEN", "NOT_FOUND"}
