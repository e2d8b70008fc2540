"""What the tests do with the phone's page: sign in, look into its IndexedDB, watch its
GraphQL requests, run axe on a screen, and take screenshots when asked to."""

from __future__ import annotations

import asyncio
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import Locator, Page, Request, expect
from playwright.async_api import TimeoutError as PlaywrightTimeout

from tests.e2e.routine import PASSWORD, Person

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "web" / "node_modules" / "axe-core" / "axe.min.js"

DAY_HEADING = re.compile(r"^Insatser ")

# IndexedDB as the app keeps it (web/shared/src/database.ts). Opening without a version never
# creates the database: if the app has not made it yet the upgrade is aborted and the answer
# is empty, so the app's own upgrade still runs later.
_READ_STORE = """([store, key]) => new Promise((resolve, reject) => {
  const open = indexedDB.open('signa');
  open.onupgradeneeded = () => open.transaction.abort();
  open.onerror = () => resolve(key === null ? [] : null);
  open.onsuccess = () => {
    const db = open.result;
    const request = key === null
      ? db.transaction(store, 'readonly').objectStore(store).getAll()
      : db.transaction(store, 'readonly').objectStore(store).get(key);
    request.onsuccess = () => { db.close(); resolve(request.result ?? null); };
    request.onerror = () => { db.close(); reject(request.error); };
  };
})"""


async def queued(page: Page) -> list[dict[str, Any]]:
    """The phone's queue of signings (every user's), as stored."""
    items: list[dict[str, Any]] = await page.evaluate(_READ_STORE, ["signings", None])
    return items


async def stored_session(page: Page) -> dict[str, Any] | None:
    """The refresh token the phone keeps: {refreshToken, refreshExpiresAt, userId}."""
    session: dict[str, Any] | None = await page.evaluate(_READ_STORE, ["session", "current"])
    return session


async def day_list_loaded(page: Page) -> None:
    """The day list is on screen, read from the server: a test going offline as soon as the
    heading showed would cut off the list's own read."""
    await expect(page.get_by_role("heading", level=1, name=DAY_HEADING)).to_be_visible()
    await expect(page.get_by_text("Laddar …")).to_have_count(0)


def row(page: Page, title: str) -> Locator:
    """A row of the day list, by its intervention's title (the row's accessible name)."""
    return page.get_by_role("listitem", name=title, exact=True)


async def open_sheet(page: Page, title: str) -> Locator:
    """Tap the row's sign button; the signing sheet opens."""
    await page.get_by_role("button", name=re.compile(rf"^Signera {re.escape(title)}, ")).tap()
    sheet = page.get_by_role("dialog", name=f"Signera: {title}")
    await expect(sheet).to_be_visible()
    return sheet


async def sign_in(page: Page, username: str, *, password: str = PASSWORD) -> None:
    """Log in on the sign-in screen and wait for the day list."""
    await page.get_by_label("Användarnamn").fill(username)
    await page.get_by_label("Lösenord").fill(password)
    await page.get_by_role("button", name="Logga in").tap()
    await day_list_loaded(page)


_HAND_OVER = """mutation($r: String!) {
  refreshSession(refreshToken: $r) { accessToken refreshToken refreshExpiresAt userId }
}"""


async def open_signed_in(page: Page, person: Person) -> None:
    """Open the phone app on a phone that ``person`` signed in on earlier, as after a restart."""
    await hand_over_session(page, person, "/")
    await day_list_loaded(page)


