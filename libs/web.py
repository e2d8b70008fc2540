"""The FastAPI application around a subgraph: lifespan, health, metrics, correlation ids."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from libs.graphql.context import ServiceContext, SignaGraphQL
from libs.observability import HTTP_REQUESTS, correlation_id, get_logger, new_correlation_id
from libs.runtime import ServiceRuntime

__all__ = ["create_service_app", "server_config"]

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

    graphql = SignaGraphQL(
        schema,
        make_context=lambda: context_class(runtime=runtime),
        production=runtime.settings.common.production,
    )
    app.router.routes += [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
    ]
    for router in routers:
        app.include_router(router)

    app.add_middleware(_Correlate, service=name)

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        if runtime.dead_tasks:
            return JSONResponse(
                {"status": "dead", "service": name, "tasks": runtime.dead_tasks}, status_code=503
            )
        return JSONResponse({"status": "ok", "service": name})

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        checks = await runtime.readiness()
        ready = all(checks.values())
        return JSONResponse({"ready": ready, **checks}, status_code=200 if ready else 503)

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app


def server_config(app: ASGIApp, *, host: str, port: int, keep_alive_seconds: int) -> uvicorn.Config:
    """How a service's app is served (``signa serve``, the benchmarks and the tests alike).

    ``keep_alive_seconds``: how long an idle connection is kept open. It must outlast the
    gateway's own: Node's HTTP agent drops its idle connections to a subgraph after 5 s, and
    when the server closes first (uvicorn's default is also 5 s) a request sent on a
    connection that is being closed fails ("socket hang up") — a `sign` lost to a phone
    that happened to come 5 s after the last request.
    """
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="on",
        log_level="warning",
        access_log=False,
        timeout_keep_alive=keep_alive_seconds,
        timeout_graceful_shutdown=10,
        # The legacy websockets implementation is deprecated; sans-I/O is its successor.
        ws="websockets-sansio",
    )


class _Correlate:
    """Gives each HTTP request its correlation id (and returns it), and times the request.

    Plain ASGI rather than Starlette's ``BaseHTTPMiddleware``, which costs a task and a stream
    per request; WebSocket and lifespan traffic pass straight through.
    """

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self._app = app
        self._service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        given = Headers(scope=scope).get("x-request-id")
        value = (given or new_correlation_id())[:64]
        path = scope["path"] if scope["path"] in KNOWN_PATHS else "other"
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append("x-request-id", value)
            await send(message)

        token = correlation_id.set(value)
        try:
            await self._app(scope, receive, send_with_id)
        finally:
            correlation_id.reset(token)
            HTTP_REQUESTS.labels(self._service, path, str(status)).observe(
                time.perf_counter() - started
            )
