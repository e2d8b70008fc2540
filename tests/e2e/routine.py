"""The steps of the routine as the clients take them, over the gateway only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from services.identity.bootstrap import create_first_admin
from tests.e2e.stack import Stack
from tests.support.graphql import GraphQLClient
from tests.support.waiting import eventually


def afternoon_zone(now: datetime) -> ZoneInfo:
    """A fixed-offset zone, without DST, in which ``now`` is early afternoon: the tests' units.

    The tests place real windows around the current time and read them back as one local day
    (the phone's worklist, the day's compliance report). In Stockholm, near midnight those
    windows start on two days, and in October's repeated hour a local "HH:MM" means the first
    of two instants. Windows across midnight and DST changes have their own tests in
    tests/interventions (test_domain, test_scheduling), on a clock the test sets.
    """
    hours_ahead_of_utc = 13 - now.astimezone(UTC).hour  # -10 … +13, all of them real zones
    return ZoneInfo(f"Etc/GMT{-hours_ahead_of_utc:+d}")  # POSIX signs: Etc/GMT-2 is UTC+2


# Chosen once, when the tests are collected: the whole run reads the same local day, with
# hours to spare either side.
UNIT_ZONE = afternoon_zone(datetime.now(UTC))
PASSWORD = "Kaffe-och-bulle-2026!"


@dataclass
class Person:
    user_id: str
    username: str
    email: str
    client: GraphQLClient
    refresh_token: str

    async def log_in_again(self) -> None:
        session = await self.client.as_user(None)(LOGIN, {"u": self.username, "p": PASSWORD})
        self.client = self.client.as_user(session["login"]["accessToken"])
        self.refresh_token = session["login"]["refreshToken"]

    async def refresh(self) -> None:
        """A new access token from the refresh token, as an app does before the old one's five
        minutes are up (no login, so the gateway's login rate limit is not spent)."""
        session = await self.client.as_user(None)(REFRESH, {"r": self.refresh_token})
        self.client = self.client.as_user(session["refreshSession"]["accessToken"])
        self.refresh_token = session["refreshSession"]["refreshToken"]


LOGIN = """mutation($u: String!, $p: String!) {
  login(username: $u, password: $p) { accessToken refreshToken userId }
}"""
REFRESH = """mutation($r: String!) {
  refreshSession(refreshToken: $r) { accessToken refreshToken }
}"""
ACTIVATE = """mutation($t: String!, $p: String!) {
  activateAccount(token: $t, password: $p) { accessToken refreshToken userId }
}"""


def _body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    return part.get_content() if part is not None else ""


async def mail_to(stack: Stack, address: str, *, containing: str = "") -> str:
    """The text of the newest e-mail to ``address`` (waiting for it to arrive)."""

    async def arrived() -> str | None:
        for message in reversed(stack.mail.messages()):
            if address in str(message["To"]) and containing in _body(message):
                return _body(message)
        return None

    return await eventually(arrived, within=30, interval=0.1)


def activation_token(text: str) -> str:
    marker = "#token="
    start = text.index(marker) + len(marker)
    return text[start:].split()[0]


async def first_system_admin(stack: Stack, gateway: GraphQLClient) -> Person:
    link = await create_first_admin(
        username="sara.admin",
        email="sara.admin@kommun.example",
        name="Sara Systemförvaltare",
        settings=stack.identity_settings,
    )
    session = await gateway(ACTIVATE, {"t": activation_token(link), "p": PASSWORD})
    data = session["activateAccount"]
    return Person(
        user_id=data["userId"],
        username="sara.admin",
        email="sara.admin@kommun.example",
        client=gateway.as_user(data["accessToken"]),
        refresh_token=data["refreshToken"],
    )


async def new_person(
    stack: Stack, admin: Person, *, unit_id: str | None, username: str, roles: list[str]
) -> Person:
    """The system administrator creates the user; the user activates from the e-mail."""
    email = f"{username}@kommun.example"
    created = await admin.client(
        """mutation($i: CreateUserInput!) { createUser(input: $i) { id } }""",
        {
            "i": {
                "name": username.title(),
                "email": email,
                "username": username,
                "unitId": unit_id,
                "roles": roles,
            }
        },
    )
    text = await mail_to(stack, email, containing="#token=")
    session = await admin.client.as_user(None)(
        ACTIVATE, {"t": activation_token(text), "p": PASSWORD}
    )
    data = session["activateAccount"]
    assert data["userId"] == created["createUser"]["id"]
    return Person(
        user_id=data["userId"],
        username=username,
        email=email,
        client=admin.client.as_user(data["accessToken"]),
        refresh_token=data["refreshToken"],
    )


async def create_unit(admin: Person, name: str) -> str:
    created = await admin.client(
        "mutation($n: String!, $z: String) { createUnit(name: $n, timezone: $z) { id } }",
        {"n": name, "z": UNIT_ZONE.key},
    )
    unit_id: str = created["createUnit"]["id"]
    return unit_id


def local_hhmm(instant: datetime) -> str:
    return instant.astimezone(UNIT_ZONE).strftime("%H:%M")


def next_minute_at_least(seconds_ahead: int) -> datetime:
    """The first whole minute at least ``seconds_ahead`` from now (windows are whole minutes)."""
    earliest = datetime.now(UTC) + timedelta(seconds=seconds_ahead)
    return earliest.replace(second=0, microsecond=0) + timedelta(minutes=1)


async def create_active_intervention(
    sol_admin: Person, *, tenant_id: str, title: str, start: datetime, end: datetime
) -> str:
    created = await sol_admin.client(
        """mutation($i: CreateInterventionInput!) { createIntervention(input: $i) { id state } }""",
        {
            "i": {
                "tenantId": tenant_id,
                "title": title,
                "category": "SOL",
                "instructions": "Enligt genomförandeplanen.",
                "planReference": "GP-2026-07",
                "schedule": {
                    "rrule": "FREQ=DAILY",
                    "windowStart": local_hhmm(start),
                    "windowMinutes": int((end - start).total_seconds() // 60),
                },
                "validFrom": start.astimezone(UNIT_ZONE).date().isoformat(),
            }
        },
    )
    assert created["createIntervention"]["state"] == "DRAFT"
    intervention_id: str = created["createIntervention"]["id"]
    confirmed = await sol_admin.client(
        "mutation($id: ID!) { confirmPlanAnchoring(interventionId: $id) { state } }",
        {"id": intervention_id},
    )
    assert confirmed["confirmPlanAnchoring"]["state"] == "ACTIVE"
    return intervention_id


def sign_input(
    occurrence_id: str, status: str, performed_at: datetime, note: str | None = None
) -> dict[str, Any]:
    return {
        "occurrenceId": occurrence_id,
        "status": status,
        "note": note,
        "performedAt": performed_at.isoformat(),
        "idempotencyKey": str(uuid.uuid4()),
    }


def today_local() -> date:
    return datetime.now(UNIT_ZONE).date()


ORDER = """mutation($i: OrderRoleInput!) { orderRole(input: $i) { id state } }"""
APPROVE = """mutation($id: ID!) { approveRoleOrder(orderId: $id) { id state } }"""


async def order_and_approve(
    *, admin: Person, manager: Person, person: Person, unit_id: str, action: str
) -> None:
    order = await manager.client(
        ORDER,
        {"i": {"userId": person.user_id, "unitId": unit_id, "role": "SOL_ADMIN", "action": action}},
    )
    assert order["orderRole"]["state"] == "PENDING"
    approved = await admin.client(APPROVE, {"id": order["orderRole"]["id"]})
    assert approved["approveRoleOrder"]["state"] == "APPROVED"
