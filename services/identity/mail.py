"""E-mail: written to an outbox with the change that causes it, sent over SMTP after commit.

The outbox makes "the change happened" and "the e-mail will go out" one fact: bad input rolls
the transaction back and no e-mail exists to send, while a crash after commit leaves the row to
be sent at the next pass. The sender marks rows sent and blanks their body, because an
activation e-mail carries a usable token that should not sit at rest longer than needed.
Recipients' addresses never reach the logs: rows are identified by id.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

import aiosmtplib
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from libs.clock import Clock
from libs.database import SessionFactory, dialect_name
from libs.observability import get_logger
from services.identity.tables import MailRow

__all__ = [
    "Mail",
    "MailSender",
    "activation_mail",
    "queue_mail",
    "role_granted_mail",
    "role_revoked_mail",
]

log = get_logger(__name__)

# Kept trying for as long as an activation link lives (72 h): an SMTP outage over a weekend
# delays the mail, it does not lose it. After that it is given up, with an error in the log
# for an operator's alert (an expired link is of no use, and the role e-mails are old news).
KEEP_TRYING = timedelta(days=3)


@dataclass(frozen=True, kw_only=True)
class Mail:
    recipient: str
    subject: str
    body: str


def activation_mail(*, recipient: str, name: str, link: str, expires_at: datetime) -> Mail:
    return Mail(
        recipient=recipient,
        subject="Aktivera ditt konto i Signa",
        body=(
            f"Hej {name},\n\n"
            "Ett konto i Signa har skapats åt dig. Öppna länken nedan och välj ett lösenord "
            "(minst 12 tecken):\n\n"
            f"{link}\n\n"
            f"Länken kan användas en gång och gäller till {expires_at:%Y-%m-%d %H:%M} UTC.\n"
            "Om du inte väntade dig det här meddelandet kan du bortse från det.\n"
        ),
    )


# The routine's own words for the roles a person can be told about.
ROLE_WORDS = {
    "CARE_STAFF": "omvårdnadspersonal",
    "SOL_ADMIN": "SoL-administratör",
    "UNIT_MANAGER": "enhetschef",
    "SYSTEM_ADMIN": "systemförvaltare",
}


def role_granted_mail(
    *, recipient: str, name: str, role: str, unit_name: str, login_url: str, activation: str | None
) -> Mail:
    how = (
        f"Du har inte aktiverat ditt konto ännu. Välj ett lösenord via länken:\n\n{activation}\n"
        if activation
        else f"Logga in som vanligt:\n\n{login_url}\n"
    )
    words = ROLE_WORDS.get(role, role)
    return Mail(
        recipient=recipient,
        subject=f"Du har fått rollen {words} i Signa",
        body=f"Hej {name},\n\nDu har nu rollen {words} för enheten {unit_name}.\n\n{how}",
    )


def role_revoked_mail(*, recipient: str, name: str, role: str, unit_name: str) -> Mail:
    words = ROLE_WORDS.get(role, role)
    return Mail(
        recipient=recipient,
        subject=f"Din roll {words} i Signa har avslutats",
        body=(
            f"Hej {name},\n\nDin roll {words} för enheten {unit_name} har avslutats på "
            "beställning av enhetschefen. Övriga roller påverkas inte.\n"
        ),
    )


async def queue_mail(session: AsyncSession, mail: Mail, *, now: datetime) -> str:
    """Queue ``mail`` in the session's transaction; returns the mail's id."""
    mail_id = str(uuid.uuid4())
    session.add(
        MailRow(
            id=mail_id,
            recipient=mail.recipient,
            subject=mail.subject,
            body=mail.body,
            created_at=now,
            next_attempt_at=now,
            attempts=0,
        )
    )
    return mail_id


class MailSender:
    """Sends queued e-mail; several replicas may run one (rows are claimed with SKIP LOCKED)."""

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        clock: Clock,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        start_tls: bool = False,
        timeout: float = 10.0,
        poll_seconds: float = 2.0,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._host = host
        self._port = port
        self._sender = sender
        self._username = username
        self._password = password
        self._start_tls = start_tls
        self._timeout = timeout
        self._poll_seconds = poll_seconds
        self._wakeup = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wakeup.set()

    def stop(self) -> None:
        self._stopping = True
        self._wakeup.set()

    async def run(self) -> None:
        while not self._stopping:
            self._wakeup.clear()
            try:
                await self.send_pending()
            except Exception:
                log.exception("sending queued e-mail failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self._poll_seconds)

    async def send_pending(self, *, batch: int = 20) -> int:
        """Send what is due; returns how many went out."""
        sent = 0
        async with self._sessions() as session, session.begin():
            query = (
                select(MailRow)
                .where(
                    MailRow.sent_at.is_(None),
                    MailRow.created_at > self._clock.now() - KEEP_TRYING,
                    MailRow.next_attempt_at <= self._clock.now(),
                )
                .order_by(MailRow.created_at)
                .limit(batch)
            )
            if dialect_name(session) == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = list((await session.execute(query)).scalars())
            for row in rows:
                try:
                    await self._send(row)
                except Exception as error:
                    # Any failure is this mail's alone: the batch's other mails went out and
                    # are marked sent with it (a rollback would send them again every pass).
                    self._back_off(row, error)
                    continue
                await session.execute(
                    update(MailRow)
                    .where(MailRow.id == row.id)
                    .values(sent_at=self._clock.now(), body="", attempts=row.attempts + 1)
                )
                log.info("e-mail sent", mail_id=row.id)
                sent += 1
        return sent

    def _back_off(self, row: MailRow, error: Exception) -> None:
        row.attempts += 1
        # 5 s, 10 s, 20 s ... up to an hour between attempts.
        delay = timedelta(seconds=min(5 * 2 ** (row.attempts - 1), 3600))
        row.next_attempt_at = self._clock.now() + delay
        row.last_error = type(error).__name__
        if row.next_attempt_at >= row.created_at + KEEP_TRYING:
            log.error("e-mail given up", mail_id=row.id, attempts=row.attempts)
        else:
            log.warning("e-mail not sent", mail_id=row.id, attempts=row.attempts)

    async def _send(self, row: MailRow) -> None:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = row.recipient
        message["Subject"] = row.subject
        message["Message-ID"] = f"<{row.id}@signa>"
        message.set_content(row.body)
        await aiosmtplib.send(
            message,
            hostname=self._host,
            port=self._port,
            username=self._username,
            password=self._password,
            start_tls=self._start_tls,
            timeout=self._timeout,
        )
