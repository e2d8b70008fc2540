"""The phone app as care staff use it, in Chromium as a Pixel 7, against the whole stack.

Each test has a unit of its own (tests/web/ward.py), with windows around the current time,
and checks what the person sees and what the server then holds (signatureHistory and the
like over GraphQL). Words are the app's Swedish ones (web/shared/src/texts.ts).
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from playwright.async_api import BrowserContext, Page, Request, expect

from tests.e2e.routine import Person, create_unit, local_hhmm, mail_to
from tests.e2e.stack import Stack
from tests.support.graphql import GraphQLError
from tests.support.waiting import eventually
from tests.web.browser import (
    DAY_HEADING,
    SyncRequests,
    no_axe_violations,
    open_sheet,
    open_signed_in,
    queued,
    row,
    screenshot,
    service_worker_in_control,
    sign_in,
    stored_session,
)
from tests.web.ward import Ward, around_now, fresh_ward, name_of, sign_as, unique

pytestmark = pytest.mark.e2e

WAITING = "Väntar på att skickas"
SIGNED_ON_TIME = "Signerad: Utförd, i tid"

REFRESH = """mutation($r: String!) { refreshSession(refreshToken: $r) { accessToken } }"""
LOGOUT = """mutation($r: String!) { logout(refreshToken: $r) }"""


def activation_token_of(link: str) -> str:
    return link.split("#token=", 1)[1]


def window_of(start: datetime, end: datetime) -> str:
    return f"{local_hhmm(start)}–{local_hhmm(end)}"


async def sign(page: Page, title: str) -> None:
    """Sign the row Utförd."""
    sheet = await open_sheet(page, title)
    await sheet.get_by_role("button", name="Utförd", exact=True).tap()
    await expect(sheet).to_be_hidden()


async def go_offline(phone: BrowserContext, page: Page) -> None:
    await phone.set_offline(True)
    await expect(page.get_by_text("Ingen nätverksanslutning.")).to_be_visible()


async def all_due(page: Page) -> bool:
    """Every queued item's next try is due, so whatever sends next sends them all together."""
    items = await queued(page)
    now = await page.evaluate("() => Date.now()")
    return bool(items) and all(item["nextAttemptAt"] <= now for item in items)


async def ward_with(stack: Stack, admin: Person, label: str, *titles: str) -> Ward:
    """A fresh unit whose one care recipient has the given interventions, open now."""
    ward = await fresh_ward(stack, admin, label)
    await ward.tenant("Britta Berg")
    for title in titles:
        await ward.intervention("Britta Berg", title)
    await ward.todays_occurrences(len(titles))
    return ward


