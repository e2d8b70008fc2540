"""Reminder e-mails: alarms announces what is due, identity decides whom and sends.

For each announcement on ``alarms.reminders`` one mail is queued per active holder of the
role concerned in the unit (the digest and the deviation reminders go to its unit managers,
the kvittering reminder to its SoL-administrators), each with a `NotificationRow` in the
notification log, all in the transaction that records the event in the inbox: a redelivered
announcement finds its id there and mails nobody again. The mail outbox retries a failed send.

The mails name no care recipient, no note and no person (not even the addressee): counts, the
unit's name and a link to the admin web. The log's ``reason`` is the mail's own sentence.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import select

from libs.auth.principal import Principal, Role
from libs.database import SessionFactory
from libs.messaging.dispatcher import Handler
from libs.messaging.envelope import CloudEvent, decode_data
from libs.messaging.unit_of_work import UnitOfWork
from libs.observability import get_logger
from services.alarms.events import (
    AssessmentReminderDue,
    EscalationDigestDue,
    IvoReminderDue,
    KvitteringReminderDue,
)
from services.identity import domain
from services.identity.mail import Mail, queue_mail
from services.identity.tables import (
    MailRow,
    NotificationRow,
    RoleAssignmentRow,
    UnitRow,
    UserRow,
)

__all__ = ["NotificationKind", "SentNotification", "notification_handlers", "notifications"]

log = get_logger(__name__)

MAX_PAGE = 100


class NotificationKind(StrEnum):
    ESCALATION_DIGEST = "ESCALATION_DIGEST"
    KVITTERING_REMINDER = "KVITTERING_REMINDER"
    ASSESSMENT_REMINDER = "ASSESSMENT_REMINDER"
    IVO_REMINDER = "IVO_REMINDER"


@dataclass(frozen=True, kw_only=True)
class _Notice:
    kind: NotificationKind
    role: Role
    subject: str
    reason: str
    path: str


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _digest(due: EscalationDigestDue, unit: str) -> _Notice:
    reason = (
        f"{_plural(due.escalated_count, 'larm', 'larm')} i enheten {unit} har inte kvitterats "
        f"i tid och har eskalerats till enhetschefen. Enheten har {due.open_count} öppna larm, "
        f"varav {due.overdue_count} försenade."
    )
    return _Notice(
        kind=NotificationKind.ESCALATION_DIGEST,
        role=Role.UNIT_MANAGER,
        subject=f"Eskalerade larm i enheten {unit}",
        reason=reason,
        path="/admin/larm?state=OPEN&overdue=1",
    )


def _kvittering(due: KvitteringReminderDue, unit: str) -> _Notice:
    reason = (
        f"{_plural(due.open_count, 'larm', 'larm')} i enheten {unit} väntar på kvittering; "
        f"det äldsta har väntat i {_plural(due.oldest_open_days, 'dag', 'dagar')}."
    )
    if due.overdue_count:
        reason += f" {due.overdue_count} av dem är försenade och har eskalerats till enhetschefen."
    return _Notice(
        kind=NotificationKind.KVITTERING_REMINDER,
        role=Role.SOL_ADMIN,
        subject=f"Påminnelse: kvittera larm i enheten {unit}",
        reason=reason,
        path="/admin/larm?state=OPEN",
    )


def _assessment(due: AssessmentReminderDue, unit: str) -> _Notice:
    reports = _plural(due.waiting_count, "avvikelserapport", "avvikelserapporter")
    reason = (
        f"{reports} i enheten {unit} väntar på Lex Sarah-bedömning; den äldsta har väntat i "
        f"{_plural(due.oldest_waiting_days, 'dag', 'dagar')}."
    )
    return _Notice(
        kind=NotificationKind.ASSESSMENT_REMINDER,
        role=Role.UNIT_MANAGER,
        subject=f"Avvikelser väntar på bedömning i enheten {unit}",
        reason=reason,
        path="/admin/avvikelser",
    )


def _ivo(due: IvoReminderDue, unit: str) -> _Notice:
    reason = (
        f"En avvikelse i enheten {unit} som bedömts som ett Lex Sarah-ärende ska rapporteras "
        f"till IVO senast {due.report_by:%Y-%m-%d}."
    )
    return _Notice(
        kind=NotificationKind.IVO_REMINDER,
        role=Role.UNIT_MANAGER,
        subject=f"Lex Sarah: rapportera till IVO senast {due.report_by:%Y-%m-%d}",
        reason=reason,
        path="/admin/avvikelser",
    )


def _body(notice: _Notice, link: str) -> str:
    return (
        f"Hej,\n\n{notice.reason}\n\nSe och hantera dem i Signa:\n\n{link}\n\n"
        "Det här är en automatisk påminnelse från Signa.\n"
    )


_Due = TypeVar(
    "_Due", EscalationDigestDue, KvitteringReminderDue, AssessmentReminderDue, IvoReminderDue
)


def _handler(cls: type[_Due], compose: Callable[[_Due, str], _Notice], *, base: str) -> Handler:
    async def handle(event: CloudEvent, uow: UnitOfWork) -> None:
        due = decode_data(cls, event.data)
        await _notify(
            uow,
            event_id=event.id,
            unit_id=due.unit_id,
            compose=functools.partial(compose, due),
            base=base,
        )

    return handle


def notification_handlers(*, public_url: str) -> dict[str, Handler]:
    """The consumer's handlers for the announcements, which need the admin web's address."""
    base = public_url.rstrip("/")
    return {
        EscalationDigestDue.TYPE: _handler(EscalationDigestDue, _digest, base=base),
        KvitteringReminderDue.TYPE: _handler(KvitteringReminderDue, _kvittering, base=base),
        AssessmentReminderDue.TYPE: _handler(AssessmentReminderDue, _assessment, base=base),
        IvoReminderDue.TYPE: _handler(IvoReminderDue, _ivo, base=base),
    }


async def _notify(
    uow: UnitOfWork,
    *,
    event_id: str,
    unit_id: str,
    compose: Callable[[str], _Notice],
    base: str,
) -> None:
    session = uow.session
    unit = await session.get(UnitRow, unit_id)
    if unit is None:
        log.warning("reminder for an unknown unit ignored", event_id=event_id, unit_id=unit_id)
        return
    notice = compose(unit.name)
    recipients = (
        await session.execute(
            select(UserRow.id, UserRow.email)
            .join(RoleAssignmentRow, RoleAssignmentRow.user_id == UserRow.id)
            .where(
                RoleAssignmentRow.unit_id == unit_id,
                RoleAssignmentRow.role == notice.role.value,
                RoleAssignmentRow.revoked_at.is_(None),
                UserRow.active.is_(True),
            )
            .distinct()
            .order_by(UserRow.id)
        )
    ).all()
    now = uow.clock.now()
    body = _body(notice, base + notice.path)
    for user_id, email in recipients:
        mail_id = await queue_mail(
            session, Mail(recipient=email, subject=notice.subject, body=body), now=now
        )
        session.add(
            NotificationRow(
                id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"signa:{event_id}/{user_id}")),
                unit_id=unit_id,
                recipient_id=user_id,
                kind=notice.kind.value,
                event_id=event_id,
                mail_id=mail_id,
                reason=notice.reason,
                queued_at=now,
            )
        )
    log.info(
        "reminder mails queued",
        event_id=event_id,
        unit_id=unit_id,
        kind=notice.kind.value,
        recipients=len(recipients),
    )


@dataclass(frozen=True)
class SentNotification:
    row: NotificationRow
    sent_at: datetime | None


async def notifications(
    *, sessions: SessionFactory, principal: Principal, unit_id: str, first: int
) -> list[SentNotification]:
    """The unit's notification log, newest first: for its managers and system administrators."""
    if not principal.is_system_admin:
        domain.require_manager_of(principal, unit_id)
    async with sessions() as session:
        if await session.get(UnitRow, unit_id) is None:
            raise domain.NotFound("no such unit")
        rows = await session.execute(
            select(NotificationRow, MailRow.sent_at)
            .outerjoin(MailRow, MailRow.id == NotificationRow.mail_id)
            .where(NotificationRow.unit_id == unit_id)
            .order_by(NotificationRow.queued_at.desc(), NotificationRow.id.desc())
            .limit(max(1, min(first, MAX_PAGE)))
        )
        return [SentNotification(row=row, sent_at=sent_at) for row, sent_at in rows]
