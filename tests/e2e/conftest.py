"""One whole stack for the end-to-end tests of a session (starting the gateway takes seconds)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.e2e.routine import Person, first_system_admin
from tests.e2e.stack import Stack, whole_stack
from tests.support.graphql import GraphQLClient

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
async def stack(databases, tmp_path_factory) -> AsyncIterator[Stack]:
    async with whole_stack(databases=databases, work_dir=tmp_path_factory.mktemp("e2e")) as running:
        yield running


@pytest.fixture(scope="session")
async def e2e_http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def gateway(stack: Stack, e2e_http: httpx.AsyncClient) -> GraphQLClient:
    """An anonymous client of the gateway; `as_user(token)` for a signed-in one."""
    return GraphQLClient(e2e_http, stack.gateway_url)


@pytest.fixture(scope="session")
async def admin(stack: Stack, gateway: GraphQLClient) -> Person:
    """The installation's first system administrator, activated from the bootstrap link."""
    return await first_system_admin(stack, gateway)
