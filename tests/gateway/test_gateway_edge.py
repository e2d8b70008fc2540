"""The gateway's edge, against a subgraph that echoes what it received."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from libs.auth.issuer import jwks_document
from libs.devstack.broker import find_free_port
from libs.devstack.processes import ChildProcess, spawn
from services.gateway import GATEWAY_DIR, gateway_argv
from tests.gateway.echo_subgraph import BROKEN_SUBGRAPH, create_app, schema
from tests.support.graphql import GraphQLClient, next_payload, subscription
from tests.support.servers import serve
from tests.support.tokens import AUDIENCE, ISSUER, TestTokens
from tests.support.waiting import eventually


@dataclass
class EchoGateway:
    url: str
    child: ChildProcess
    subgraph: FastAPI


@asynccontextmanager
async def hive_gateway(
    tmp_path: Path,
    *,
    subgraphs: dict[str, tuple[str, str]],
    jwks_url: str,
    production: bool = False,
    web_dir: Path | None = None,
) -> AsyncIterator[tuple[str, ChildProcess]]:
    """The Hive Gateway process over ``subgraphs`` (name -> SDL, URL of its /graphql);
    yields its /graphql URL and the process."""
    sdl_dir = tmp_path / "sdl"
    sdl_dir.mkdir(exist_ok=True)
    for name, (sdl, _url) in subgraphs.items():
        (sdl_dir / f"{name}.graphql").write_text(sdl)
    supergraph = tmp_path / "supergraph.graphql"
    routes = ",".join(f"{name}={url}" for name, (_sdl, url) in subgraphs.items())
    composed = await asyncio.to_thread(
        subprocess.run,
        [
            "node",
            str(GATEWAY_DIR / "compose.mjs"),
            "--sdl-dir",
            str(sdl_dir),
            "--out",
            str(supergraph),
        ],
        env={**os.environ, "SIGNA_SUBGRAPHS": routes},
        capture_output=True,
    )
    assert composed.returncode == 0, composed.stderr.decode()
    port = find_free_port()
    child = spawn(
        "gateway",
        gateway_argv(),
        {
            **os.environ,
            "SIGNA_SUPERGRAPH": str(supergraph),
            "SIGNA_GATEWAY_PORT": str(port),
            "SIGNA_PRODUCTION": "1" if production else "0",
            "SIGNA_LOGIN_RATE_LIMIT": "5",
            "SIGNA_JWKS_URL": jwks_url,
            "SIGNA_JWT_ISSUER": ISSUER,
            "SIGNA_JWT_AUDIENCE": AUDIENCE,
            **({"SIGNA_WEB_DIR": str(web_dir)} if web_dir else {}),
        },
        tmp_path / "logs",
    )
    try:

        async def ready() -> bool:
            assert child.alive(), (tmp_path / "logs/gateway.log").read_text()
            try:
                async with httpx.AsyncClient() as client:
                    response = await client.get(f"http://127.0.0.1:{port}/readiness")
                    return response.status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(ready, within=60, interval=0.2)
        yield f"http://127.0.0.1:{port}/graphql", child
    finally:
        child.stop(timeout=10)


@asynccontextmanager
async def gateway_for_echo(
    tmp_path: Path,
    tokens: TestTokens,
    *,
    production: bool = False,
    web_dir: Path | None = None,
    route_to: str | None = None,
    name: str = "echo",
) -> AsyncIterator[EchoGateway]:
    """``route_to``: where the supergraph says the subgraph is, instead of where it runs;
    ``name``: the subgraph's name in the supergraph (``alarms`` to be sent the reports)."""
    subgraph = create_app(jwks_document([tokens.key]))
    async with (
        serve(subgraph) as subgraph_url,
        hive_gateway(
            tmp_path,
            subgraphs={name: (schema.as_str(), f"{route_to or subgraph_url}/graphql")},
            jwks_url=f"{subgraph_url}/.well-known/jwks.json",
            production=production,
            web_dir=web_dir,
        ) as (url, child),
    ):
        yield EchoGateway(url, child, subgraph)


@pytest.fixture(scope="module")
async def edge(tmp_path_factory, tokens) -> AsyncIterator[str]:
    async with gateway_for_echo(tmp_path_factory.mktemp("edge"), tokens) as gateway:
        yield gateway.url