async def test_a_new_person_activates_from_the_emailed_link_and_signs_out_and_in(
    stack, admin, page
):
    unit_id = await create_unit(admin, unique("Aktivering"))
    username = unique("nina.")
    email = f"{username}@kommun.example"
    await admin.client(
        "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
        {
            "i": {
                "name": "Nina Nilsson",
                "email": email,
                "username": username,
                "unitId": unit_id,
                "roles": ["CARE_STAFF"],
            }
        },
    )
    mail = await mail_to(stack, email, containing="#token=")
    link = next(word for word in mail.split() if "/activate#token=" in word)
    assert link.startswith(f"{stack.base_url}/activate#token=")
    activations: list[Request] = []

    def note_activation(request: Request) -> None:
        if "ActivateAccount" in (request.post_data or ""):
            activations.append(request)

    page.on("request", note_activation)

    await page.goto(link)
    await expect(page.get_by_role("heading", name="Välj lösenord")).to_be_visible()
    # The rules are on the screen before anything is typed.
    rules = page.get_by_role("list", name="Lösenordet ska")
    await expect(rules.get_by_role("listitem")).to_have_text(
        [
            "ha minst 12 tecken (högst 256)",
            "inte innehålla ditt användarnamn",
            'inte vara ett vanligt lösenord, som "password123"',
        ]
    )
    await no_axe_violations(page, "the activation screen")
    await screenshot(page, "activation")

    # Too short: refused on the phone, in Swedish, and nothing is sent.
    await page.get_by_label("Nytt lösenord").fill("Kort-2026")
    await page.get_by_label("Upprepa lösenordet").fill("Kort-2026")
    await page.get_by_role("button", name="Spara lösenord och logga in").tap()
    await expect(page.get_by_text("Lösenordet behöver minst 12 tecken.")).to_be_visible()
    await no_axe_violations(page, "the activation screen with its error")
    assert activations == []

    password = "Morgonkaffe-på-altanen-7"
    await page.get_by_label("Nytt lösenord").fill(password)
    await page.get_by_label("Upprepa lösenordet").fill(password)
    await page.get_by_role("button", name="Spara lösenord och logga in").tap()
    await expect(page.get_by_role("heading", level=1, name=DAY_HEADING)).to_be_visible()
    await expect(page.get_by_text("Nina Nilsson")).to_be_visible()
    assert len(activations) == 1
    assert "token" not in page.url  # the used link is gone from the address bar
    token = activation_token_of(link)
    with pytest.raises(GraphQLError) as reused:  # the link was single use
        await admin.client.as_user(None)(
            "mutation($t: String!, $p: String!) { activateAccount(token: $t, password: $p) "
            "{ userId } }",
            {"t": token, "p": password},
        )
    assert reused.value.code == "BAD_USER_INPUT"

    # Log out: the session ends at identity too.
    kept = await stored_session(page)
    assert kept is not None
    async with page.expect_response(lambda r: "LogOut" in (r.request.post_data or "")):
        await page.get_by_role("button", name="Logga ut").tap()
    await expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
    await expect(page.get_by_text("Du är utloggad.")).to_be_visible()
    assert await stored_session(page) is None
    with pytest.raises(GraphQLError) as ended:
        await admin.client.as_user(None)(REFRESH, {"r": kept["refreshToken"]})
    assert ended.value.code == "UNAUTHENTICATED"
    await no_axe_violations(page, "the sign-in screen")
    await screenshot(page, "signin")

    # And in again with the password chosen.
    await sign_in(page, username, password=password)
    await expect(page.get_by_text("Nina Nilsson")).to_be_visible()


async def test_todays_list_is_grouped_per_care_recipient_in_window_order(stack, admin, page):
    ward = await fresh_ward(stack, admin, "Gruppering")
    await ward.tenant("Britta Berg")
    await ward.tenant("Karl Ek")
    start, _ = around_now(opened_minutes_ago=0)
    plan = [  # created in no particular order; minutes from now to the window's start
        ("Britta Berg", "Dusch", -10),
        ("Karl Ek", "Kvällsmedicin", -5),
        ("Britta Berg", "Lunch", 30),
        ("Karl Ek", "Morgonmedicin", -45),
        ("Britta Berg", "Promenad", -30),
        ("Karl Ek", "Frukost", -20),
    ]
    for tenant, title, minutes in plan:
        opens = start + timedelta(minutes=minutes)
        await ward.intervention(tenant, title, (opens, opens + timedelta(minutes=90)))
    server = await ward.todays_occurrences(len(plan))

    await open_signed_in(page, ward.staff)
    await expect(page.locator(".row")).to_have_count(len(plan))

    # The server's list, grouped as the routine wants it: a recipient per heading (the one
    # with the earliest window first), the rows under it by window.
    expected: dict[str, list[dict[str, Any]]] = {}
    for occurrence in sorted(server, key=lambda o: o["windowStart"]):
        expected.setdefault(occurrence["tenant"]["name"], []).append(occurrence)
    assert list(expected) == ["Karl Ek", "Britta Berg"]
    await expect(page.get_by_role("heading", level=2)).to_have_text(list(expected))
    for tenant, occurrences in expected.items():
        group = page.get_by_role("region", name=tenant)
        await expect(group.locator(".row-title")).to_have_text(
            [o["intervention"]["title"] for o in occurrences]
        )
        await expect(group.locator(".row-window")).to_have_text(
            [
                "Tid "
                + window_of(
                    datetime.fromisoformat(o["windowStart"]), datetime.fromisoformat(o["windowEnd"])
                )
                for o in occurrences
            ]
        )
    await expect(row(page, "Lunch")).to_contain_text("Kommande")
    await expect(row(page, "Morgonmedicin")).to_contain_text("Pågår")
    await no_axe_violations(page, "the day list")
    await screenshot(page, "daylist")


