"""The identity service process: the one place its parts are wired together."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import strawberry
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

from libs.auth.verifier import KeySource, TokenVerifier
from libs.clock import Clock
from libs.graphql.schema import build_schema
from libs.messaging.dispatcher import BatchHandler
from libs.messaging.relay import Publisher
from libs.observability import get_logger
from libs.runtime import ServiceDefinition, ServiceRuntime
from libs.settings import load_settings
from libs.web import create_service_app
from services.alarms import events as alarms_events
from services.identity import events
from services.identity.access_log import prune_access_log, record_access, record_accesses
from services.identity.graphql import TYPES, IdentityContext, Mutation, Query
from services.identity.handlers import Deps
from services.identity.keys import KeyStore
from services.identity.mail import MailSender
from services.identity.notifications import notification_handlers
from services.identity.passwords import PasswordHasher
from services.identity.settings import IdentitySettings
from services.identity.tables import INFRASTRUCTURE, Base

__all__ = ["DEFINITION", "Identity", "build_identity", "build_service_schema", "create_app"]

log = get_logger(__name__)

DEFINITION = ServiceDefinition(
    name="identity",
    metadata=Base.metadata,
    tables=INFRASTRUCTURE,
    migrations_dir=Path(__file__).parent / "migrations",
    publishes=[events.TOPIC, events.ACCESS_TOPIC],
    # alarms.reminders: the reminder e-mails alarms announces (notifications.py); the
    # handlers need the settings, so `build_identity` adds them.
    consumes=[events.ACCESS_TOPIC, alarms_events.REMINDERS_TOPIC],
    handlers={
        events.RecordsAccessed.TYPE: BatchHandler(record_accesses),
        events.RecordAccessed.TYPE: record_access,
    },
    # Not consuming its own topic for revocations: handlers write them in the same
    # transaction as the change (see handlers.py), which takes effect at once.
)

PRUNE_EVERY_SECONDS = 6 * 3600


def build_service_schema(settings: IdentitySettings) -> strawberry.federation.Schema:
    return build_schema(query=Query, mutation=Mutation, types=TYPES, settings=settings)


@dataclass(frozen=True)
class Identity:
    """The service's parts beyond the shared runtime; bootstrap and tests use it directly."""

    runtime: ServiceRuntime
    deps: Deps
    verifier: TokenVerifier

    async def start(self) -> None:
        await self.deps.keys.ensure_key()

    def close(self) -> None:
        self.deps.hasher.close()


class _DeferredKeySource:
    """The runtime wants a KeySource before the key store (built on its sessions) exists."""

    store: KeyStore | None = None

    async def fetch(self) -> Mapping[str, Any]:
        if self.store is None:
            raise RuntimeError("the key store is not built yet")
        return await self.store.fetch()


def build_identity(
    settings: IdentitySettings,
    *,
    clock: Clock | None = None,
    publisher: Publisher | None = None,
) -> Identity:
    deferred_keys = _DeferredKeySource()
    definition = dataclasses.replace(
        DEFINITION,
        handlers={**DEFINITION.handlers, **notification_handlers(public_url=settings.public_url)},
    )
    runtime = ServiceRuntime(
        definition=definition,
        settings=settings,
        clock=clock,
        publisher=publisher,
        keys=deferred_keys,
    )
    keys = KeyStore(
        sessions=runtime.sessions,
        clock=runtime.clock,
        overlap=settings.key_overlap,
        propagation=settings.key_propagation,
    )
    deferred_keys.store = keys
    deps = Deps(
        settings=settings,
        units_of_work=runtime.unit_of_work,
        sessions=runtime.sessions,
        clock=runtime.clock,
        hasher=PasswordHasher(
            memory_kib=settings.argon2_memory_kib,
            time_cost=settings.argon2_time_cost,
            parallelism=settings.argon2_parallelism,
            max_concurrent=settings.argon2_max_concurrent,
        ),
        keys=keys,
        mail=MailSender(
            sessions=runtime.sessions,
            clock=runtime.clock,
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.mail_from,
            username=settings.smtp_username,
            password=settings.smtp_password,
            start_tls=settings.smtp_starttls,
            timeout=settings.smtp_timeout_seconds,
            poll_seconds=settings.mail_poll_seconds,
        ),
        revocations=runtime.revocations,
    )
    # The keys are in the local database and the key store rate-limits its own reads, so an
    # unknown kid is looked up at once (a remote JWKS is refetched at most every ten seconds).
    verifier = TokenVerifier(
        keys=keys,
        issuer=settings.common.jwt_issuer,
        audience=settings.common.jwt_audience,
        is_revoked=runtime.revocations.is_revoked,
        refetch_interval=0.0,
    )
    # Every request and WebSocket of this process verifies with it.
    runtime.verifier = verifier
    return Identity(runtime=runtime, deps=deps, verifier=verifier)


def create_app(
    settings: IdentitySettings | None = None,
    *,
    clock: Clock | None = None,
    keys: KeySource | None = None,
    publisher: Publisher | None = None,
) -> FastAPI:
    """The identity app. ``keys`` is accepted for symmetry with the other services and ignored:
    identity verifies tokens with its own keys."""
    del keys
    settings = settings or load_settings(IdentitySettings)
    identity = build_identity(settings, clock=clock, publisher=publisher)
    deps = identity.deps
    tasks: list[asyncio.Task[None]] = []

    async def prune_loop() -> None:
        while True:
            try:
                removed = await prune_access_log(
                    sessions=deps.sessions,
                    clock=deps.clock,
                    retention=settings.access_log_retention,
                )
                if removed:
                    log.info("access log pruned", removed=removed)
            except Exception:
                log.exception("pruning the access log failed")
            await asyncio.sleep(PRUNE_EVERY_SECONDS)

    async def on_start() -> None:
        await identity.start()
        tasks.append(asyncio.create_task(deps.mail.run(), name="identity-mail"))
        tasks.append(asyncio.create_task(prune_loop(), name="identity-prune"))
        for task in tasks:
            identity.runtime.watch(task)

    async def on_stop() -> None:
        deps.mail.stop()
        for task in tasks:
            if task.get_name() == "identity-prune":
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, timeout=5)
        identity.close()

    router = APIRouter()

    @router.get("/.well-known/jwks.json")
    async def jwks() -> JSONResponse:
        document = await deps.keys.fetch()
        # Not cached on the way: a new key must be visible within its propagation delay.
        return JSONResponse(dict(document), headers={"cache-control": "no-cache"})

    def context(*, runtime: ServiceRuntime) -> IdentityContext:
        return IdentityContext(runtime=runtime, deps=deps)

    app = create_service_app(
        runtime=identity.runtime,
        schema=build_service_schema(settings),
        context_class=context,
        routers=[router],
        on_start=[on_start],
        on_stop=[on_stop],
    )
    app.state.identity = identity
    return app
