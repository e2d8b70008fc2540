"""A fresh unit for each browser test, set up over GraphQL as the admin web would, and what the
server says afterwards (the tests check the phone's outcome there, not only on the screen)."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.e2e.routine import (
    Person,
    create_active_intervention,
    create_unit,
    new_person,
    order_and_approve,
    today_local,
)
from tests.e2e.stack import Stack
from tests.support.graphql import GraphQLError
from tests.support.waiting import eventually

_numbers = itertools.count(1)

HISTORY = """query($o: ID!) { signatureHistory(occurrenceId: $o)
  { id status note timing annulled annulReason documentedAt signedAt signedBy { id name } } }"""
PRN_HISTORY = """query($i: ID!) { prnSignatures(interventionId: $i)
  { id status signedBy { id } } }"""
WORKLIST = """query($u: ID!, $d: Date) { worklist(unitId: $u, date: $d)
  { id windowStart windowEnd intervention { id title } tenant { id name } } }"""
OPEN_ALARMS = """query($u: ID!) { alarms(unitId: $u, state: OPEN)
  { nodes { id kind intervention { id } } } }"""
SIGN = """mutation($i: SignInput!) { sign(input: $i) { id signedAt signedBy { name } } }"""


def unique(name: str) -> str:
    """A username or title no other test of the session uses (usernames are global)."""
    return f"{name}{next(_numbers)}{uuid.uuid4().hex[:4]}"


def around_now(*, opened_minutes_ago: int = 10, minutes: int = 90) -> tuple[datetime, datetime]:
    """A window that is open now, in whole minutes (the tests' units are in UNIT_ZONE)."""
    this_minute = datetime.now(UTC).replace(second=0, microsecond=0)
    start = this_minute - timedelta(minutes=opened_minutes_ago)
    return start, start + timedelta(minutes=minutes)


@dataclass
class Ward:
    """A unit with its manager, a SoL-administrator (care staff with the extra role) and one
    member of care staff, whose phone the test holds."""

    unit_id: str
    name: str
    manager: Person
    sol_admin: Person
    staff: Person
    tenants: dict[str, str] = field(default_factory=dict)
    occurrence_ids: dict[str, str] = field(default_factory=dict)  # intervention title → today's

    async def tenant(self, name: str) -> str:
        created = await self.sol_admin.client(
            "mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }",
            {"i": {"unitId": self.unit_id, "name": name}},
        )
        self.tenants[name] = created["createTenant"]["id"]
        return self.tenants[name]

    async def intervention(
        self, tenant: str, title: str, window: tuple[datetime, datetime] | None = None
    ) -> str:
        start, end = window or around_now()
        return await create_active_intervention(
            self.sol_admin, tenant_id=self.tenants[tenant], title=title, start=start, end=end
        )

    async def planned_today(self, tenant: str, *titles: str) -> list[dict[str, Any]]:
        """A care recipient with an intervention per title, its window open now: today's list."""
        if tenant not in self.tenants:
            await self.tenant(tenant)
        for title in titles:
            await self.intervention(tenant, title)
        return await self.todays_occurrences(len(self.occurrence_ids) + len(titles))

    async def prn_intervention(self, tenant: str, title: str) -> str:
        created = await self.sol_admin.client(
            """mutation($i: CreateInterventionInput!) { createIntervention(input: $i) { id } }""",
            {
                "i": {
                    "tenantId": self.tenants[tenant],
                    "title": title,
                    "category": "SOL",
                    "instructions": "Vid oro eller smärta.",
                    "prn": True,
                    "validFrom": today_local().isoformat(),
                }
            },
        )
        intervention_id: str = created["createIntervention"]["id"]
        await self.sol_admin.client(
            "mutation($id: ID!) { confirmPlanAnchoring(interventionId: $id) { state } }",
            {"id": intervention_id},
        )
        return intervention_id

    async def todays_occurrences(self, count: int) -> list[dict[str, Any]]:
        """Today's list as the server has it, once all ``count`` occurrences are on it (they are
        scheduled through events, a moment after the plan anchoring)."""

        async def scheduled() -> list[dict[str, Any]] | None:
            rows = await self.staff.client(
                WORKLIST, {"u": self.unit_id, "d": today_local().isoformat()}
            )
            return rows["worklist"] if len(rows["worklist"]) >= count else None

        rows = await eventually(scheduled, within=20, interval=0.2)
        self.occurrence_ids = {row["intervention"]["title"]: row["id"] for row in rows}
        return rows

    async def history(self, occurrence_id: str) -> list[dict[str, Any]]:
        """Every signature of the occurrence, annulled ones included."""
        answer = await self.manager.client(HISTORY, {"o": occurrence_id})
        history: list[dict[str, Any]] = answer["signatureHistory"]
        return history

    async def prn_history(self, intervention_id: str) -> list[dict[str, Any]]:
        answer = await self.manager.client(PRN_HISTORY, {"i": intervention_id})
        signatures: list[dict[str, Any]] = answer["prnSignatures"]
        return signatures

    async def open_alarms(self) -> list[dict[str, Any]]:
        answer = await self.manager.client(OPEN_ALARMS, {"u": self.unit_id})
        alarms: list[dict[str, Any]] = answer["alarms"]["nodes"]
        return alarms

    async def revoke_sol_admin(self, admin: Person) -> None:
        """The manager orders the SoL-admin role ended and the system administrator approves:
        every token the SoL-admin holds stops working within seconds (DESIGN §7)."""
        await order_and_approve(
            admin=admin,
            manager=self.manager,
            person=self.sol_admin,
            unit_id=self.unit_id,
            action="REVOKE",
        )

        any_occurrence = next(iter(self.occurrence_ids.values()))

        async def refused_by_signing() -> bool:
            try:
                await self.sol_admin.client(HISTORY, {"o": any_occurrence})
            except GraphQLError as error:
                return error.code == "UNAUTHENTICATED"
            return False

        await eventually(refused_by_signing, within=10, interval=0.2)


async def fresh_ward(stack: Stack, admin: Person, label: str) -> Ward:
    """A new unit (in UNIT_ZONE), its manager, a SoL-administrator and a care-staff member, all
    activated from their e-mails."""
    name = unique(label)
    unit_id = await create_unit(admin, name)
    people = {
        role: await new_person(
            stack, admin, unit_id=unit_id, username=unique(f"{role}."), roles=[role_name]
        )
        for role, role_name in (
            ("chef", "UNIT_MANAGER"),
            ("sol", "CARE_STAFF"),
            ("staff", "CARE_STAFF"),
        )
    }
    await order_and_approve(
        admin=admin, manager=people["chef"], person=people["sol"], unit_id=unit_id, action="GRANT"
    )
    await people["sol"].refresh()  # a token with the new role, without spending a log-in
    return Ward(
        unit_id=unit_id,
        name=name,
        manager=people["chef"],
        sol_admin=people["sol"],
        staff=people["staff"],
    )


async def sign_as(person: Person, occurrence_id: str, status: str = "DONE") -> dict[str, Any]:
    """Someone signs through GraphQL (another phone), now."""
    answer = await person.client(
        SIGN,
        {
            "i": {
                "occurrenceId": occurrence_id,
                "status": status,
                "note": None if status == "DONE" else "Signerat från en annan telefon.",
                "performedAt": datetime.now(UTC).isoformat(),
                "idempotencyKey": str(uuid.uuid4()),
            }
        },
    )
    signature: dict[str, Any] = answer["sign"]
    return signature


async def name_of(person: Person) -> str:
    me = await person.client("{ me { name } }")
    name: str = me["me"]["name"]
    return name
