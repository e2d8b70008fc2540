"""E-mail leaves through the outbox: an SMTP outage delays it, never loses it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from libs.clock import FakeClock
from libs.devstack.broker import find_free_port
from services.identity.mail import Mail, MailSender, queue_mail
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
