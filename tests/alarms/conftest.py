"""An alarms service on a real broker and PostgreSQL, fed with interventions' and signing's events.

Most tests share one running service per module (each works in its own unit, so their alarms
never meet); tests that stop and start the service bring their own.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from libs.auth.principal import Role
from libs.clock import FakeClock
from libs.devstack.broker import BrokerProcess
from libs.messaging.envelope import CloudEvent, to_kafka
from libs.messaging.kafka import KafkaPublisher
from libs.settings import CommonSettings
from services.alarms.app import create_app
from services.alarms.settings import AlarmsSettings
from services.alarms.tables import AlarmRow, OccurrenceRow
from services.interventions.events import OccurrenceCancelled, OccurrenceScheduled
from services.signing.events import DeviationDocumented, OccurrenceSigned, SignatureAnnulled
from tests.support.broker import cloud_event
from tests.support.graphql import GraphQLClient
from tests.support.servers import serve
from tests.support.tokens import AUDIENCE, ISSUER
from tests.support.waiting import eventually

T0 = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@dataclass
class Unit:
    """One unit with a care recipient, an intervention and people in each role."""

    tokens: object
    unit_id: str = field(default_factory=lambda: new_id("unit"))
    tenant_id: str = field(default_factory=lambda: new_id("tenant"))
    intervention_id: str = field(default_factory=lambda: new_id("int"))
    staff_id: str = field(default_factory=lambda: new_id("staff"))

    def token(self, *roles: Role, user_id: str | None = None) -> str:
        return self.tokens.token(user_id or new_id("user"), {self.unit_id: roles})  # type: ignore[attr-defined]

    def scheduled(
        self, start: datetime, *, minutes: int = 60, intervention_id: str | None = None
    ) -> OccurrenceScheduled:
        return OccurrenceScheduled(
            occurrence_id=new_id("occ"),
            intervention_id=intervention_id or self.intervention_id,
            tenant_id=self.tenant_id,
            unit_id=self.unit_id,
            window_start=start,
            window_end=start + timedelta(minutes=minutes),
            local_date=start.date(),
        )

    def cancelled(self, occurrence: OccurrenceScheduled, at: datetime) -> OccurrenceCancelled:
        return OccurrenceCancelled(
            occurrence_id=occurrence.occurrence_id,
            intervention_id=occurrence.intervention_id,
            tenant_id=self.tenant_id,
            unit_id=self.unit_id,
            reason="PAUSED",
            cancelled_at=at,
        )

    def signed(
        self,
        occurrence: OccurrenceScheduled,
        *,
        performed_at: datetime,
        timing: str,
        status: str = "DONE",
        signed_at: datetime | None = None,
        retrospective: bool = False,
    ) -> OccurrenceSigned:
        return OccurrenceSigned(
            signature_id=new_id("sig"),
            occurrence_id=occurrence.occurrence_id,
            intervention_id=occurrence.intervention_id,
            tenant_id=self.tenant_id,
            unit_id=self.unit_id,
            status=status,
            timing=timing,
            performed_at=performed_at,
            signed_at=signed_at or performed_at,
            signed_by=self.staff_id,
            retrospective=retrospective,
        )

    def annulled(self, signature: OccurrenceSigned, at: datetime) -> SignatureAnnulled:
        return SignatureAnnulled(
            signature_id=signature.signature_id,
            occurrence_id=signature.occurrence_id,
            intervention_id=signature.intervention_id,
            tenant_id=self.tenant_id,
            unit_id=self.unit_id,
            annulled_by=self.staff_id,
            annulled_at=at,
        )

    def documented(self, signature: OccurrenceSigned, at: datetime) -> DeviationDocumented:
        return DeviationDocumented(
            signature_id=signature.signature_id,
            occurrence_id=signature.occurrence_id,
            unit_id=self.unit_id,
            documented_by=self.staff_id,
            documented_at=at,
        )


@dataclass
class Service:
    url: str
    app: object
    clock: FakeClock
    settings: AlarmsSettings
    publisher: KafkaPublisher
    http: httpx.AsyncClient

    @property
    def runtime(self):
        return self.app.state.runtime  # type: ignore[attr-defined]

    def client(self, token: str | None) -> GraphQLClient:
        return GraphQLClient(self.http, self.url + "/graphql", token)

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/graphql"

    async def publish(self, *events: object, time: datetime | None = None) -> list[CloudEvent]:
        sent = [cloud_event(event, time=time or self.clock.now()) for event in events]
        await self.publisher.publish(
            [to_kafka(ce, topic=event.TOPIC) for ce, event in zip(sent, events, strict=True)]  # type: ignore[attr-defined]
        )
        return sent

    async def publish_again(self, topic: str, *sent: CloudEvent) -> None:
        """Redeliver events exactly as they were (same ids), as a broker may."""
        await self.publisher.publish([to_kafka(ce, topic=topic) for ce in sent])

    async def occurrence(self, occurrence_id: str) -> OccurrenceRow | None:
        async with self.runtime.sessions() as session:
            return await session.get(OccurrenceRow, occurrence_id)

    async def alarms(self, occurrence_id: str) -> list[AlarmRow]:
        async with self.runtime.sessions() as session:
            return list(
                (
                    await session.execute(
                        select(AlarmRow)
                        .where(AlarmRow.occurrence_id == occurrence_id)
                        .order_by(AlarmRow.raised_at, AlarmRow.alarm_id)
                    )
                ).scalars()
            )

    async def wait_for_alarms(
        self, occurrence_id: str, count: int, *, within: float = 10
    ) -> list[AlarmRow]:
        async def probe():
            rows = await self.alarms(occurrence_id)
            return rows if len(rows) >= count else None

        return await eventually(probe, within=within)

    async def wait_until_known(
        self, occurrence_id: str, predicate=lambda row: True
    ) -> OccurrenceRow:
        async def probe():
            row = await self.occurrence(occurrence_id)
            return row if row is not None and predicate(row) else None

        return await eventually(probe)

    async def sweep(self) -> int:
        return await self.app.state.sweeper.sweep_once()  # type: ignore[attr-defined]

    async def settle(self, seconds: float = 0.6) -> None:
        """Give in-flight events time to (not) have an effect."""
        import asyncio

        await asyncio.sleep(seconds)


def settings_for(url: str, common: CommonSettings, **overrides) -> AlarmsSettings:
    values = {"sweep_interval_seconds": 0.05, "outbox_poll_seconds": 0.05, **overrides}
    return AlarmsSettings(database_url=url, port=1, common=common, **values)


@asynccontextmanager
async def running_service(
    *, url: str, common: CommonSettings, clock: FakeClock, tokens, http, **overrides
) -> AsyncIterator[Service]:
    settings = settings_for(url, common, **overrides)
    app = create_app(settings, clock=clock, keys=tokens.keys)
    publisher = KafkaPublisher(
        bootstrap_servers=common.kafka_bootstrap_servers, enable_idempotence=False
    )
    await publisher.start()
    try:
        async with serve(app) as base_url:
            yield Service(
                url=base_url,
                app=app,
                clock=clock,
                settings=settings,
                publisher=publisher,
                http=http,
            )
    finally:
        await publisher.stop()


def common_for(broker: BrokerProcess) -> CommonSettings:
    return CommonSettings(
        kafka_bootstrap_servers=broker.bootstrap_servers,
        kafka_topic_partitions=2,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        log_json=False,
    )


@pytest.fixture(scope="module")
def module_broker(tmp_path_factory: pytest.TempPathFactory):
    process = BrokerProcess(log_dir=Path(tmp_path_factory.mktemp("alarms-broker")))
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
async def service(module_broker, databases, tokens) -> AsyncIterator[Service]:
    url = await databases.create("alarms")
    async with (
        httpx.AsyncClient(timeout=30) as http,
        running_service(
            url=url,
            common=common_for(module_broker),
            clock=FakeClock(T0),
            tokens=tokens,
            http=http,
        ) as running,
    ):
        yield running


@pytest.fixture
def unit(tokens) -> Unit:
    return Unit(tokens=tokens)


def advance_to(clock: FakeClock, instant: datetime) -> None:
    """The shared clock only moves forward."""
    if instant > clock.now():
        clock.set(instant)


async def outbox(service: Service, event_type: str, **match: str) -> list[dict]:
    tables = service.runtime.definition.tables.messaging
    async with service.runtime.sessions() as session:
        rows = (
            await session.execute(
                select(tables.outbox.c.data).where(tables.outbox.c.type == event_type)
            )
        ).scalars()
        return [row for row in rows if all(row.get(k) == v for k, v in match.items())]


async def missed_alarm(service: Service, unit: Unit, *, minutes_from_now: int = 1) -> AlarmRow:
    """Schedule an occurrence in ``unit``, let its window end unsigned, return the MISSED alarm."""
    occurrence = unit.scheduled(service.clock.now() + timedelta(minutes=minutes_from_now))
    await service.publish(occurrence)
    await service.wait_until_known(occurrence.occurrence_id)
    advance_to(service.clock, occurrence.window_end)
    (alarm,) = await service.wait_for_alarms(occurrence.occurrence_id, 1)
    return alarm


ACKNOWLEDGE = """
mutation($input: AcknowledgeAlarmInput!) {
  acknowledgeAlarm(input: $input) {
    id state outcome comment acknowledgedBy { id } acknowledgedAt deviation { id }
  }
}"""