async def test_signing_utford_in_the_window_shows_signed_in_time_and_is_one_signature(
    stack, admin, page
):
    ward = await ward_with(stack, admin, "Utford", "Morgonhjälp")
    sync = SyncRequests().watch(page)
    await open_signed_in(page, ward.staff)
    await expect(row(page, "Morgonhjälp")).to_contain_text("Pågår")

    sheet = await open_sheet(page, "Morgonhjälp")
    await expect(sheet.get_by_role("group", name="Vad blev det?")).to_be_visible()
    await no_axe_violations(page, "the signing sheet")
    await screenshot(page, "signsheet")
    await sheet.get_by_role("button", name="Utförd", exact=True).tap()

    staff_name = await name_of(ward.staff)
    await expect(row(page, "Morgonhjälp")).to_contain_text(SIGNED_ON_TIME)
    await expect(row(page, "Morgonhjälp")).to_contain_text(f"{staff_name} kl ")
    history = await ward.history(ward.occurrence_ids["Morgonhjälp"])
    assert [(s["status"], s["timing"], s["signedBy"]["id"], s["annulled"]) for s in history] == [
        ("DONE", "ON_TIME", ward.staff.user_id, False)
    ]
    await expect(row(page, "Morgonhjälp")).to_contain_text(
        f"{staff_name} kl {local_hhmm(datetime.fromisoformat(history[0]['signedAt']))}"
    )
    assert len(sync.answered) == 1
    assert [i["state"] for i in await queued(page)] == ["accepted"]


async def test_ej_hemma_needs_a_note_reminds_to_document_and_records_documented(stack, admin, page):
    ward = await ward_with(stack, admin, "EjHemma", "Tillsyn")
    await open_signed_in(page, ward.staff)

    sheet = await open_sheet(page, "Tillsyn")
    await sheet.get_by_role("button", name="Ej hemma", exact=True).tap()
    note = sheet.get_by_label("Anteckning (krävs)")
    await expect(note).to_be_visible()
    # No note: asked for one, nothing sent.
    await sheet.get_by_role("button", name="Signera Ej hemma").tap()
    await expect(sheet.get_by_text("Skriv en anteckning")).to_be_visible()
    await no_axe_violations(page, "the deviation note form")
    await note.fill("Hos dottern över helgen.")
    await screenshot(page, "note")
    await sheet.get_by_role("button", name="Signera Ej hemma").tap()

    tillsyn = row(page, "Tillsyn")
    await expect(tillsyn).to_contain_text("Signerad: Ej hemma")
    await expect(tillsyn).to_contain_text("Kom ihåg: dokumentera avvikelsen i verksamhetssystemet.")
    occurrence_id = ward.occurrence_ids["Tillsyn"]
    [signature] = await ward.history(occurrence_id)
    assert (signature["status"], signature["note"], signature["documentedAt"]) == (
        "NOT_HOME",
        "Hos dottern över helgen.",
        None,
    )

    await tillsyn.get_by_role("button", name="Dokumenterat").tap()
    await expect(tillsyn).to_contain_text("Dokumenterad i verksamhetssystemet.")
    await expect(tillsyn).not_to_contain_text("Kom ihåg")
    [signature] = await ward.history(occurrence_id)
    assert signature["documentedAt"] is not None
    assert signature["status"] == "NOT_HOME"


