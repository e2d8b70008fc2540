"""The interventions service on a real port, a real database and a real broker, at a set time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from libs.auth.principal import Role
from libs.clock import FakeClock
from libs.runtime import ServiceRuntime
from services.interventions.app import create_app
from services.interventions.scheduler import Scheduler
from services.interventions.settings import InterventionsSettings
from services.interventions.tables import INFRASTRUCTURE, OccurrenceRow
from tests.support.broker import read_topic as broker_messages
from tests.support.broker import types_and_data
from tests.support.graphql import GraphQLClient
from tests.support.servers import serve

UNIT = "unit-a"
OTHER_UNIT = "unit-b"
# A Tuesday, 07:00 in Stockholm.
START = datetime(2026, 2, 10, 6, 0, tzinfo=UTC)


@dataclass
class Service:
    app: FastAPI
    clock: FakeClock
    url: str
    admin: GraphQLClient  # SOL_ADMIN of UNIT
    manager: GraphQLClient  # UNIT_MANAGER of UNIT
    staff: GraphQLClient  # CARE_STAFF of UNIT
    outsider: GraphQLClient  # SOL_ADMIN of OTHER_UNIT
    sysadmin: GraphQLClient

    @property
    def runtime(self) -> ServiceRuntime:
        return self.app.state.runtime

    @property
    def scheduler(self) -> Scheduler:
        return self.app.state.scheduler

    async def occurrences(self, **where: Any) -> list[OccurrenceRow]:
        async with self.runtime.sessions() as session:
            query = select(OccurrenceRow).order_by(OccurrenceRow.window_start)
            for name, value in where.items():
                query = query.where(getattr(OccurrenceRow, name) == value)
            return list((await session.scalars(query)).all())

    async def outbox_types(self) -> list[str]:
        outbox = INFRASTRUCTURE.messaging.outbox
        async with self.runtime.sessions() as session:
            return list((await session.scalars(select(outbox.c.type).order_by(outbox.c.id))).all())

    async def count(self, table: Any) -> int:
        async with self.runtime.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(table)) or 0)


@pytest.fixture
async def service(request, databases, common_settings, tokens, http) -> AsyncIterator[Service]:
    """Tests drive the scheduler with ``run_once``; parametrize indirectly with an interval in
    seconds to let its own loop run."""
    clock = FakeClock(START)
    settings = InterventionsSettings(
        database_url=await databases.create("interventions"),
        port=1,
        common=common_settings,
        scheduler_interval_seconds=getattr(request, "param", 3600),
        outbox_poll_seconds=0.05,
    )
    app = create_app(settings, clock=clock, keys=tokens.keys)

    def client(user: str, units: dict[str, list[Role]], **kwargs: Any) -> GraphQLClient:
        return GraphQLClient(http, url + "/graphql", tokens.token(user, units, **kwargs))

    async with serve(app) as url:
        yield Service(
            app=app,
            clock=clock,
            url=url,
            admin=client("u-admin", {UNIT: [Role.CARE_STAFF, Role.SOL_ADMIN]}),
            manager=client("u-manager", {UNIT: [Role.UNIT_MANAGER]}),
            staff=client("u-staff", {UNIT: [Role.CARE_STAFF]}),
            outsider=client("u-outsider", {OTHER_UNIT: [Role.CARE_STAFF, Role.SOL_ADMIN]}),
            sysadmin=client("u-sys", {}, global_roles=[Role.SYSTEM_ADMIN]),
        )


async def read_topic(
    bootstrap: str, topic: str, *, at_least: int, timeout: float = 10
) -> list[tuple[str, dict[str, Any]]]:
    """(CloudEvent type, data) of the messages on ``topic``, once at least ``at_least`` came."""
    return types_and_data(
        await broker_messages(bootstrap, topic, at_least=at_least, timeout=timeout)
    )


TENANT = """mutation($input: CreateTenantInput!) {
  createTenant(input: $input) { id unitId name } }"""
INTERVENTION = """mutation($input: CreateInterventionInput!) {
  createIntervention(input: $input) {
    id state tenantId schedule { rrule windowStart windowMinutes } }
}"""
CONFIRM = """mutation($id: ID!) { confirmPlanAnchoring(interventionId: $id) {
  id state anchoredBy anchoredAt } }"""
WORKLIST = """query($unit: ID!, $date: Date, $all: Boolean! = false) {
  worklist(unitId: $unit, date: $date, includeCancelled: $all) {
    id localDate windowStart windowEnd state cancelReason
    tenant { id name } intervention { id title state }
  }
}"""


async def new_tenant(client: GraphQLClient, *, unit: str = UNIT, name: str = "Astrid L") -> str:
    data = await client(
        TENANT, {"input": {"unitId": unit, "name": name, "externalReference": "LIFECARE-1"}}
    )
    return str(data["createTenant"]["id"])


async def new_intervention(
    client: GraphQLClient,
    tenant_id: str,
    *,
    start: str = "08:00",
    starts: list[str] | None = None,
    minutes: int = 60,
    rrule: str | None = None,
    valid_from: str | None = "2026-02-01",
    valid_to: str | None = None,
    confirm: GraphQLClient | None = None,
) -> str:
    schedule: dict[str, Any] = {"windowStart": start, "windowMinutes": minutes}
    if starts is not None:  # several windows a day: windowStart left out
        schedule = {"windowStarts": starts, "windowMinutes": minutes}
    if rrule:
        schedule["rrule"] = rrule
    data = await client(
        INTERVENTION,
        {
            "input": {
                "tenantId": tenant_id,
                "title": "Morgonhjälp",
                "instructions": "Hjälp med frukost",
                "category": "SOL",
                "planReference": "GP-2026-01",
                "schedule": schedule,
                "validFrom": valid_from,
                "validTo": valid_to,
            }
        },
    )
    intervention_id = str(data["createIntervention"]["id"])
    if confirm is not None:
        await confirm(CONFIRM, {"id": intervention_id})
    return intervention_id
