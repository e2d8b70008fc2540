"""Idle connections outlive the clients' own keep-alive, so a client never reuses a closing one.

Node's HTTP agent (the gateway's client to the subgraphs) drops an idle connection after 5 s,
and a load balancer in front of the gateway after about 60 s. A server that closes first
races them: a request written while the server's close is on its way fails ("socket hang
up", a 502), whichever phone's `sign` it was. So every server here keeps an idle connection
open longer than that (``SIGNA_HTTP_KEEP_ALIVE_SECONDS``), and these tests reuse one after
more than the 5 s that uvicorn and Node would otherwise keep it.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e

IDLE_SECONDS = 6.5  # past Node's and uvicorn's default of 5 s


async def _asks_twice(url: str) -> tuple[int, int, bool]:
    """GET ``url``, stay idle, GET it again: both statuses, and whether one connection served both.

    The client's pool reuses its idle connection if the server still has it open, and opens a
    new one (from another local port) if the server closed it meanwhile.
    """

    def local_port(response: httpx.Response) -> int:
        port: int = response.extensions["network_stream"].get_extra_info("client_addr")[1]
        return port

    # httpx too drops idle connections after 5 s unless told otherwise.
    limits = httpx.Limits(keepalive_expiry=60)
    async with httpx.AsyncClient(timeout=10, limits=limits) as client:
        first = await client.get(url)
        first_port = local_port(first)
        await asyncio.sleep(IDLE_SECONDS)
        second = await client.get(url)
        same = local_port(second) == first_port
    return first.status_code, second.status_code, same


async def test_an_idle_connection_is_kept_past_the_clients_own_timeout(stack: Stack) -> None:
    health = {
        "gateway": stack.gateway_url.replace("/graphql", "/healthcheck"),
        **{name: url.replace("/graphql", "/healthz") for name, url in stack.service_urls.items()},
    }
    answers = await asyncio.gather(*(_asks_twice(url) for url in health.values()))
    assert dict(zip(health, answers, strict=True)) == {name: (200, 200, True) for name in health}