async def test_a_note_over_4000_characters_is_refused_on_the_phone_and_the_draft_kept(
    stack, admin, page
):
    ward = await ward_with(stack, admin, "Lang", "Kvällsrutin")
    sync = SyncRequests().watch(page)
    await open_signed_in(page, ward.staff)

    sheet = await open_sheet(page, "Kvällsrutin")
    await sheet.get_by_role("button", name="Ej utförd", exact=True).tap()
    long_note = ("Hyresgästen ville vila. " * 200)[:4000] + "!"  # 4001, nothing to trim
    note = sheet.get_by_label("Anteckning (krävs)")
    await note.fill(long_note)
    await expect(sheet.get_by_text("4001 / 4000")).to_be_visible()
    await sheet.get_by_role("button", name="Signera Ej utförd").tap()
    too_long = "Anteckningen är för lång, högst 4000 tecken. Korta den; texten finns kvar."
    await expect(sheet.get_by_text(too_long)).to_be_visible()
    await expect(note).to_have_value(long_note)
    await expect(note).to_have_attribute("aria-invalid", "true")
    assert sync.answered == []
    assert sync.failed == []
    assert await queued(page) == []
    assert await ward.history(ward.occurrence_ids["Kvällsrutin"]) == []

    # Shortened to the limit, it goes.
    await note.fill(long_note[:4000])
    await sheet.get_by_role("button", name="Signera Ej utförd").tap()
    await expect(row(page, "Kvällsrutin")).to_contain_text("Signerad: Ej utförd")
    [signature] = await ward.history(ward.occurrence_ids["Kvällsrutin"])
    assert signature["note"] == long_note[:4000].strip()


async def test_annulling_a_signature_with_a_reason_opens_the_row_again(stack, admin, page):
    ward = await ward_with(stack, admin, "Angra", "Frukost")
    await open_signed_in(page, ward.staff)
    await sign(page, "Frukost")
    frukost = row(page, "Frukost")
    await expect(frukost).to_contain_text(SIGNED_ON_TIME)

    await frukost.get_by_role("button", name="Ångra signering").tap()
    reason = frukost.get_by_label("Varför ångras den? (krävs)")
    await expect(reason).to_be_visible()
    await reason.fill("Fel hyresgäst.")
    await frukost.get_by_role("button", name="Ångra signeringen").tap()

    await expect(frukost).to_contain_text("Pågår")
    await expect(page.get_by_role("button", name=re.compile(r"^Signera Frukost, "))).to_be_visible()
    [signature] = await ward.history(ward.occurrence_ids["Frukost"])
    assert (signature["annulled"], signature["annulReason"]) == (True, "Fel hyresgäst.")
    # Still open once the list has caught up with the annulment (it is read again meanwhile).
    await asyncio.sleep(3.5)
    await expect(frukost).to_contain_text("Pågår")
    await expect(frukost).not_to_contain_text("Signerad")


async def test_signings_made_offline_survive_a_reload_from_the_service_worker(
    stack, admin, phone, page
):
    ward = await ward_with(stack, admin, "Offline", "Morgonhjälp", "Medicin")
    await open_signed_in(page, ward.staff)
    await service_worker_in_control(page)

    await go_offline(phone, page)
    await sign(page, "Morgonhjälp")
    await sign(page, "Medicin")
    for title in ("Morgonhjälp", "Medicin"):
        await expect(row(page, title)).to_contain_text(WAITING)
    await expect(page.get_by_text("2 signeringar väntar på att skickas.")).to_be_visible()
    await no_axe_violations(page, "the day list offline with waiting signings")
    await screenshot(page, "offline-waiting")

    reopened = await page.reload()
    assert reopened is not None
    assert reopened.from_service_worker
    await expect(page.get_by_role("heading", level=1, name=DAY_HEADING)).to_be_visible()
    for title in ("Morgonhjälp", "Medicin"):
        await expect(row(page, title)).to_contain_text(WAITING)
    await expect(page.get_by_text("Visar listan från kl")).to_be_visible()  # its age shown
    items = await queued(page)
    assert sorted((i["targetId"], i["state"]) for i in items) == sorted(
        (ward.occurrence_ids[t], "pending") for t in ("Morgonhjälp", "Medicin")
    )
    for title in ("Morgonhjälp", "Medicin"):
        assert await ward.history(ward.occurrence_ids[title]) == []


