"""A service process's moving parts, built in one place and started and stopped together.

`ServiceRuntime` owns the database engine, the broker publisher, the outbox relay, the
consumer of other services' events and the token verifier with its revocation cache. A
service's ``app.py`` builds one from its `ServiceDefinition` and settings and hands it to
`libs.web.create_service_app`. Tests inject a clock, a key source or a fake publisher.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, Table, text
from sqlalchemy.ext.asyncio import async_sessionmaker

from libs.auth.revocation import RevocationCache, define_revocations_table, revocation_handler
from libs.auth.verifier import JwksSource, KeySource, TokenVerifier
from libs.clock import Clock, SystemClock
from libs.database import create_engine
from libs.messaging.dispatcher import BatchHandler, EventDispatcher, Handler
from libs.messaging.kafka import KafkaEventConsumer, KafkaPublisher, ensure_topics
from libs.messaging.relay import OutboxRelay, Publisher
from libs.messaging.tables import MessagingTables
from libs.messaging.unit_of_work import UnitOfWork
from libs.migrations import upgrade
from libs.observability import get_logger
from libs.settings import ServiceSettings

__all__ = ["ServiceDefinition", "ServiceRuntime", "infrastructure_tables"]

log = get_logger(__name__)


@dataclass(frozen=True)
class InfrastructureTables:
    messaging: MessagingTables
    revocations: Table


def infrastructure_tables(metadata: MetaData) -> InfrastructureTables:
    """The outbox, inbox and token-revocation tables, added to a service's own metadata."""
    return InfrastructureTables(
        messaging=MessagingTables.define(metadata),
        revocations=define_revocations_table(metadata),
    )


@dataclass(frozen=True)
class ServiceDefinition:
    """What a service is, as far as the infrastructure cares."""

    name: str
    metadata: MetaData
    tables: InfrastructureTables
    migrations_dir: Path
    publishes: Sequence[str]
    handlers: Mapping[str, Handler | BatchHandler] = field(default_factory=dict)
    consumes: Sequence[str] = ()
    # Event types (from identity) that revoke a user's earlier tokens.
    revoking_event_types: Sequence[str] = ()