async def test_authorization_header_and_request_id_reach_the_subgraph(edge, http, tokens):
    token = tokens.token("user-1")
    response = await http.post(
        edge,
        json={"query": "{ authorization requestId }"},
        headers={"authorization": f"Bearer {token}", "x-request-id": "req-42"},
    )
    assert response.json()["data"] == {"authorization": f"Bearer {token}", "requestId": "req-42"}
    assert response.headers["x-request-id"] == "req-42"


async def test_websocket_connection_params_reach_the_subgraph(edge, tokens):
    ws_url = edge.replace("http://", "ws://")
    token = tokens.token("user-1")
    async with subscription(
        ws_url, "subscription { authorizationSeen(count: 2) }", token=token
    ) as socket:
        first = await asyncio.wait_for(next_payload(socket), 10)
    assert first["data"]["authorizationSeen"] == f"0:Bearer {token}"


async def test_forged_tokens_are_refused_at_the_edge_on_http_and_websocket(edge, http, tokens):
    forged = TestTokens().token("user-1")  # a key the gateway does not know
    response = await http.post(
        edge, json={"query": "{ requestId }"}, headers={"authorization": f"Bearer {forged}"}
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    ws_url = edge.replace("http://", "ws://")
    async with subscription(
        ws_url, "subscription { authorizationSeen(count: 2) }", token=forged
    ) as socket:
        answer = await asyncio.wait_for(next_payload(socket), 10)
    assert answer.get("data") is None
    assert answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_subscription_without_a_token_is_refused_at_the_edge(edge, http):
    """Every live feed is somebody's: without a token it is refused at once, on WebSocket
    and SSE, rather than left to hang on a subgraph's refusal."""
    ws_url = edge.replace("http://", "ws://")
    async with subscription(ws_url, "subscription { authorizationSeen(count: 2) }") as socket:
        answer = await asyncio.wait_for(next_payload(socket), 10)
    assert answer.get("data") is None
    assert answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    response = await http.post(
        edge,
        json={"query": "subscription { authorizationSeen(count: 2) }"},
        headers={"accept": "text/event-stream"},
    )
    assert '"UNAUTHENTICATED"' in response.text
    assert "0:None" not in response.text  # what the feed would have sent to nobody


async def test_subscriptions_are_offered_over_server_sent_events(edge, http, tokens):
    token = tokens.token("user-1")
    async with http.stream(
        "POST",
        edge,
        json={"query": "subscription { authorizationSeen(count: 2) }"},
        headers={"accept": "text/event-stream", "authorization": f"Bearer {token}"},
    ) as response:
        assert response.status_code == 200
        payloads = []
        async for line in response.aiter_lines():
            if line.startswith("data:") and line[5:].strip():
                payloads.append(json.loads(line[5:]))
                if len(payloads) == 2:
                    break
    assert [p["data"]["authorizationSeen"] for p in payloads] == [
        f"0:Bearer {token}",
        f"1:Bearer {token}",
    ]


@pytest.mark.parametrize(
    "document",
    [
        "{ nest { " + "child { " * 20 + "value" + " }" * 20 + " } }",
        "{ " + " ".join(f"a{i}: requestId" for i in range(200)) + " }",
        "{ requestId " + "__typename " * 3000 + "}",
    ],
    ids=["depth", "aliases", "tokens"],
)
async def test_query_bombs_are_rejected_quickly_at_the_gateway(edge, http, document):
    started = time.perf_counter()
    response = await http.post(edge, json={"query": document})
    elapsed = time.perf_counter() - started
    body = response.json()
    assert body.get("errors"), body
    assert not body.get("data")
    assert elapsed < 2.0


async def test_an_execution_error_answers_data_null_with_the_error(edge, http):
    response = await http.post(edge, json={"query": "{ refused }"})
    body = response.json()
    assert "data" in body, body
    assert body["data"] is None
    assert body["errors"][0]["message"] == "not for you"


async def test_login_is_rate_limited_per_client(edge, http):
    client = GraphQLClient(http, edge)
    outcomes = [await client.raw('mutation { login(username: "someone") }') for _ in range(7)]
    limited = [o for o in outcomes if o.get("errors")]
    assert len(limited) >= 2
    assert all(o["data"]["login"] == "session-for-someone" for o in outcomes[:5])
    # However the document spells it (an alias, inside a fragment), it is the same field.
    spelled = 'mutation { ...L } fragment L on Mutation { again: login(username: "someone") }'
    refused = await client.raw(spelled)
    assert "Too many login attempts" in refused["errors"][0]["message"], refused
    # A code of its own, so a client can say "wait a minute" rather than "wrong password".
    assert refused["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert refused["errors"][0]["extensions"]["retryAfterSeconds"] >= 1
    # Other operations from the same client are not limited.
    assert (await client.raw("{ requestId }")).get("data") is not None


async def test_production_mode_refuses_introspection(tmp_path, http, tokens):
    async with gateway_for_echo(tmp_path, tokens, production=True) as gateway:
        url = gateway.url
        response = await http.post(url, json={"query": "{ __schema { types { name } } }"})
        allowed = await http.post(url, json={"query": "{ requestId }"})
    assert response.json().get("errors")
    assert not response.json().get("data")
    # The gateway generates a request id when the client sends none, and forwards it.
    assert allowed.json()["data"]["requestId"]


async def test_a_stopping_gateway_answers_the_requests_it_has_first(tmp_path, http, tokens):
    async with gateway_for_echo(tmp_path, tokens) as gateway:
        answer = asyncio.create_task(
            http.post(gateway.url, json={"query": "{ slow(seconds: 1.5) }"})
        )
        await asyncio.wait_for(gateway.subgraph.state.slow_started.wait(), 10)
        stopped_at = time.monotonic()
        gateway.child.process.send_signal(signal.SIGTERM)  # as a rolling update stops it
        response = await asyncio.wait_for(answer, 15)
        exit_code = await asyncio.to_thread(gateway.child.process.wait, 15)
    assert response.status_code == 200
    assert response.json() == {"data": {"slow": "done"}}
    assert exit_code == 0
    assert time.monotonic() - stopped_at < 10  # it did not wait out the whole drain window


async def test_a_failing_subgraph_leaves_no_variables_in_the_gateways_log(tmp_path, http, tokens):
    """A transport error carries the subgraph request (a login's password, a sign's note) and
    the gateway logs the error it masks; the log must keep the error, not the request."""
    secret = f"{BROKEN_SUBGRAPH}-kaffe-och-bulle-2026"
    async with gateway_for_echo(tmp_path, tokens, production=True) as gateway:
        login = "mutation($u: String!) { login(username: $u) }"
        answer = await http.post(gateway.url, json={"query": login, "variables": {"u": secret}})
    log = (tmp_path / "logs/gateway.log").read_text()
    assert answer.json()["errors"], answer.text
    assert secret not in answer.text
    assert "kaffe-och-bulle" not in log, log[-2000:]
    assert "SERVICE_UNAVAILABLE" in answer.text or "502" in log  # the failure itself was seen


async def test_a_subgraph_that_cannot_be_reached_is_service_unavailable_with_503(
    tmp_path, http, tokens
):
    """Not the masked INTERNAL_SERVER_ERROR with HTTP 200: a phone keeps such a signing
    queued and tries again, where it shows a real bug as one."""
    nobody_there = f"http://127.0.0.1:{find_free_port()}"
    async with gateway_for_echo(tmp_path, tokens, route_to=nobody_there) as gateway:
        answer = await http.post(gateway.url, json={"query": "{ requestId }"})
    body = answer.json()
    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"] == "5"
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "SERVICE_UNAVAILABLE", "service": "echo"}
    assert "http" not in body["errors"][0]["extensions"]


async def test_a_subgraph_answering_like_a_broken_proxy_is_service_unavailable(
    tmp_path, http, tokens
):
    login = "mutation($u: String!) { login(username: $u) }"
    async with gateway_for_echo(tmp_path, tokens) as gateway:
        answer = await http.post(
            gateway.url, json={"query": login, "variables": {"u": BROKEN_SUBGRAPH}}
        )
    assert answer.status_code == 503, answer.text
    assert answer.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"


async def test_a_production_gateway_without_its_token_settings_refuses_to_start(tmp_path):
    """The development defaults (a key set on 127.0.0.1) would refuse every signed-in
    request in a container, with nothing saying why: production must be told."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SIGNA_JWKS_URL", "SIGNA_JWT_ISSUER", "SIGNA_JWT_AUDIENCE"}
    }
    started = await asyncio.to_thread(
        subprocess.run,
        gateway_argv(),
        env={
            **env,
            "SIGNA_PRODUCTION": "1",
            "SIGNA_SUPERGRAPH": str(GATEWAY_DIR / "supergraph.graphql"),
            "SIGNA_GATEWAY_PORT": str(find_free_port()),
        },
        capture_output=True,
        timeout=60,
    )
    assert started.returncode != 0
    assert b"SIGNA_JWKS_URL must be set" in started.stdout + started.stderr
