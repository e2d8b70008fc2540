"""The interventions service process: the one place its parts are wired together."""

from __future__ import annotations

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
from services.alarms import events as alarms_events
from services.identity import events as identity_events
from services.interventions import events
from services.interventions.consumer import HANDLERS
from services.interventions.graphql import ENTITIES, InterventionsContext, Mutation, Query
from services.interventions.scheduler import Scheduler
from services.interventions.settings import InterventionsSettings
from services.interventions.tables import INFRASTRUCTURE, Base
from services.signing import events as signing_events

__all__ = ["DEFINITION", "build_service_schema", "create_app"]

DEFINITION = ServiceDefinition(
    name="interventions",
    metadata=Base.metadata,
    tables=INFRASTRUCTURE,
    migrations_dir=Path(__file__).parent / "migrations",
    publishes=[events.TOPIC, identity_events.ACCESS_TOPIC],
    # Signatures and alarms feed the worklist's read models (services/interventions/views.py).
    consumes=[identity_events.TOPIC, signing_events.TOPIC, alarms_events.TOPIC],
    handlers=HANDLERS,
    revoking_event_types=identity_events.REVOKING_EVENT_TYPES,
)


def build_service_schema(settings: InterventionsSettings) -> strawberry.federation.Schema:
    return build_schema(query=Query, mutation=Mutation, types=ENTITIES, settings=settings)


def create_app(
    settings: InterventionsSettings | None = None,
    *,
    clock: Clock | None = None,
    keys: KeySource | None = None,
    publisher: Publisher | None = None,
) -> FastAPI:
    """The service; ``app.state.scheduler`` is the occurrence scheduler (tests drive it)."""
    settings = settings or load_settings(InterventionsSettings)
    runtime = ServiceRuntime(
        definition=DEFINITION, settings=settings, clock=clock, keys=keys, publisher=publisher
    )
    scheduler = Scheduler(units_of_work=runtime.unit_of_work, settings=settings)
    app = create_service_app(
        runtime=runtime,
        schema=build_service_schema(settings),
        context_class=InterventionsContext,
        on_start=[scheduler.start],
        on_stop=[scheduler.stop],
    )
    app.state.scheduler = scheduler
    return app