async def test_back_online_the_waiting_signings_go_in_one_request_and_are_signed(
    stack, admin, phone, page
):
    ward = await ward_with(stack, admin, "Tillbaka", "Morgonhjälp", "Medicin")
    sync = SyncRequests().watch(page)
    await open_signed_in(page, ward.staff)
    await go_offline(phone, page)
    await sign(page, "Morgonhjälp")
    await sign(page, "Medicin")
    for title in ("Morgonhjälp", "Medicin"):
        await expect(row(page, title)).to_contain_text(WAITING)
    keys = {item["key"] for item in await queued(page)}
    assert len(keys) == 2
    await eventually(lambda: all_due(page), within=10, interval=0.25)
    assert sync.answered == []  # tried at the tap, never reached the server

    await phone.set_offline(False)
    for title in ("Morgonhjälp", "Medicin"):
        await expect(row(page, title)).to_contain_text(SIGNED_ON_TIME)
    assert [set(SyncRequests.keys(r)) for r in sync.answered] == [keys]
    for title in ("Morgonhjälp", "Medicin"):
        history = await ward.history(ward.occurrence_ids[title])
        assert [(s["status"], s["timing"]) for s in history] == [("DONE", "ON_TIME")]


async def test_an_offline_signing_someone_else_beat_shows_who_signed_first(
    stack, admin, phone, page
):
    ward = await ward_with(stack, admin, "Krock", "Dusch")
    await open_signed_in(page, ward.staff)
    await go_offline(phone, page)
    await sign(page, "Dusch")
    await expect(row(page, "Dusch")).to_contain_text(WAITING)

    # A colleague signs the same occurrence on another phone meanwhile.
    first = await sign_as(ward.sol_admin, ward.occurrence_ids["Dusch"])
    who, when = first["signedBy"]["name"], local_hhmm(datetime.fromisoformat(first["signedAt"]))

    await phone.set_offline(False)
    dusch = row(page, "Dusch")
    await expect(dusch).to_contain_text(
        f"Redan signerad av {who} kl {when}. Din signering sparades inte."
    )
    history = await ward.history(ward.occurrence_ids["Dusch"])
    assert [(s["id"], s["signedBy"]["id"]) for s in history] == [
        (first["id"], ward.sol_admin.user_id)
    ]
    # Seen: the row shows the colleague's signature.
    await dusch.get_by_role("button", name="Jag har sett det").tap()
    await expect(dusch).to_contain_text(SIGNED_ON_TIME)
    await expect(dusch).to_contain_text(f"{who} kl {when}")
    assert await ward.history(ward.occurrence_ids["Dusch"]) == history


