"""The identity service process: the one place its parts are wired together."""

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
from services.identity import events
from services.identity.graphql import Query
from services.identity.settings import IdentitySettings
from services.identity.tables import INFRASTRUCTURE, Base

__all__ = ["DEFINITION", "build_service_schema", "create_app"]

DEFINITION = ServiceDefinition(
    name="identity",
    metadata=Base.metadata,
    tables=INFRASTRUCTURE,
    migrations_dir=Path(__file__).parent / "migrations",
    publishes=[events.TOPIC, events.ACCESS_TOPIC],
    consumes=[],
)


def build_service_schema(settings: IdentitySettings) -> strawberry.federation.Schema:
    return build_schema(query=Query, settings=settings)


def create_app(
    settings: IdentitySettings | None = None,
    *,
    clock: Clock | None = None,
    keys: KeySource | None = None,
    publisher: Publisher | None = None,
) -> FastAPI:
    settings = settings or load_settings(IdentitySettings)
    runtime = ServiceRuntime(
        definition=DEFINITION, settings=settings, clock=clock, keys=keys, publisher=publisher
    )
    return create_service_app(runtime=runtime, schema=build_service_schema(settings))
