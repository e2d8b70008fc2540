"""One running signing service for the package: real PostgreSQL, real broker, real HTTP.

Starting a broker, a database and the app per test would cost seconds each, so the package
shares one and every test works on its own fresh unit, occurrences and users (random ids).
Occurrences are fed the way interventions would: its events, published to the broker.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from sqlalchemy import func, select

from libs.auth.principal import Role
from libs.clock import FakeClock
from libs.devstack.broker import BrokerProcess
from libs.messaging.envelope import CloudEvent, encode_data, to_kafka
from libs.messaging.kafka import KafkaPublisher
from libs.runtime import ServiceRuntime
from libs.settings import CommonSettings
from services.identity.events import ACCESS_TOPIC
from services.interventions import events as interventions
from services.signing import repository
from services.signing.app import create_app
from services.signing.events import TOPIC as SIGNING_TOPIC
from services.signing.settings import SigningSettings
from services.signing.tables import signatures
from tests.support.graphql import GraphQLClient
from tests.support.servers import serve
from tests.support.tokens import AUDIENCE, ISSUER, TestTokens
from tests.support.waiting import eventually

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)

SIGN = """
mutation Sign($input: SignInput!) {
  sign(input: $input) {
    id status note timing signedAt performedAt annulled documentedAt prn
    occurrence { id } signedBy { id }
  }
}"""


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="package")
def package_broker(log_dir: Path) -> Iterator[BrokerProcess]:
    process = BrokerProcess(log_dir=log_dir)
    process.start()
    try:
        yield process
    finally:
        process.stop()


@dataclass
class SigningService:
    url: str
    runtime: ServiceRuntime
    clock: FakeClock
    tokens: TestTokens
    http: httpx.AsyncClient
    feed: KafkaPublisher
    bootstrap: str
    settings: SigningSettings
    _published: list[Any] = field(default_factory=list)

    def client(
        self, user_id: str, units: dict[str, list[Role]] | None = None, **kwargs: Any
    ) -> GraphQLClient:
        token = self.tokens.token(user_id, units, **kwargs)
        return GraphQLClient(self.http, self.url + "/graphql", token)

    async def publish(self, event: Any, *, at: datetime | None = None) -> None:
        cloud_event = CloudEvent(
            type=event.TYPE,
            source="/signa/interventions",
            subject=event.key,
            time=at or datetime.now(UTC),
            data=encode_data(event),
        )
        await self.feed.publish([to_kafka(cloud_event, topic=event.TOPIC)])

    async def schedule(
        self,
        *,
        unit_id: str,
        window_start: datetime = NOW,
        window: timedelta = timedelta(hours=1),
        occurrence_id: str | None = None,
        intervention_id: str | None = None,
        tenant_id: str | None = None,
        wait: bool = True,
    ) -> interventions.OccurrenceScheduled:
        event = interventions.OccurrenceScheduled(
            occurrence_id=occurrence_id or new_id("occ"),
            intervention_id=intervention_id or new_id("int"),
            tenant_id=tenant_id or new_id("tenant"),
            unit_id=unit_id,
            window_start=window_start,
            window_end=window_start + window,
            local_date=window_start.date(),
        )
        await self.publish(event)
        if wait:
            await self.known(event.occurrence_id)
        return event

    async def cancel(self, occurrence: interventions.OccurrenceScheduled) -> None:
        await self.publish(
            interventions.OccurrenceCancelled(
                occurrence_id=occurrence.occurrence_id,
                intervention_id=occurrence.intervention_id,
                tenant_id=occurrence.tenant_id,
                unit_id=occurrence.unit_id,
                reason="PAUSED",
                cancelled_at=self.clock.now(),
            )
        )

        async def probe() -> bool:
            async with self.runtime.sessions() as session:
                found = await repository.get_occurrence(session, occurrence.occurrence_id)
            return bool(found and found.cancelled)

        await eventually(probe)

    async def known(self, occurrence_id: str) -> None:
        async def probe() -> Any:
            async with self.runtime.sessions() as session:
                return await repository.get_occurrence(session, occurrence_id)

        await eventually(probe)

    async def stored(self, **where: str) -> list[Any]:
        query = select(signatures)
        for column, value in where.items():
            query = query.where(signatures.c[column] == value)
        async with self.runtime.sessions() as session:
            return list((await session.execute(query)).all())

    async def outbox_count(self, *, type_: str | None = None, subject: str) -> int:
        outbox = self.runtime.definition.tables.messaging.outbox
        query = select(func.count()).select_from(outbox).where(outbox.c.subject == subject)
        if type_:
            query = query.where(outbox.c.type == type_)
        async with self.runtime.sessions() as session:
            return int((await session.execute(query)).scalar_one())

    async def published(self, topic: str = SIGNING_TOPIC, *, settle: float = 0.5) -> list[Any]:
        """Every message on ``topic`` so far, after the relay had time to send what it has."""
        await asyncio.sleep(settle)
        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=self.bootstrap, auto_offset_reset="earliest", group_id=None
        )
        await consumer.start()
        messages: list[Any] = []
        try:
            idle = 0
            while idle < 3:
                batch = await consumer.getmany(timeout_ms=300)
                found = [message for records in batch.values() for message in records]
                messages.extend(found)
                idle = 0 if found else idle + 1
        finally:
            await consumer.stop()
        return messages

    async def events_for(self, subject: str, topic: str = SIGNING_TOPIC) -> list[dict[str, str]]:
        return [
            {name: value.decode() for name, value in message.headers}
            for message in await self.published(topic)
            if message.key == subject.encode()
        ]


@pytest.fixture(scope="package")
async def service(
    package_broker: BrokerProcess, databases: Any, tokens: TestTokens
) -> AsyncIterator[SigningService]:
    common = CommonSettings(
        kafka_bootstrap_servers=package_broker.bootstrap_servers,
        kafka_topic_partitions=2,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        log_json=False,
    )
    settings = SigningSettings(
        database_url=await databases.create("signing"),
        port=1,
        common=common,
        occurrence_wait_seconds=2.0,
    )
    clock = FakeClock(NOW)
    app = create_app(settings, clock=clock, keys=tokens.keys)
    feed = KafkaPublisher(
        bootstrap_servers=package_broker.bootstrap_servers, enable_idempotence=False
    )
    async with serve(app) as url, httpx.AsyncClient(timeout=30) as http:
        await feed.start()
        try:
            yield SigningService(
                url=url,
                runtime=app.state.runtime,
                clock=clock,
                tokens=tokens,
                http=http,
                feed=feed,
                bootstrap=package_broker.bootstrap_servers,
                settings=settings,
            )
        finally:
            await feed.stop()


@pytest.fixture
def signing(service: SigningService) -> SigningService:
    service.clock.set(NOW)
    return service


@pytest.fixture
def unit() -> str:
    return new_id("unit")


@pytest.fixture
def staff(signing: SigningService, unit: str) -> GraphQLClient:
    return signing.client(new_id("staff"), {unit: [Role.CARE_STAFF]})


def sign_input(
    occurrence_id: str,
    *,
    status: str = "DONE",
    note: str | None = None,
    performed_at: datetime = NOW + timedelta(minutes=1),
    key: str | None = None,
) -> dict[str, Any]:
    return {
        "occurrenceId": occurrence_id,
        "status": status,
        "note": note,
        "performedAt": performed_at.isoformat(),
        "idempotencyKey": key or new_id("key"),
    }


__all__ = ["ACCESS_TOPIC", "NOW", "SIGN", "SigningService", "new_id", "sign_input"]
