"""The alarms service process: the one place its parts are wired together."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import strawberry
from fastapi import FastAPI

from libs.auth.verifier import KeySource
from libs.clock import Clock
from libs.graphql.schema import build_schema
from libs.messaging.relay import Publisher
from libs.runtime import ServiceDefinition, ServiceRuntime
from libs.settings import load_settings
from libs.web import create_service_app
from services.alarms import events
from services.alarms.consumer import build_handlers
from services.alarms.graphql import TYPES, AlarmsContext, Mutation, Query, Subscription
from services.alarms.live import AlarmFeed
from services.alarms.reports import reports_router
from services.alarms.settings import AlarmsSettings
from services.alarms.sweeper import Sweeper
from services.alarms.tables import INFRASTRUCTURE, Base
from services.identity import events as identity_events
from services.interventions import events as interventions_events
from services.signing import events as signing_events

__all__ = ["DEFINITION", "build_service_schema", "create_app"]

# Handlers need the settings (grace), so `create_app` adds them; the CLI needs only the rest.
DEFINITION = ServiceDefinition(
    name="alarms",
    metadata=Base.metadata,
    tables=INFRASTRUCTURE,
    migrations_dir=Path(__file__).parent / "migrations",
    publishes=[events.TOPIC, events.REMINDERS_TOPIC, identity_events.ACCESS_TOPIC],
    consumes=[identity_events.TOPIC, interventions_events.TOPIC, signing_events.TOPIC],
    revoking_event_types=identity_events.REVOKING_EVENT_TYPES,
)


def build_service_schema(settings: AlarmsSettings) -> strawberry.federation.Schema:
    return build_schema(
        query=Query, mutation=Mutation, subscription=Subscription, types=TYPES, settings=settings
    )


def create_app(
    settings: AlarmsSettings | None = None,
    *,
    clock: Clock | None = None,
    keys: KeySource | None = None,
    publisher: Publisher | None = None,
) -> FastAPI:
    settings = settings or load_settings(AlarmsSettings)
    runtime = ServiceRuntime(
        definition=dataclasses.replace(DEFINITION, handlers=build_handlers(settings)),
        settings=settings,
        clock=clock,
        keys=keys,
        publisher=publisher,
    )
    feed = AlarmFeed(sessions=runtime.sessions, queue_size=settings.live_queue_size)
    sweeper = Sweeper(
        units_of_work=runtime.unit_of_work,
        settings=settings,
        before_first_sweep=functools.partial(
            runtime.caught_up, within=settings.catch_up_wait_seconds
        ),
    )

    async def start_feed() -> None:
        await feed.start(bootstrap_servers=settings.common.kafka_bootstrap_servers)

    app = create_service_app(
        runtime=runtime,
        schema=build_service_schema(settings),
        context_class=functools.partial(AlarmsContext, settings=settings, feed=feed),
        routers=[reports_router(runtime=runtime, settings=settings)],
        on_start=[start_feed, sweeper.start],
        on_stop=[sweeper.stop, feed.stop],
    )
    app.state.sweeper = sweeper
    app.state.feed = feed
    return app
