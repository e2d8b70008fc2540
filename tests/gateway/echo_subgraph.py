"""A federation subgraph that reports what the gateway forwarded to it, for edge tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
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
    app.state.report_requests = []

    @app.middleware("http")
    async def broken_for_some(request: Request, call_next: Any) -> Response:
        if request.url.path.startswith("/reports"):
            app.state.report_requests.append(f"{request.method} {request.url.path}")
        # A subgraph failing as a proxy in front of it would (an HTML 502): any request whose
        # body names BROKEN_SUBGRAPH gets it.
        if BROKEN_SUBGRAPH.encode() in await request.body():
            return PlainTextResponse("<html>502 Bad Gateway</html>", status_code=502)
        response: Response = await call_next(request)
        return response

    @app.get("/reports/compliance.csv")
    async def compliance_csv(request: Request) -> Response:
        """What reached it, as alarms' CSV would come; the status asked for in ``status``
        (an error as FastAPI words one), and headers that must stay here."""
        status = int(request.query_params.get("status", "200"))
        if status != 200:
            return JSONResponse({"detail": f"answered {status}"}, status_code=status)
        seen = f"{request.headers.get('authorization')}\r\n{request.url.query}\r\n"
        return Response(
            seen,
            media_type="text/csv; charset=utf-8",
            headers={
                "content-disposition": 'attachment; filename="echo.csv"',
                "set-cookie": "subgraph=1",
                "x-subgraph-only": "1",
            },
        )

    app.include_router(GraphQLRouter(schema), prefix="/graphql")

    @app.get("/.well-known/jwks.json")
    async def keys() -> dict[str, Any]:
        return jwks

    return app
