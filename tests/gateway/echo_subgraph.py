"""A federation subgraph that reports what the gateway forwarded to it, for edge tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from strawberry.fastapi import GraphQLRouter
from strawberry.types import Info


def _header(info: Info[Any, Any], name: str) -> str | None:
    value: str | None = info.context["request"].headers.get(name)
    return value


@strawberry.type
class Nest:
    @strawberry.field
    def child(self) -> Nest:
        return Nest()

    value: int = 1


@strawberry.type
class Query:
    @strawberry.field
    def authorization(self, info: Info[Any, Any]) -> str | None:
        return _header(info, "authorization")

    @strawberry.field
    def request_id(self, info: Info[Any, Any]) -> str | None:
        return _header(info, "x-request-id")

    @strawberry.field
    def nest(self) -> Nest:
        return Nest()

    @strawberry.field
    async def slow(self, info: Info[Any, Any], seconds: float) -> str:
        """Answers after ``seconds``; the app's ``slow_started`` is set once it is running."""
        info.context["request"].app.state.slow_started.set()
        await asyncio.sleep(seconds)
        return "done"

    @strawberry.field
    def refused(self) -> str:
        """A non-null field that fails: the answer is data null with the error."""
        raise PermissionError("not for you")


@strawberry.type
class Mutation:
    @strawberry.mutation
    def login(self, username: str) -> str:
        return f"session-for-{username}"


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def authorization_seen(
        self, info: Info[Any, Any], count: int = 2
    ) -> AsyncGenerator[str, None]:
        params = info.context.get("connection_params") or {}
        seen = params.get("authorization") or params.get("Authorization")
        for number in range(count):
            yield f"{number}:{seen}"
            await asyncio.sleep(0.05)


schema = strawberry.federation.Schema(
    query=Query, mutation=Mutation, subscription=Subscription, federation_version="2.9"
)


BROKEN_SUBGRAPH = "answer-as-a-broken-proxy"


def create_app(jwks: dict[str, Any]) -> FastAPI:
    """The subgraph, plus the key set the gateway checks tokens against."""
    app = FastAPI()
    app.state.slow_started = asyncio.Event()

    @app.middleware("http")
    async def broken_for_some(request: Request, call_next: Any) -> Response:
        # A subgraph failing as a proxy in front of it would (an HTML 502): any request whose
        # body names BROKEN_SUBGRAPH gets it.
        if BROKEN_SUBGRAPH.encode() in await request.body():
            return PlainTextResponse("<html>502 Bad Gateway</html>", status_code=502)
        response: Response = await call_next(request)
        return response

    app.include_router(GraphQLRouter(schema), prefix="/graphql")

    @app.get("/.well-known/jwks.json")
    async def keys() -> dict[str, Any]:
        return jwks

    return app