async def test_an_ended_session_and_revoked_role_send_to_sign_in_and_keep_the_queue(
    stack, admin, gateway, phone, page
):
    ward = await ward_with(stack, admin, "Session", "Kvällsmedicin")
    person = ward.sol_admin  # care staff with the SoL-admin role, which is about to end
    sync = SyncRequests().watch(page)
    await open_signed_in(page, person)
    await go_offline(phone, page)
    await sign(page, "Kvällsmedicin")
    await expect(row(page, "Kvällsmedicin")).to_contain_text(WAITING)
    [item] = await queued(page)

    # Meanwhile the session ends at the server and the role the token carries is revoked.
    kept = await stored_session(page)
    assert kept is not None
    assert (await gateway(LOGOUT, {"r": kept["refreshToken"]}))["logout"] is True
    await ward.revoke_sol_admin(admin)

    await phone.set_offline(False)
    await expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
    expired = "Din inloggning har gått ut. Logga in igen; inget du signerat går förlorat."
    await expect(page.get_by_text(expired)).to_be_visible()
    assert [(i["key"], i["state"]) for i in await queued(page)] == [(item["key"], "pending")]
    assert await ward.history(ward.occurrence_ids["Kvällsmedicin"]) == []

    await sign_in(page, person.username)
    await expect(row(page, "Kvällsmedicin")).to_contain_text(SIGNED_ON_TIME)
    history = await ward.history(ward.occurrence_ids["Kvällsmedicin"])
    assert [(s["status"], s["signedBy"]["id"]) for s in history] == [("DONE", person.user_id)]
    assert {key for r in sync.answered for key in SyncRequests.keys(r)} == {item["key"]}


async def test_a_signing_waits_while_the_signing_service_is_away_and_goes_through_once(
    stack, admin, page
):
    ward = await ward_with(stack, admin, "Avbrott", "Lunch")
    sync = SyncRequests().watch(page)
    await open_signed_in(page, ward.staff)

    await stack.stop_service("signing")
    try:
        await sign(page, "Lunch")
        await expect(row(page, "Lunch")).to_contain_text(WAITING)

        async def tried_and_kept() -> bool:
            items = await queued(page)
            return len(items) == 1 and items[0]["attempts"] >= 1 and items[0]["state"] == "pending"

        await eventually(tried_and_kept, within=10, interval=0.2)
        answer = await sync.answered[0].response()
        assert answer is not None
        assert answer.status == 503
        assert "SERVICE_UNAVAILABLE" in await answer.text()
        await expect(row(page, "Lunch")).to_contain_text(WAITING)
    finally:
        await stack.start_service("signing")

    await expect(row(page, "Lunch")).to_contain_text(SIGNED_ON_TIME, timeout=30_000)
    history = await ward.history(ward.occurrence_ids["Lunch"])
    assert [(s["status"], s["signedBy"]["id"]) for s in history] == [("DONE", ward.staff.user_id)]
    # Every try carried the same idempotency key: one tap, one signature.
    assert len({key for r in sync.answered for key in SyncRequests.keys(r)}) == 1
    assert len(sync.answered) >= 2


async def test_vid_behov_is_signed_from_its_own_screen_and_larm_lists_the_units_alarms(
    stack, admin, page
):
    ward = await ward_with(stack, admin, "Larm", "Tillsyn")
    prn_id = await ward.prn_intervention("Britta Berg", "Smärtlindring")
    colleague = await sign_as(ward.sol_admin, ward.occurrence_ids["Tillsyn"], "NOT_HOME")

    async def raised() -> list[dict[str, Any]] | None:
        alarms = await ward.open_alarms()
        return alarms or None

    [alarm] = await eventually(raised, within=15, interval=0.2)
    assert alarm["kind"] == "DEVIATING"

    await open_signed_in(page, ward.staff)
    await page.get_by_role("link", name="Vid behov").tap()
    await expect(page.get_by_role("heading", level=1, name="Vid behov")).to_be_visible()
    prn = page.get_by_role("region", name="Britta Berg")
    await expect(prn.get_by_text("Smärtlindring", exact=True)).to_be_visible()
    await no_axe_violations(page, "Vid behov")
    await screenshot(page, "prn")
    await page.get_by_role("button", name="Signera Smärtlindring, Britta Berg").tap()
    sheet = page.get_by_role("dialog", name="Signera: Smärtlindring")
    await sheet.get_by_role("button", name="Utförd", exact=True).tap()
    await expect(prn).to_contain_text("Senast: Utförd kl ")
    signatures = await ward.prn_history(prn_id)
    assert [(s["status"], s["signedBy"]["id"]) for s in signatures] == [
        ("DONE", ward.staff.user_id)
    ]

    await page.get_by_role("link", name=re.compile(r"^Larm")).tap()
    await expect(page.get_by_role("heading", level=1, name="Öppna larm")).to_be_visible()
    await expect(page.get_by_text("1 öppna larm")).to_be_visible()
    listed = page.locator(".row.alarm")
    await expect(listed).to_have_count(1)
    await expect(listed).to_contain_text("Avvikande: Tillsyn")
    await expect(listed).to_contain_text(f"Signerad Ej hemma av {colleague['signedBy']['name']}")
    await expect(page.get_by_role("link", name="Larm (1)")).to_be_visible()
    await no_axe_violations(page, "Larm")
    await screenshot(page, "alarms")