async def hand_over_session(page: Page, person: Person, path: str) -> None:
    """Open ``path`` in a browser that ``person`` signed in on earlier: their session is put
    where the apps keep it (IndexedDB), and the page is opened again.

    Not the sign-in form (the sign-in tests use it): the gateway allows ten log-ins a minute
    per address, and every browser of the run comes from 127.0.0.1. The person's refresh token
    goes to the browser; the test keeps only the access token from here on (a second use of a
    refresh token would be taken for theft).
    """
    await page.goto(path)
    await expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
    answer = await person.client.as_user(None)(_HAND_OVER, {"r": person.refresh_token})
    session = answer["refreshSession"]
    person.client = person.client.as_user(session["accessToken"])
    person.refresh_token = "(in the browser)"
    await page.evaluate(
        """(session) => new Promise((resolve, reject) => {
          const open = indexedDB.open('signa');
          open.onsuccess = () => {
            const tx = open.result.transaction('session', 'readwrite');
            tx.objectStore('session').put(session, 'current');
            tx.oncomplete = () => { open.result.close(); resolve(); };
            tx.onerror = () => reject(tx.error);
          };
          open.onerror = () => reject(open.error);
        })""",
        {
            "refreshToken": session["refreshToken"],
            "refreshExpiresAt": session["refreshExpiresAt"],
            "userId": session["userId"],
        },
    )
    await page.reload()


async def service_worker_in_control(page: Page) -> None:
    """The app's service worker has precached the shell and controls the page: it claims the
    page that installed it, so the very page a person opened first can open offline next."""
    try:
        await asyncio.wait_for(
            page.evaluate("async () => { await navigator.serviceWorker.ready; }"), timeout=15
        )
    except TimeoutError:
        raise AssertionError("the app's service worker did not become active in 15 s") from None
    # Claiming follows activation at once; on a loaded machine (the whole suite on two cores)
    # it has been seen to take over 15 s.
    try:
        await page.wait_for_function(
            "() => navigator.serviceWorker.controller !== null", timeout=30_000
        )
    except PlaywrightTimeout:
        state = await page.evaluate(
            "async () => (await navigator.serviceWorker.getRegistration())?.active?.state"
        )
        raise AssertionError(
            f"the active service worker ({state}) did not control the page in 30 s"
        ) from None


async def no_axe_violations(page: Page, screen: str) -> None:
    """axe-core finds nothing on the screen as it is now (WCAG 2.1 AA and best practice)."""
    # Evaluated, not a script tag: the page's CSP allows no inline script, evaluate is not
    # subject to it.
    if not await page.evaluate("typeof axe !== 'undefined'"):
        await page.evaluate(AXE.read_text())
    violations = await page.evaluate(
        "async () => (await axe.run(document, { resultTypes: ['violations'] })).violations"
    )
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(f"    {node['target']}: {node['failureSummary']}" for node in v["nodes"])
        for v in violations
    )
    assert not violations, f"axe found {len(violations)} violation(s) on {screen}:\n{report}"


async def screenshot(page: Page, name: str, *, app: str = "phone") -> None:
    """<app>-<name>.png in SIGNA_SCREENSHOT_DIR, when that is set; nothing otherwise."""
    directory = os.environ.get("SIGNA_SCREENSHOT_DIR")
    if not directory:
        return
    await page.screenshot(path=str(Path(directory) / f"{app}-{name}.png"), full_page=True)


def _operation(request: Request) -> dict[str, Any] | None:
    if request.method != "POST" or not request.url.endswith("/graphql"):
        return None
    try:
        body = json.loads(request.post_data or "")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


@dataclass
class SyncRequests:
    """The phone's SyncSignatures calls that reached the server (an answer came back), and
    the ones that never left the phone (offline)."""

    answered: list[Request] = field(default_factory=list)
    failed: list[Request] = field(default_factory=list)

    def watch(self, page: Page) -> SyncRequests:
        page.context.on("requestfinished", lambda r: self._note(r, self.answered))
        page.context.on("requestfailed", lambda r: self._note(r, self.failed))
        return self

    @staticmethod
    def _note(request: Request, into: list[Request]) -> None:
        body = _operation(request)
        if body and body.get("operationName") == "SyncSignatures":
            into.append(request)

    @staticmethod
    def keys(request: Request) -> list[str]:
        """The idempotency keys the call carried, in order."""
        body = _operation(request) or {}
        return [item["idempotencyKey"] for item in body["variables"]["inputs"]]
