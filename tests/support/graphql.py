"""A small GraphQL client over real HTTP (httpx) and WebSocket (graphql-transport-ws)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import websockets


class GraphQLError(AssertionError):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(json.dumps(errors, ensure_ascii=False))
        self.errors = errors

    @property
    def codes(self) -> list[str]:
        return [str((e.get("extensions") or {}).get("code")) for e in self.errors]

    @property
    def code(self) -> str:
        return self.codes[0]


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient, url: str, token: str | None = None) -> None:
        self._http = http
        self.url = url
        self.token = token

    def as_user(self, token: str | None) -> GraphQLClient:
        return GraphQLClient(self._http, self.url, token)

    async def raw(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {self.token}"} if self.token else {}
        response = await self._http.post(
            self.url, json={"query": query, "variables": variables or {}}, headers=headers
        )
        body: dict[str, Any] = response.json()
        return body

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        """Run an operation; returns ``data`` or raises `GraphQLError` with the errors."""
        body = await self.raw(query, variables)
        if body.get("errors"):
            raise GraphQLError(body["errors"])
        return body["data"]


@asynccontextmanager
async def subscription(
    ws_url: str, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
) -> AsyncIterator[websockets.ClientConnection]:
    """Open a graphql-transport-ws subscription; read messages with `next_payload`."""
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as socket:
        payload = {"authorization": f"Bearer {token}"} if token else {}
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await socket.recv())
        if ack.get("type") != "connection_ack":
            raise GraphQLError([{"message": f"connection refused: {ack}"}])
        await socket.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": query, "variables": variables or {}},
                }
            )
        )
        yield socket


async def next_payload(socket: websockets.ClientConnection) -> dict[str, Any]:
    while True:
        message = json.loads(await socket.recv())
        if message["type"] == "next":
            payload: dict[str, Any] = message["payload"]
            return payload
        if message["type"] == "error":
            raise GraphQLError(message["payload"])
        if message["type"] == "ping":
            await socket.send(json.dumps({"type": "pong"}))
