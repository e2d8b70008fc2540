"""`make dev`'s demo data, loaded into the test stack the way the dev stack loads it.

The README promises that within a minute of start the demo unit's worklist has signed, unsigned
and missed occurrences and the alarm overview open alarms of every kind.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.demo import load_demo
from services.identity.bootstrap import DEMO_UNIT_ID, load_demo_data
from tests.e2e.routine import LOGIN
from tests.e2e.stack import Stack
from tests.support.graphql import GraphQLClient
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e

WORKLIST = """query($u: ID!, $d: Date) { worklist(unitId: $u, date: $d)
  { id signature { status } alarms { kind state } } }"""
ALARMS = """query($u: ID!) { alarms(unitId: $u) { nodes { kind state } } }"""
TENANTS = """query($u: ID!) { tenants(unitId: $u) { id } }"""


async def test_the_demo_shows_every_kind_of_row_and_alarm_within_a_minute(
    stack: Stack, gateway: GraphQLClient
) -> None:
    logins = {login.role: login for login in await load_demo_data(stack.identity_settings)}
    await asyncio.to_thread(load_demo, gateway_url=stack.gateway_url, logins=list(logins.values()))

    async def logged_in(role: str) -> GraphQLClient:
        login = logins[role]
        session = await gateway(LOGIN, {"u": login.username, "p": login.password})
        return gateway.as_user(session["login"]["accessToken"])

    sol_admin, staff = await logged_in("SOL_ADMIN"), await logged_in("CARE_STAFF")

    async def every_kind_open() -> set[str] | None:
        nodes = (await sol_admin(ALARMS, {"u": DEMO_UNIT_ID}))["alarms"]["nodes"]
        kinds = {n["kind"] for n in nodes if n["state"] == "OPEN"}
        return kinds if kinds >= {"MISSED", "DEVIATING", "OUTSIDE_WINDOW"} else None

    # The first window closes 30–90 s after the load; the sweep then needs a moment.
    await eventually(every_kind_open, within=120, interval=1)

    # Near midnight the demo's windows start on two days: the phone lists each on its own day.
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Stockholm")).date()
    rows = [
        row
        for day in (today - timedelta(days=1), today, today + timedelta(days=1))
        for row in (await staff(WORKLIST, {"u": DEMO_UNIT_ID, "d": day.isoformat()}))["worklist"]
    ]
    signed = {row["signature"]["status"] for row in rows if row["signature"]}
    assert signed == {"DONE", "NOT_HOME"}
    unsigned = [row for row in rows if row["signature"] is None]
    assert any(not row["alarms"] for row in unsigned)  # still to do
    assert any([a["kind"] for a in row["alarms"]] == ["MISSED"] for row in unsigned)

    # A second start finds the care recipients and adds nothing.
    before = (await sol_admin(TENANTS, {"u": DEMO_UNIT_ID}))["tenants"]
    await asyncio.to_thread(load_demo, gateway_url=stack.gateway_url, logins=list(logins.values()))
    assert len(before) == 3
    assert (await sol_admin(TENANTS, {"u": DEMO_UNIT_ID}))["tenants"] == before
