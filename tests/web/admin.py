"""What the tests do with the admin web's page: open it signed in as someone, wait for a page."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.e2e.routine import Person
from tests.web.browser import hand_over_session


async def open_admin(page: Page, person: Person, path: str = "/admin/") -> None:
    """The admin web at ``path``, signed in as ``person``, with its menu on screen."""
    await hand_over_session(page, person, path)
    await page_ready(page)


async def page_ready(page: Page) -> None:
    """The frame and the page's own first read are done."""
    await expect(page.get_by_role("navigation", name="Huvudmeny")).to_be_visible()
    await expect(page.get_by_text("Laddar …")).to_have_count(0)


async def go_to(page: Page, menu_entry: str) -> None:
    """Choose a page in the menu, as a person would."""
    await (
        page.get_by_role("navigation", name="Huvudmeny")
        .get_by_role("link", name=menu_entry, exact=True)
        .click()
    )
    await page_ready(page)
