"""The FastAPI application around a subgraph: lifespan, health, metrics, correlation ids."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from libs.graphql.context import ServiceContext, SignaGraphQLRouter
from libs.observability import HTTP_REQUESTS, correlation_id, get_logger, new_correlation_id
from libs.runtime import ServiceRuntime

__all__ = ["create_service_app"]

log = get_logger(__name__)

KNOWN_PATHS = {"/graphql", "/healthz", "/readyz", "/metrics"}


def create_service_app(
    *,
    runtime: ServiceRuntime,
    schema: Any,
    context_class: Callable[..., ServiceContext] = ServiceContext,
    routers: Sequence[APIRouter] = (),
    on_start: Sequence[Callable[[], Awaitable[None]]] = (),
    on_stop: Sequence[Callable[[], Awaitable[None]]] = (),
) -> FastAPI:
    name = runtime.definition.name

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if runtime.settings.migrate_on_start:
            await runtime.migrate()
        await runtime.start()
        for hook in on_start:
            await hook()
        log.info("service started", port=runtime.settings.port)
        try:
            yield
        finally:
            for hook in on_stop:
                await hook()
            await runtime.stop()
            log.info("service stopped")

    app = FastAPI(title=f"signa-{name}", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.runtime = runtime

    async def context_getter() -> ServiceContext:
        return context_class(runtime=runtime)

    graphql = SignaGraphQLRouter(
        schema, context_getter=context_getter, production=runtime.settings.common.production
    )
    app.include_router(graphql, prefix="/graphql")
    for router in routers:
        app.include_router(router)

    @app.middleware("http")
    async def correlate(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        value = request.headers.get("x-request-id") or new_correlation_id()
        token = correlation_id.set(value[:64])
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            correlation_id.reset(token)
        path = request.url.path if request.url.path in KNOWN_PATHS else "other"
        HTTP_REQUESTS.labels(name, path, str(response.status_code)).observe(
            time.perf_counter() - started
        )
        response.headers["x-request-id"] = value[:64]
        return response

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": name}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        checks = await runtime.readiness()
        ready = all(checks.values())
        return JSONResponse({"ready": ready, **checks}, status_code=200 if ready else 503)

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
