"""E-mail leaves through the outbox: an SMTP outage delays it, never loses it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from libs.clock import FakeClock
from libs.devstack.broker import find_free_port
from services.identity.mail import (
    Mail,
    MailSender,
    queue_mail,
    role_granted_mail,
    role_revoked_mail,
)
from services.identity.tables import MailRow


def sender(stack, *, port: int, clock: FakeClock) -> MailSender:
    return MailSender(
        sessions=stack.identity.deps.sessions,
        clock=clock,
        host="127.0.0.1",
        port=port,
        sender="Signa <no-reply@signa.test>",
        timeout=2,
    )


async def test_mail_queued_while_smtp_is_down_is_sent_when_it_is_back(stack):
    stack.identity.deps.mail.stop()  # the service's own sender stays out of the way
    clock = FakeClock(datetime.now(UTC))
    async with stack.identity.deps.sessions() as session, session.begin():
        await queue_mail(
            session,
            Mail(recipient="kim@example.se", subject="Test", body="Hej http://signa.test/x"),
            now=clock.now(),
        )
    # Nothing listens on this port: the attempt fails and is scheduled again, with back-off.
    assert await sender(stack, port=find_free_port(), clock=clock).send_pending() == 0
    async with stack.identity.deps.sessions() as session:
        row = await session.scalar(select(MailRow).where(MailRow.recipient == "kim@example.se"))
    assert row.sent_at is None
    assert row.attempts == 1
    assert row.last_error
    assert row.next_attempt_at > clock.now()

    working = sender(stack, port=stack.mail.port, clock=clock)
    assert await working.send_pending() == 0, "not before the back-off has passed"
    clock.advance(timedelta(seconds=6))
    assert await working.send_pending() == 1
    [mail] = await stack.mails_to("kim@example.se")
    assert mail["Subject"] == "Test"
    async with stack.identity.deps.sessions() as session:
        row = await session.scalar(select(MailRow).where(MailRow.recipient == "kim@example.se"))
    assert row.sent_at is not None
    assert row.body == "", "a sent body (it may hold an activation token) is not kept"


async def test_one_mail_that_cannot_go_out_holds_up_no_other_and_is_given_up_after_three_days(
    stack,
):
    stack.identity.deps.mail.stop()
    clock = FakeClock(datetime.now(UTC))
    async with stack.identity.deps.sessions() as session, session.begin():
        # An address that cannot become a header (a line break): not an SMTP error at all.
        for recipient in ("bad@example.se\nBcc: x@example.se", "lena@example.se"):
            await queue_mail(
                session, Mail(recipient=recipient, subject="Roll", body="Hej"), now=clock.now()
            )
    working = sender(stack, port=stack.mail.port, clock=clock)
    assert await working.send_pending() == 1
    [granted] = await stack.mails_to("lena@example.se")
    assert granted["Subject"] == "Roll"
    assert await working.send_pending() == 0, "the good one is not sent again"
    async with stack.identity.deps.sessions() as session:
        bad = await session.scalar(select(MailRow).where(MailRow.recipient.startswith("bad@")))
    assert (bad.sent_at, bad.attempts, bad.last_error) == (None, 1, "ValueError")

    # Tried again with back-off for as long as an activation link lives, then left.
    clock.advance(timedelta(days=3) - timedelta(minutes=1))
    assert await working.send_pending() == 0
    async with stack.identity.deps.sessions() as session:
        tried = await session.scalar(select(MailRow.attempts).where(MailRow.id == bad.id))
    assert tried == 2
    clock.advance(timedelta(minutes=2))
    assert await working.send_pending() == 0
    async with stack.identity.deps.sessions() as session:
        left = await session.scalar(select(MailRow.attempts).where(MailRow.id == bad.id))
    assert left == 2


def test_role_mails_name_the_role_in_the_routines_words():
    granted = role_granted_mail(
        recipient="kim@example.se",
        name="Kim",
        role="SOL_ADMIN",
        unit_name="Solgläntan",
        login_url="https://signa.test/",
        activation=None,
    )
    assert granted.subject == "Du har fått rollen SoL-administratör i Signa"
    assert "rollen SoL-administratör för enheten Solgläntan" in granted.body
    assert "https://signa.test/" in granted.body
    revoked = role_revoked_mail(
        recipient="kim@example.se", name="Kim", role="SOL_ADMIN", unit_name="Solgläntan"
    )
    assert revoked.subject == "Din roll SoL-administratör i Signa har avslutats"
