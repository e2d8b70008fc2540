"""The signing service process: the one place its parts are wired together."""

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
from services.identity import events as identity_events
from services.interventions import events as interventions_events
from services.signing import events
from services.signing.consumer import HANDLERS
from services.signing.graphql import Mutation, Query, SigningContext, entity_types
from services.signing.handlers import Signing
from services.signing.settings import SigningSettings
from services.signing.tables import INFRASTRUCTURE, Base

__all__ = ["DEFINITION", "build_service_schema", "create_app"]

DEFINITION = ServiceDefinition(
    name="signing",
    metadata=Base.metadata,
    tables=INFRASTRUCTURE,
    migrations_dir=Path(__file__).parent / "migrations",
    publishes=[events.TOPIC, identity_events.ACCESS_TOPIC],
    handlers=HANDLERS,
    consumes=[interventions_events.TOPIC, identity_events.TOPIC],
    revoking_event_types=identity_events.REVOKING_EVENT_TYPES,
)


def build_service_schema(settings: SigningSettings) -> strawberry.federation.Schema:
    return build_schema(query=Query, mutation=Mutation, types=entity_types(), settings=settings)


def create_app(
    settings: SigningSettings | None = None,
    *,
    clock: Clock | None = None,
    keys: KeySource | None = None,
    publisher: Publisher | None = None,
) -> FastAPI:
    settings = settings or load_settings(SigningSettings)
    runtime = ServiceRuntime(
        definition=DEFINITION, settings=settings, clock=clock, keys=keys, publisher=publisher
    )
    signing = Signing(
        units_of_work=runtime.unit_of_work,
        sessions=runtime.sessions,
        clock=runtime.clock,
        policy=settings.policy(),
        occurrence_wait=settings.occurrence_wait_seconds,
        sync_max_items=settings.sync_max_items,
    )

    def context(*, runtime: ServiceRuntime) -> SigningContext:
        return SigningContext(runtime=runtime, signing=signing)

    return create_service_app(
        runtime=runtime, schema=build_service_schema(settings), context_class=context
    )
