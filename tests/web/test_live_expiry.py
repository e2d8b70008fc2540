"""The overview's live feed outlives its token: on a stack whose access tokens last 45 s, the
feed the server ends with UNAUTHENTICATED is subscribed again with a fresh token, the page says
it is disconnected meanwhile, and an alarm raised afterwards still arrives with no reload."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, Request, expect

from tests.e2e.routine import Person, first_system_admin
from tests.e2e.stack import Stack, whole_stack
from tests.support.databases import TestDatabases
from tests.support.graphql import GraphQLClient
from tests.web.admin import open_admin
from tests.web.ward import fresh_ward, sign_as

TOKEN_SECONDS = 45

# This module's own stack, with short-lived access tokens; the fixtures that hang off the
# session's stack are made again here on top of it.


@pytest.fixture(scope="module")
async def stack(
    databases: TestDatabases,
    tmp_path_factory: pytest.TempPathFactory,
    web_dist: Path,
    browser: Browser,
) -> AsyncIterator[Stack]:
    async with whole_stack(
        databases=databases,
        work_dir=tmp_path_factory.mktemp("web-expiry"),
        web_dir=web_dist,
        access_token_seconds=TOKEN_SECONDS,
    ) as running:
        yield running


@pytest.fixture(scope="module")
async def gateway(stack: Stack) -> AsyncIterator[GraphQLClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield GraphQLClient(client, stack.gateway_url)


@pytest.fixture(scope="module")
async def system_admin(stack: Stack, gateway: GraphQLClient) -> Person:
    return await first_system_admin(stack, gateway)


_WATCH_LIVE = """() => {
  const live = document.querySelector('[data-testid=live]');
  window.__liveStates = [live.textContent];
  new MutationObserver(() => window.__liveStates.push(live.textContent))
    .observe(live, { childList: true, subtree: true, characterData: true });
}"""


async def test_the_feed_ended_by_an_expired_token_comes_back_with_a_fresh_one(
    stack: Stack, admin: Person, office: Page
) -> None:
    ward = await fresh_ward(stack, admin, "Utgång")
    [occurrence] = await ward.planned_today("Ingrid Berg", "Tillsyn")
    renewals: list[Request] = []
    office.on(
        "request",
        lambda r: renewals.append(r) if "RefreshSession" in (r.post_data or "") else None,
    )

    await open_admin(office, ward.sol_admin)
    live = office.get_by_test_id("live")
    await expect(live).to_have_text(re.compile("Uppdateras direkt"))
    await office.evaluate(_WATCH_LIVE)
    await office.evaluate("window.__notReloaded = true")
    renewed_before = len(renewals)

    # The connection's token expires; the server ends the feed and the page says so, then
    # connects again with a renewed token.
    await office.wait_for_function(
        "() => window.__liveStates.some((s) => s.includes('Ingen direktuppdatering'))",
        timeout=(TOKEN_SECONDS + 20) * 1000,
    )
    await expect(live).to_have_text(re.compile("Uppdateras direkt"))
    assert len(renewals) > renewed_before

    await ward.staff.refresh()
    await sign_as(ward.staff, occurrence["id"], "NOT_HOME")
    await expect(office.locator("tr.alarm-row", has_text="Avvikande")).to_have_count(1)
    assert await office.evaluate("window.__notReloaded === true")