TOO_WIDE = """() => [...document.querySelectorAll('body *')]
  .filter((el) => el.offsetParent !== null
    && el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
  .map((el) =>
    `${el.tagName.toLowerCase()}.${el.className}: ${el.textContent.trim().slice(0, 30)}`)"""

SMALL_TARGETS = """() => [...document.querySelectorAll('button, a, summary, input, textarea')]
  .filter((el) => el.offsetParent !== null)
  .map((el) => ({ name: el.textContent.trim() || el.getAttribute('aria-label') || el.tagName,
                  rect: el.getBoundingClientRect() }))
  .filter(({ rect }) => rect.width < 44 || rect.height < 44)
  .map(({ name, rect }) => `${name}: ${Math.round(rect.width)}×${Math.round(rect.height)}`)"""


async def test_the_day_list_works_at_320_px_and_200_percent_text_and_by_keyboard(
    stack, admin, page
):
    ward = await fresh_ward(stack, admin, "Tillgänglighet")
    await ward.tenant("Margareta Lindqvist-Åkesson")
    await ward.intervention(
        "Margareta Lindqvist-Åkesson", "Kvällsmedicin och tillsyn", around_now()
    )
    [occurrence] = await ward.todays_occurrences(1)
    await page.set_viewport_size({"width": 320, "height": 640})
    await open_signed_in(page, ward.staff)
    await expect(page.locator(".row")).to_have_count(1)
    # Text at 200 %, as a person who has turned up the text size has it.
    await page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")

    too_wide = await page.evaluate(TOO_WIDE)
    assert too_wide == [], f"wider than the 320 px screen at 200 % text: {too_wide}"
    assert await page.evaluate(SMALL_TARGETS) == []
    await no_axe_violations(page, "day list at 320 px and 200 % text")

    # By keyboard alone: to the row's sign button, open the sheet, choose Utförd.
    button = page.get_by_role("button", name=re.compile(r"^Signera Kvällsmedicin"))
    for _ in range(20):
        await page.keyboard.press("Tab")
        if await button.evaluate("(el) => el === document.activeElement"):
            break
    else:
        raise AssertionError("the sign button cannot be reached with Tab")
    await page.keyboard.press("Enter")
    sheet = page.get_by_role("dialog", name="Signera: Kvällsmedicin och tillsyn")
    await expect(sheet).to_be_visible()
    assert await page.evaluate(SMALL_TARGETS) == []
    done = sheet.get_by_role("button", name="Utförd", exact=True)
    for _ in range(10):
        if await done.evaluate("(el) => el === document.activeElement"):
            break
        await page.keyboard.press("Tab")
    else:
        raise AssertionError("Utförd cannot be reached with Tab")
    await page.keyboard.press("Enter")
    await expect(row(page, "Kvällsmedicin och tillsyn")).to_contain_text(SIGNED_ON_TIME)
    history = await ward.history(occurrence["id"])
    assert [s["status"] for s in history] == ["DONE"]
