"""The request context and the GraphQL endpoint every subgraph serves at ``/graphql``.

The caller's token comes from the ``Authorization`` header on HTTP and from the
``connection_init`` payload on WebSockets (the gateway forwards both). It is verified lazily:
the first resolver that asks for the principal pays for it, public fields never do. A
WebSocket with a bad token is refused at ``connection_init``; on an open one every operation
checks the token again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import BaseContext

from libs.auth.principal import Principal
from libs.auth.verifier import InvalidToken, TokenVerifier
from libs.graphql.errors import Unauthenticated
from libs.runtime import ServiceRuntime

__all__ = ["AuthContext", "ServiceContext", "SignaGraphQL", "bearer_token"]


def bearer_token(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _authorization(params: Mapping[str, Any] | None) -> str | None:
    if not params:
        return None
    for name in ("authorization", "Authorization"):
        value = params.get(name)
        if isinstance(value, str):
            return value
    headers = params.get("headers")
    return _authorization(headers) if isinstance(headers, Mapping) else None


class AuthContext(BaseContext):
    """Base of each service's context: subclasses add their unit-of-work factory and clock."""

    def __init__(self, *, verifier: TokenVerifier) -> None:
        super().__init__()
        self._verifier = verifier
        self._principal: Principal | None = None

    def _token(self) -> str | None:
        if self.connection_params is not None:
            return bearer_token(_authorization(self.connection_params))
        if self.request is not None:
            return bearer_token(self.request.headers.get("authorization"))
        return None

    @property
    def verified_principal(self) -> Principal | None:
        """The caller if a resolver has verified the token already; never verifies it."""
        return self._principal

    async def principal(self) -> Principal:
        """The verified caller; raises `Unauthenticated` without a valid token.

        An HTTP request's context keeps the answer. A WebSocket's context lives as long as the
        connection, past its token's expiry or a revocation, so there the token is checked
        again on every call (the verifier remembers tokens it checked: a look-up, not a
        signature check)."""
        if self._principal is None or isinstance(self.request, WebSocket):
            token = self._token()
            if token is None:
                raise Unauthenticated("sign in first: no bearer token")
            try:
                self._principal = await self._verifier.verify(token)
            except InvalidToken as error:
                raise Unauthenticated("the access token is not valid") from error
        return self._principal


class ServiceContext(AuthContext):
    """What a resolver reaches: the caller, units of work, sessions and the clock."""

    def __init__(self, *, runtime: ServiceRuntime) -> None:
        super().__init__(verifier=runtime.verifier)
        self.runtime = runtime
        self.clock = runtime.clock
        self.unit_of_work = runtime.unit_of_work
        self.sessions = runtime.sessions


class SignaGraphQL(GraphQL[ServiceContext, None]):
    """HTTP and WebSocket GraphQL as a plain ASGI app, routed without FastAPI's endpoint
    machinery: ``GraphQLRouter``'s dependency solving and route wrappers were about a sixth of
    a ``sign`` request's CPU, and the context needs no dependency injection."""

    def __init__(
        self,
        schema: Any,
        *,
        make_context: Callable[[], ServiceContext],
        production: bool,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide=None if production else "graphiql",
            allow_queries_via_get=False,
            multipart_uploads_enabled=False,
        )
        self._make_context = make_context

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> ServiceContext:
        context = self._make_context()
        context.request = request
        context.response = response if isinstance(response, Response) else None
        return context

    def encode_json(self, data: object) -> str:
        # A worklist answer is a third of a megabyte: 6.4 ms with json, 0.4 ms with orjson.
        # Text, not bytes: WebSocket messages must go out as text frames.
        return orjson.dumps(data).decode()

    async def on_ws_connect(self, context: ServiceContext) -> dict[str, object] | None:
        try:
            await context.principal()
        except Unauthenticated as error:
            raise ConnectionRejectionError({"message": error.message}) from error
        return None
