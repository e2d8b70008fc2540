"""The admin web in a real browser against the whole stack: what a SoL-administrator, a unit
manager and a system administrator see and do, with axe on every page."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.e2e.routine import Person
from tests.e2e.stack import Stack
from tests.web.admin import go_to, open_admin
from tests.web.browser import no_axe_violations, screenshot
from tests.web.ward import fresh_ward, sign_as


async def test_overview_states_the_duty_and_shows_a_new_alarm_live(
    stack: Stack, admin: Person, office: Page
) -> None:
    ward = await fresh_ward(stack, admin, "Översikt")
    await ward.tenant("Astrid Lind")
    await ward.intervention("Astrid Lind", "Morgontillsyn")
    await ward.intervention("Astrid Lind", "Kvällstillsyn")
    occurrences = await ward.todays_occurrences(2)
    await sign_as(ward.staff, occurrences[0]["id"], "NOT_HOME")

    await open_admin(office, ward.sol_admin)
    await expect(office.get_by_test_id("duty")).to_have_text(
        "1 larm väntar på kvittering, det äldsta sedan idag."
    )
    await expect(office.get_by_test_id("live")).to_have_text(re.compile("Uppdateras direkt"))
    rows = office.locator("tr.alarm-row")
    await expect(rows).to_have_count(1)
    await office.evaluate("window.__notReloaded = true")

    await sign_as(ward.staff, occurrences[1]["id"], "DECLINED")
    await expect(rows).to_have_count(2)
    await expect(office.get_by_test_id("duty")).to_have_text(
        "2 larm väntar på kvittering, det äldsta sedan idag."
    )
    assert await office.evaluate("window.__notReloaded === true")
    await no_axe_violations(office, "the overview")
    await screenshot(office, "overview", app="admin")


async def test_every_page_of_the_menu_opens_without_axe_violations(
    stack: Stack, admin: Person, office: Page
) -> None:
    ward = await fresh_ward(stack, admin, "Sidor")
    await ward.tenant("Bertil Ek")
    await ward.intervention("Bertil Ek", "Promenad")
    await open_admin(office, ward.manager)
    for entry in (
        "Larm",
        "Avvikelser",
        "Hyresgäster och insatser",
        "Rapport",
        "Behörigheter",
        "Åtkomstlogg",
    ):
        await go_to(office, entry)
        await expect(office.get_by_role("heading", level=1)).to_be_visible()
        await no_axe_violations(office, entry)
    await office.get_by_role("button", name="Logga ut").click()
    await open_admin(office, admin)
    for entry in ("Behörigheter", "Åtkomstlogg", "Användare", "Enheter"):
        await go_to(office, entry)
        await no_axe_violations(office, entry)
