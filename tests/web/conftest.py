"""The phone app in a real browser against the whole stack: the built web/dist served by the
gateway, Debian's Chromium driven by Playwright's async API (the services run in this event
loop, so a blocking sync API would stop them), one browser per session and a fresh phone (a
Pixel 7, Swedish) per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    async_playwright,
    expect,
)

from tests.e2e.routine import Person, first_system_admin, new_person
from tests.e2e.stack import Stack, whole_stack
from tests.support.databases import TestDatabases
from tests.support.graphql import GraphQLClient
from tests.web.browser import AXE, REPO
from tests.web.ward import unique

WEB_DIST = REPO / "web" / "dist"
CHROMIUM = Path("/usr/bin/chromium")
# A phone on the test stack answers in well under a second; a screen that is still wrong after
# this long is wrong (a list that is read again on a minute's timer, for one).
expect.set_options(timeout=10_000)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def web_dist() -> Path:
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail(
            f"{WEB_DIST / 'index.html'} is missing: build the front ends first with `make web` "
            "(or `cd web && npm run build`)",
            pytrace=False,
        )
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: install the web workspace (`make web`)", pytrace=False)
    return WEB_DIST


@pytest.fixture(scope="session")
async def playwright() -> AsyncIterator[Playwright]:
    async with async_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium "
            "(apt-get install chromium); Playwright's own download is not used",
            pytrace=False,
        )
    return CHROMIUM


@pytest.fixture(scope="session")
async def browser(playwright: Playwright, chromium: Path) -> AsyncIterator[Browser]:
    launched = await playwright.chromium.launch(
        executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True
    )
    yield launched
    await launched.close()


@pytest.fixture(scope="session")
async def stack(
    databases: TestDatabases,
    tmp_path_factory: pytest.TempPathFactory,
    web_dist: Path,
    browser: Browser,
) -> AsyncIterator[Stack]:
    # `browser` first: a missing Chromium fails before the stack's seconds of start-up.
    async with whole_stack(
        databases=databases, work_dir=tmp_path_factory.mktemp("web"), web_dir=web_dist
    ) as running:
        yield running


@pytest.fixture(scope="session")
async def web_http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def gateway(stack: Stack, web_http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(web_http, stack.gateway_url)


@pytest.fixture(scope="session")
async def system_admin(stack: Stack, gateway: GraphQLClient) -> Person:
    return await first_system_admin(stack, gateway)


@pytest.fixture
async def admin(system_admin: Person) -> Person:
    """The installation's system administrator, with an access token fresh for this test
    (one lives five minutes; a slow run outlasts that)."""
    await system_admin.refresh()
    return system_admin


@pytest.fixture
async def office_admin(stack: Stack, admin: Person) -> Person:
    """A system administrator of their own for a test's browser: handing a session to a
    browser spends its refresh token, and the installation's first one serves every test."""
    return await new_person(
        stack, admin, unit_id=None, username=unique("systemforvaltare."), roles=["SYSTEM_ADMIN"]
    )


@pytest.fixture
async def phone(
    playwright: Playwright, browser: Browser, stack: Stack
) -> AsyncIterator[BrowserContext]:
    """A phone of its own for the test: nothing stored, no service worker yet."""
    device = {
        key: value
        for key, value in playwright.devices["Pixel 7"].items()
        if key != "default_browser_type"
    }
    context = await browser.new_context(
        **device, locale="sv-SE", base_url=stack.base_url, service_workers="allow"
    )
    context.set_default_timeout(15_000)
    yield context
    await context.close()


@pytest.fixture
async def page(phone: BrowserContext) -> AsyncIterator[Page]:
    """The phone's page; what the app logged to its console is printed if the test fails."""
    opened = await phone.new_page()
    log: list[str] = []
    opened.on("console", lambda m: log.append(f"console.{m.type}: {m.text}"))
    opened.on("pageerror", lambda e: log.append(f"page error: {e}"))
    yield opened
    for line in log:
        print(line)


@pytest.fixture
async def offices(browser: Browser, stack: Stack) -> AsyncIterator[Callable[[], Awaitable[Page]]]:
    """Office computers for the admin web, one per person of a test: a desktop window, Swedish,
    nothing stored. What their pages logged to the console is printed if the test fails."""
    contexts: list[BrowserContext] = []
    log: list[str] = []

    async def new_office() -> Page:
        context = await browser.new_context(
            viewport={"width": 1280, "height": 900},
            locale="sv-SE",
            base_url=stack.base_url,
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        opened = await context.new_page()
        n = len(contexts)
        opened.on("console", lambda m: log.append(f"office {n} console.{m.type}: {m.text}"))
        opened.on("pageerror", lambda e: log.append(f"office {n} page error: {e}"))
        return opened

    yield new_office
    for context in contexts:
        await context.close()
    for line in log:
        print(line)


@pytest.fixture
async def office(offices: Callable[[], Awaitable[Page]]) -> Page:
    """One office computer's page."""
    return await offices()
