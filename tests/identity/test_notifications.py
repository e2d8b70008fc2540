"""Reminder e-mails: one per person concerned, counts and a link only, logged for managers."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from sqlalchemy import select

from services.alarms.events import (
    REMINDERS_TOPIC,
    EscalationDigestDue,
    IvoReminderDue,
    KvitteringReminderDue,
)
from services.identity.tables import UserRow
from tests.identity.conftest import error_code
from tests.support.broker import cloud_event
from tests.support.broker import publish as publish_on
from tests.support.waiting import eventually

NOTIFICATIONS = """
query($u: ID!) {
  notifications(unitId: $u) { id unitId kind recipient { id } queuedAt sentAt reason }
}"""

# Names of the demo unit's people: none may appear in a reminder.
DEMO_NAMES = ("Sara", "Eva", "Sam", "Anna", "Bo")


async def publish(stack, *events) -> list:
    sent = [cloud_event(event, time=datetime.now(UTC)) for event in events]
    await publish_on(stack.settings.common.kafka_bootstrap_servers, REMINDERS_TOPIC, sent)
    return sent


async def email_of(stack, username: str) -> str:
    async with stack.identity.deps.sessions() as session:
        return await session.scalar(select(UserRow.email).where(UserRow.username == username))


def reminders_to(stack, address: str) -> list:
    """The reminders among the mails to ``address`` (the demo data's role mails aside)."""
    return [
        m
        for m in stack.mail.messages()
        if m["To"] == address and "automatisk påminnelse" in body(m)
    ]


async def arrived(stack, address: str) -> list:
    async def probe():
        return reminders_to(stack, address) or None

    return await eventually(probe)


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


async def test_escalation_digest_mails_each_manager_once_with_counts_and_a_link(stack):
    manager, sol_admin = await email_of(stack, "chef"), await email_of(stack, "soladmin")
    digest = EscalationDigestDue(
        unit_id=stack.unit_id,
        local_date=date(2026, 3, 23),
        escalated_count=3,
        open_count=5,
        overdue_count=4,
    )
    [sent] = await publish(stack, digest)
    [mail] = await arrived(stack, manager)
    assert mail["Subject"] == "Eskalerade larm i enheten Solgläntan"
    text = body(mail)
    assert "3 larm i enheten Solgläntan har inte kvitterats i tid" in text
    assert "http://signa.test/admin/larm?state=OPEN&overdue=1" in text
    assert not [name for name in DEMO_NAMES if name in text]

    await publish_on(stack.settings.common.kafka_bootstrap_servers, REMINDERS_TOPIC, [sent])
    await asyncio.sleep(1.5)  # the redelivery is read (and dropped) well within this
    assert len(reminders_to(stack, manager)) == 1
    assert not reminders_to(stack, sol_admin)


async def test_kvittering_reminder_goes_to_the_units_sol_administrators(stack):
    manager, sol_admin = await email_of(stack, "chef"), await email_of(stack, "soladmin")
    await publish(
        stack,
        KvitteringReminderDue(
            unit_id=stack.unit_id,
            week="2026-W13",
            open_count=3,
            overdue_count=3,
            oldest_open_days=9,
        ),
    )
    [mail] = await arrived(stack, sol_admin)
    assert mail["Subject"] == "Påminnelse: kvittera larm i enheten Solgläntan"
    text = body(mail)
    assert "3 larm i enheten Solgläntan väntar på kvittering" in text
    assert "9 dagar" in text
    assert "http://signa.test/admin/larm?state=OPEN" in text
    assert not [name for name in DEMO_NAMES if name in text]
    await asyncio.sleep(1)
    assert not reminders_to(stack, manager)


async def test_the_notification_log_shows_managers_what_was_sent_to_whom_and_why(stack):
    manager_id = stack.demo["chef"].user_id
    await publish(
        stack,
        IvoReminderDue(unit_id=stack.unit_id, deviation_id="dev-1", report_by=date(2026, 3, 27)),
    )
    await stack.mails_to(await email_of(stack, "chef"))
    chef = await stack.as_user("chef")

    async def sent():
        [entry] = (await chef(NOTIFICATIONS, {"u": stack.unit_id}))["notifications"]
        return entry if entry["sentAt"] else None

    entry = await eventually(sent)
    assert entry["kind"] == "IVO_REMINDER"
    assert entry["unitId"] == stack.unit_id
    assert entry["recipient"] == {"id": manager_id}
    assert entry["reason"] == (
        "En avvikelse i enheten Solgläntan som bedömts som ett Lex Sarah-ärende ska rapporteras "
        "till IVO senast 2026-03-27."
    )
    assert entry["queuedAt"] <= entry["sentAt"]

    admin = await stack.as_user("admin")
    assert [
        e["id"] for e in (await admin(NOTIFICATIONS, {"u": stack.unit_id}))["notifications"]
    ] == [entry["id"]]
    for username in ("soladmin", "anna"):
        other = await stack.as_user(username)
        assert await error_code(other(NOTIFICATIONS, {"u": stack.unit_id})) == "FORBIDDEN"
    assert await error_code(chef(NOTIFICATIONS, {"u": "some-other-unit"})) == "NOT_FOUND"
    assert await error_code(admin(NOTIFICATIONS, {"u": "no-such-unit"})) == "NOT_FOUND"