class ServiceRuntime:
    def __init__(
        self,
        *,
        definition: ServiceDefinition,
        settings: ServiceSettings,
        clock: Clock | None = None,
        publisher: Publisher | None = None,
        keys: KeySource | None = None,
    ) -> None:
        common = settings.common
        self.definition = definition
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.engine = create_engine(
            settings.database_url,
            pool_size=settings.database_pool_size,
            pre_ping=settings.database_pre_ping,
        )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._kafka = (
            None
            if publisher is not None
            else KafkaPublisher(
                bootstrap_servers=common.kafka_bootstrap_servers,
                enable_idempotence=common.kafka_enable_idempotence,
            )
        )
        self.publisher: Publisher = publisher or self._kafka  # type: ignore[assignment]
        tables = definition.tables
        # The relay has its own small pool so it never queues behind request traffic.
        self._relay_engine = create_engine(settings.database_url, pool_size=1)
        self.relay = OutboxRelay(
            service=definition.name,
            sessions=async_sessionmaker(self._relay_engine, expire_on_commit=False),
            tables=tables.messaging,
            publisher=self.publisher,
            batch_size=settings.outbox_batch_size,
            poll_seconds=settings.outbox_poll_seconds,
            linger_seconds=settings.outbox_linger_seconds,
        )
        self.revocations = RevocationCache(
            sessions=self.sessions, table=tables.revocations, clock=self.clock
        )
        self.verifier = TokenVerifier(
            keys=keys or JwksSource(common.jwks_url),
            issuer=common.jwt_issuer,
            audience=common.jwt_audience,
            is_revoked=self.revocations.is_revoked,
        )
        handlers = dict(definition.handlers)
        for event_type in definition.revoking_event_types:
            handlers.setdefault(event_type, revocation_handler(tables.revocations))
        self.dispatcher = EventDispatcher(
            consumer=definition.name,
            handlers=handlers,
            units_of_work=self.unit_of_work,
            tables=tables.messaging,
            dead_letters=self.publisher,
            max_attempts=settings.consumer_max_attempts,
        )
        self._consumer: KafkaEventConsumer | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.dead_tasks: list[str] = []

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(
            sessions=self.sessions,
            tables=self.definition.tables.messaging,
            source=f"/signa/{self.definition.name}",
            clock=self.clock,
            after_commit=self.relay.wake,
        )

    async def migrate(self) -> None:
        await upgrade(
            self.definition.migrations_dir, self.settings.database_url, self.definition.metadata
        )

    async def start(self, *, connect_timeout: float = 60.0) -> None:
        """Connect to the broker (waiting for it up to ``connect_timeout``) and start the loops."""
        await self.revocations.refresh()
        if self._kafka is not None:
            await asyncio.wait_for(self._connect(self._kafka), connect_timeout)
        self._spawn(self.relay.run(), "outbox-relay")
        self._spawn(self.revocations.run(), "revocations")
        if self.definition.consumes and self._kafka is not None:
            self._consumer = KafkaEventConsumer(
                bootstrap_servers=self.settings.common.kafka_bootstrap_servers,
                group_id=self.definition.name,
                topics=list(self.definition.consumes),
                dispatcher=self.dispatcher,
                max_records=self.settings.consumer_max_records,
                fetch_max_wait_ms=self.settings.common.kafka_fetch_max_wait_ms,
            )
            await self._consumer.start()
            self._spawn(self._consumer.run(), "consumer")
        _freeze_start_up_objects()

    async def caught_up(self, *, within: float) -> bool:
        """Wait until the service's consumer group has handled every event that was on its
        topics when this was asked (asked at start: the events of a downtime), up to
        ``within`` seconds. Whatever judges by the absence of an event (alarms' MISSED) waits
        for this first. False if the time ran out (the broker away): the caller goes on."""
        if self._consumer is None:
            return True
        deadline = asyncio.get_running_loop().time() + within
        marks = None
        while True:
            try:
                marks = marks if marks is not None else await self._consumer.end_offsets()
                if await self._consumer.group_reached(marks):
                    return True
            except Exception as error:
                log.warning("catch-up progress unknown", error=repr(error))
            if asyncio.get_running_loop().time() >= deadline:
                log.warning("not caught up with the events of a downtime; going on", within=within)
                return False
            await asyncio.sleep(0.2)

    async def _connect(self, kafka: KafkaPublisher) -> None:
        common = self.settings.common
        delay = 0.5
        while True:
            try:
                await ensure_topics(
                    common.kafka_bootstrap_servers,
                    [*self.definition.publishes, *self.definition.consumes],
                    partitions=common.kafka_topic_partitions,
                    replication_factor=common.kafka_topic_replication_factor,
                    retention_ms=common.kafka_topic_retention_ms,
                )
                await kafka.start()
                return
            except Exception as error:
                log.warning("broker not reachable yet", error=repr(error), retry_in=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=f"{self.definition.name}-{name}")
        self.watch(task)
        self._tasks.append(task)

    def watch(self, task: asyncio.Task[None]) -> None:
        """A loop the service cannot do without: if it dies, ``/healthz`` fails, so the
        orchestrator restarts the process rather than leaving it up and doing nothing."""
        task.add_done_callback(self._report_crash)

    def _report_crash(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("background task died", task=task.get_name(), error=repr(task.exception()))
            self.dead_tasks.append(task.get_name())

    async def stop(self) -> None:
        """Stop taking new events, let the relay finish its batch, then close connections."""
        self.relay.stop()
        self.revocations.stop()
        if self._consumer is not None:
            await self._consumer.stop()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, timeout=5)
        if self._kafka is not None:
            await self._kafka.stop()
        await self.engine.dispose()
        await self._relay_engine.dispose()

    async def readiness(self) -> dict[str, bool]:
        checks = {"database": False, "broker": True}
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            checks["database"] = True
        except Exception:
            log.warning("readiness: database unreachable")
        if self._kafka is not None:
            checks["broker"] = await self._kafka.ready()
        return checks


_frozen = False


def _freeze_start_up_objects() -> None:
    """Once per process: everything made by then (modules, schema, pools) lives as long as the
    process; out of the collector's sight, a full collection no longer walks it in the middle
    of a request (tens of milliseconds on a worklist read otherwise). Only once, so a process
    that starts many runtimes (the tests) does not keep freezing what later becomes garbage."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()
