"""Demo data for ``make dev``: a day in the unit Solgläntan, entered as its staff would.

The people come from identity's bootstrap (`load_demo_data`). Everything else goes through the
gateway's public GraphQL API, logged in as the demo SoL administrator and care staff: three
care recipients, interventions whose windows lie around the current time, a tillsyn at 08:00,
13:00 and 21:00 (one intervention, three windows a day), and signatures. Within a minute of
start the worklist shows signed, unsigned and missed occurrences, and the alarm overview open
alarms of every kind. A second run finds the care recipients and adds nothing.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from services.identity.bootstrap import DEMO_UNIT_ID, DemoLogin

__all__ = ["load_demo"]

UNIT_TIMEZONE = ZoneInfo("Europe/Stockholm")


class DemoError(RuntimeError):
    pass


@dataclass(frozen=True)
class _Plan:
    """One demo intervention: its window relative to now, and what staff do with it."""

    tenant: int
    title: str
    starts_minutes_from_anchor: int
    window_minutes: int
    sign: str | None = None  # DONE, NOT_HOME, EARLY, or None for unsigned
    note: str | None = None


TENANTS = ("Astrid Lindqvist", "Gunnar Holm", "Maj-Britt Ek")
# Windows are whole minutes, placed around the first whole minute at least this far ahead: the
# first window closes there, unsigned, so a MISSED alarm follows within a minute and a half. It must
# still be open when its plan is anchored, or it is never scheduled.
LEAD = timedelta(seconds=30)
PLANS = (
    _Plan(0, "Morgonhygien", -30, 30),
    _Plan(0, "Frukost", -15, 60, sign="DONE"),
    _Plan(1, "Promenad", -10, 60, sign="NOT_HOME", note="Hos dottern, enligt granne."),
    _Plan(1, "Tillsyn", -5, 45, sign="EARLY"),
    _Plan(2, "Kvällsmat", 120, 60),
    _Plan(2, "Läkemedelsöverlämning", 30, 30),
)
# Home care's rounds: one intervention with a window at each start, each its own occurrence.
ROUNDS = ("08:00", "13:00", "21:00")


class _Client:
    def __init__(self, http: httpx.Client, url: str) -> None:
        self._http = http
        self._url = url
        self.token: str | None = None

    def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {self.token}"} if self.token else {}
        body = self._http.post(
            self._url, json={"query": query, "variables": variables}, headers=headers
        ).json()
        if body.get("errors"):
            raise DemoError(f"demo data: {body['errors'][0].get('message')}")
        data: dict[str, Any] = body["data"]
        return data

    def login(self, login: DemoLogin) -> None:
        self.token = None
        session = self(
            "mutation($u: String!, $p: String!) { login(username: $u, password: $p) "
            "{ accessToken } }",
            u=login.username,
            p=login.password,
        )
        self.token = session["login"]["accessToken"]


def _local_starts(now: datetime) -> list[datetime]:
    anchor = (now + LEAD).replace(second=0, microsecond=0) + timedelta(minutes=1)
    return [
        (anchor + timedelta(minutes=plan.starts_minutes_from_anchor)).astimezone(UNIT_TIMEZONE)
        for plan in PLANS
    ]


def load_demo(*, gateway_url: str, logins: list[DemoLogin]) -> None:
    with httpx.Client(timeout=30) as http:
        _load(_Client(http, gateway_url), {login.role: login for login in logins})


def _load(client: _Client, by_role: dict[str, DemoLogin]) -> None:
    client.login(by_role["SOL_ADMIN"])
    existing = client("query($u: ID!) { tenants(unitId: $u) { id } }", u=DEMO_UNIT_ID)
    if existing["tenants"]:
        return
    now = datetime.now(UTC)
    starts = _local_starts(now)
    tenant_ids = [
        client(
            "mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }",
            i={"unitId": DEMO_UNIT_ID, "name": name, "externalReference": f"LIFECARE-{n:04d}"},
        )["createTenant"]["id"]
        for n, name in enumerate(TENANTS, start=1)
    ]
    intervention_ids = [
        # Valid from the day its first window starts: near midnight that is not today, and
        # a window that opened before midnight belongs to yesterday's list.
        _anchored(
            client,
            tenant_ids,
            tenant=plan.tenant,
            title=plan.title,
            schedule={"windowStart": start.strftime("%H:%M"), "windowMinutes": plan.window_minutes},
            valid_from=start.date(),
        )
        for plan, start in zip(PLANS, starts, strict=True)
    ]
    _anchored(
        client,
        tenant_ids,
        tenant=2,
        title="Tillsyn",
        schedule={"windowStarts": list(ROUNDS), "windowMinutes": 30},
        valid_from=now.astimezone(UNIT_TIMEZONE).date(),
    )
    _sign_as_staff(client, by_role["CARE_STAFF"], intervention_ids, starts, now)


def _anchored(
    client: _Client,
    tenant_ids: list[str],
    *,
    tenant: int,
    title: str,
    schedule: dict[str, Any],
    valid_from: date,
) -> str:
    """A daily intervention, entered and anchored in the care recipient's plan."""
    created = client(
        "mutation($i: CreateInterventionInput!) { createIntervention(input: $i) { id } }",
        i={
            "tenantId": tenant_ids[tenant],
            "title": title,
            "category": "SOL",
            "instructions": "Enligt genomförandeplanen.",
            "planReference": f"GP-{valid_from.year}-{tenant + 1:02d}",
            "schedule": {"rrule": "FREQ=DAILY", **schedule},
            "validFrom": valid_from.isoformat(),
        },
    )["createIntervention"]["id"]
    client("mutation($id: ID!) { confirmPlanAnchoring(interventionId: $id) { id } }", id=created)
    return str(created)


def _sign_as_staff(
    client: _Client,
    staff: DemoLogin,
    intervention_ids: list[str],
    starts: list[datetime],
    now: datetime,
) -> None:
    client.login(staff)

    @functools.cache
    def on_list_of(day: date) -> dict[str, dict[str, Any]]:
        """The day's occurrences by intervention, as the phone lists them (one per day)."""
        rows = client(
            "query($u: ID!, $d: Date) { worklist(unitId: $u, date: $d) "
            "{ id windowStart intervention { id } } }",
            u=DEMO_UNIT_ID,
            d=day.isoformat(),
        )["worklist"]
        return {row["intervention"]["id"]: row for row in rows}

    for plan, intervention_id, start in zip(PLANS, intervention_ids, starts, strict=True):
        if plan.sign is None:
            continue
        occurrence = on_list_of(start.date()).get(intervention_id)
        if occurrence is None:
            continue
        performed = now
        if plan.sign == "EARLY":
            # Done before the window opened: an OUTSIDE_WINDOW alarm for the SoL administrator.
            performed = datetime.fromisoformat(occurrence["windowStart"]) - timedelta(minutes=20)
        client(
            "mutation($i: SignInput!) { sign(input: $i) { id } }",
            i={
                "occurrenceId": occurrence["id"],
                "status": "DONE" if plan.sign == "EARLY" else plan.sign,
                "note": plan.note,
                "performedAt": performed.isoformat(),
                "idempotencyKey": str(uuid.uuid4()),
            },
        )
