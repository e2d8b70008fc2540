"""The admin web in a real browser against the whole stack: what a SoL-administrator, a unit
manager and a system administrator see and do, with axe on every page."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.e2e.routine import Person
from tests.e2e.stack import Stack
from tests.support.waiting import eventually
from tests.web.admin import go_to, open_admin, page_ready
from tests.web.browser import hand_over_session, no_axe_violations, screenshot
from tests.web.ward import fresh_ward, name_of, sign_as


async def test_overview_states_the_duty_and_shows_a_new_alarm_live(
    stack: Stack, admin: Person, office: Page
) -> None:
    ward = await fresh_ward(stack, admin, "Översikt")
    occurrences = await ward.planned_today("Astrid Lind", "Morgontillsyn", "Kvällstillsyn")
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


SCREENSHOTS = {
    "Larm": "alarms",
    "Hyresgäster och insatser": "tenants",
    "Användare": "users",
    "Utskick": "notifications",
    "Enheter": "units",
}


async def test_every_page_of_the_menu_opens_without_axe_violations(
    stack: Stack, admin: Person, office_admin: Person, office: Page
) -> None:
    ward = await fresh_ward(stack, admin, "Sidor")
    await ward.planned_today("Bertil Ek", "Promenad")
    await open_admin(office, ward.manager)
    for entry in (
        "Larm",
        "Avvikelser",
        "Hyresgäster och insatser",
        "Rapport",
        "Behörigheter",
        "Åtkomstlogg",
        "Utskick",
    ):
        await go_to(office, entry)
        await expect(office.get_by_role("heading", level=1)).to_be_visible()
        await no_axe_violations(office, entry)
        if entry in ("Larm", "Hyresgäster och insatser"):
            await screenshot(office, SCREENSHOTS[entry], app="admin")
    await office.get_by_role("button", name="Logga ut").click()
    await expect(office.get_by_role("heading", name="Logga in")).to_be_visible()
    await open_admin(office, office_admin)
    for entry in ("Behörigheter", "Åtkomstlogg", "Utskick", "Användare", "Enheter"):
        await go_to(office, entry)
        await no_axe_violations(office, entry)
        if entry in SCREENSHOTS:
            await screenshot(office, SCREENSHOTS[entry], app="admin")


def menu(page: Page):
    return page.get_by_role("navigation", name="Huvudmeny").get_by_role("link")


async def test_each_role_sees_only_its_pages_and_any_other_address_says_so(
    stack: Stack, admin: Person, office_admin: Person, offices
) -> None:
    ward = await fresh_ward(stack, admin, "Roller")
    sol, chef, sysadmin, staff = await offices(), await offices(), await offices(), await offices()
    await open_admin(sol, ward.sol_admin)
    await expect(menu(sol)).to_have_text(
        ["Översikt", "Larm", "Avvikelser", "Hyresgäster och insatser", "Rapport"]
    )
    await sol.goto("/admin/behorigheter")
    await expect(sol.get_by_text("hör inte till dina behörigheter")).to_be_visible()
    await no_axe_violations(sol, "a page the role may not see")
    await sol.goto("/admin/finns-inte")
    await expect(sol.get_by_text("Sidan finns inte")).to_be_visible()

    await open_admin(chef, ward.manager)
    await expect(menu(chef)).to_have_text(
        [
            "Översikt",
            "Larm",
            "Avvikelser",
            "Hyresgäster och insatser",
            "Rapport",
            "Behörigheter",
            "Åtkomstlogg",
            "Utskick",
        ]
    )
    await open_admin(sysadmin, office_admin)
    await expect(menu(sysadmin)).to_have_text(
        ["Behörigheter", "Åtkomstlogg", "Utskick", "Användare", "Enheter"]
    )
    await sysadmin.goto("/admin/")
    await expect(sysadmin.get_by_text("hör inte till dina behörigheter")).to_be_visible()

    await hand_over_session(staff, ward.staff, "/admin/")
    await expect(staff.get_by_text("Du signerar insatser i mobilen")).to_be_visible()
    await expect(staff.get_by_role("link", name="Till signeringen (mobilen)")).to_be_visible()
    await no_axe_violations(staff, "the admin web for care staff")


async def test_kvittering_shows_the_rules_first_and_who_acknowledged_first(
    stack: Stack, admin: Person, office: Page
) -> None:
    ward = await fresh_ward(stack, admin, "Kvittens")
    [occurrence] = await ward.planned_today("Karl Nord", "Dusch")
    await sign_as(ward.staff, occurrence["id"], "NOT_DONE")
    [alarm] = await eventually(lambda: _count(ward.open_alarms(), 1), within=20, interval=0.2)
    await open_admin(office, ward.sol_admin, f"/admin/larm/{alarm['id']}")
    await expect(office.get_by_role("heading", level=1)).to_have_text("Avvikande: Dusch")
    await expect(office.get_by_text("kräver att en avvikelse är skriven")).to_be_visible()

    # The routine's rules, said before anything is sent.
    await expect(office.get_by_label("Utförd men inte signerad", exact=False)).to_have_count(0)
    await office.get_by_label("Annat (kommentar krävs)").check()
    await expect(office.get_by_label("Kommentar (krävs)")).to_be_visible()
    await office.get_by_role("button", name="Kvittera larmet").click()
    await expect(office.get_by_text("utfallet Annat behöver en")).to_be_visible()
    await office.get_by_label("Avvikelse skriven", exact=True).check()
    await office.get_by_role("button", name="Kvittera larmet").click()
    await expect(office.get_by_role("alert")).to_contain_text("Skriv den först")
    await no_axe_violations(office, "an alarm with its kvittering form")
    await screenshot(office, "alarm", app="admin")
    assert [a["id"] for a in await ward.open_alarms()] == [alarm["id"]]  # nothing was sent

    # The manager acknowledges it first, from another computer.
    await ward.manager.client(
        """mutation($i: AcknowledgeAlarmInput!) { acknowledgeAlarm(input: $i) { id } }""",
        {"i": {"alarmId": alarm["id"], "outcome": "STAFF_REMINDED"}},
    )
    manager_name = await name_of(ward.manager)
    await office.get_by_label("Dokumentationen kontrollerad").check()
    await office.get_by_role("button", name="Kvittera larmet").click()
    # The staff did not confirm the documentation: the comment says how it was checked.
    await expect(
        office.get_by_text("Skriv i kommentaren hur du har kontrollerat den").first
    ).to_be_visible()
    await office.get_by_label("Kommentar (krävs)").fill("Kontrollerat i verksamhetssystemet.")
    await office.get_by_role("button", name="Kvittera larmet").click()
    taken = office.locator(".notice.warn", has_text="innan du hann")
    await expect(taken).to_contain_text(f"{manager_name} kvitterade larmet")
    await expect(taken).to_contain_text("Din kvittering sparades inte")
    await expect(taken).to_contain_text("Inte dokumenterad, personalen påmind")
    await expect(office.get_by_role("button", name="Kvittera larmet")).to_have_count(0)


_OVERFLOW = "() => document.scrollingElement.scrollWidth - document.documentElement.clientWidth"
_WIDE = """() => [...document.querySelectorAll('body *')]
  .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth)
  .map((e) => e.tagName + '.' + e.className + '#' + e.id).slice(0, 8)"""


async def test_on_a_tablet_the_menu_folds_and_no_page_is_wider_than_the_screen(
    stack: Stack, admin: Person, office: Page
) -> None:
    ward = await fresh_ward(stack, admin, "Platta")
    [occurrence] = await ward.planned_today("Dagny Ås", "Tillsyn")
    await sign_as(ward.staff, occurrence["id"], "DECLINED")
    await office.set_viewport_size({"width": 820, "height": 1180})
    await open_admin(office, ward.manager)
    tenant_id = ward.tenants["Dagny Ås"]
    for path in (
        "/admin/",
        "/admin/larm",
        "/admin/avvikelser",
        "/admin/hyresgaster",
        f"/admin/hyresgaster/{tenant_id}",
        "/admin/rapport",
        "/admin/behorigheter",
        "/admin/logg",
    ):
        await office.goto(path)
        await page_ready(office)
        wide = await office.evaluate(_WIDE)
        assert await office.evaluate(_OVERFLOW) <= 0, f"{path} is wider than a tablet: {wide}"
    menu_box = await office.get_by_role("navigation", name="Huvudmeny").bounding_box()
    main_box = await office.locator("main").bounding_box()
    assert menu_box is not None
    assert main_box is not None
    assert menu_box["y"] + menu_box["height"] <= main_box["y"] + 1, "the menu is not above"
    await screenshot(office, "tablet-overview", app="admin")


async def test_the_alarm_list_filters_by_signer_care_recipient_and_escalation(
    stack: Stack, admin: Person, office: Page
) -> None:
    ward = await fresh_ward(stack, admin, "Filter")
    await ward.planned_today("Einar Holm", "Frukost")
    await ward.planned_today("Frida Lund", "Lunch")
    await sign_as(ward.staff, ward.occurrence_ids["Frukost"], "NOT_HOME")
    await sign_as(ward.sol_admin, ward.occurrence_ids["Lunch"], "DECLINED")
    await eventually(lambda: _count(ward.open_alarms(), 2), within=20, interval=0.2)

    await open_admin(office, ward.manager, "/admin/larm")
    rows = office.locator("tr.alarm-row")
    await expect(rows).to_have_count(2)
    staff_name = await name_of(ward.staff)
    await office.get_by_label("Signerad av").select_option(label=staff_name)
    await expect(rows).to_have_count(1)
    await expect(rows).to_contain_text("Einar Holm")
    await office.reload()  # the filter is in the address
    await expect(rows).to_have_count(1)
    await office.get_by_label("Hyresgäst", exact=True).select_option(label="Frida Lund")
    await expect(office.get_by_text("Inga larm med de här filtren.")).to_be_visible()
    await office.get_by_role("button", name="Rensa filter").click()
    await expect(rows).to_have_count(2)
    await office.get_by_label("Bara eskalerade till enhetschef").check()
    await expect(office.get_by_text("Inga larm med de här filtren.")).to_be_visible()
    await no_axe_violations(office, "the filtered alarm list")


async def _count(alarms, n: int):
    found = await alarms
    return found if len(found) >= n else None
