"""Refusing tokens issued before a user's role was revoked or the user was deactivated.

Each service keeps a ``token_revocations`` table (user id → not-before instant) filled from
identity's events by `record_revocation`, and every replica keeps an in-memory copy refreshed
each second, so a revoked role stops working within seconds rather than at token expiry.
Identity keys ``identity.events`` by user id, so the CloudEvent subject is the user and its
time the moment of revocation; the handler needs no identity types.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

from sqlalchemy import Column, MetaData, String, Table, select

from libs.auth.principal import Principal
from libs.clock import Clock
from libs.database import SessionFactory, UtcDateTime, dialect_name, insert_ignoring_conflicts
from libs.messaging.dispatcher import Handler
from libs.messaging.envelope import CloudEvent
from libs.messaging.unit_of_work import UnitOfWork
from libs.observability import get_logger

__all__ = ["RevocationCache", "define_revocations_table", "revocation_handler"]

log = get_logger(__name__)

# Tokens live ≤ 5 minutes, so older revocations cannot matter; a margin covers clock skew.
RELEVANT_FOR = timedelta(minutes=10)


def define_revocations_table(metadata: MetaData) -> Table:
    return Table(
        "token_revocations",
        metadata,
        Column("user_id", String(64), primary_key=True),
        Column("not_before", UtcDateTime(), primary_key=True),
    )


def revocation_handler(table: Table) -> Handler:
    """A consumer handler storing the revocation that an identity event announces."""

    async def record_revocation(event: CloudEvent, uow: UnitOfWork) -> None:
        await uow.session.execute(
            insert_ignoring_conflicts(table, dialect_name=dialect_name(uow.session)).values(
                user_id=event.subject, not_before=event.time
            )
        )

    return record_revocation


class RevocationCache:
    def __init__(
        self, *, sessions: SessionFactory, table: Table, clock: Clock, refresh_seconds: float = 1.0
    ) -> None:
        self._sessions = sessions
        self._table = table
        self._clock = clock
        self._refresh_seconds = refresh_seconds
        self._not_before: dict[str, datetime] = {}
        self._stopping = asyncio.Event()

    def is_revoked(self, principal: Principal) -> bool:
        not_before = self._not_before.get(principal.user_id)
        return not_before is not None and principal.issued_at <= not_before

    def note(self, user_id: str, not_before: datetime) -> None:
        """Take a revocation into effect at once in this process (identity does this)."""
        current = self._not_before.get(user_id)
        if current is None or not_before > current:
            self._not_before[user_id] = not_before

    async def refresh(self) -> None:
        since = self._clock.now() - RELEVANT_FOR
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(self._table.c.user_id, self._table.c.not_before).where(
                        self._table.c.not_before > since
                    )
                )
            ).all()
        latest: dict[str, datetime] = {}
        for user_id, not_before in rows:
            if user_id not in latest or not_before > latest[user_id]:
                latest[user_id] = not_before
        self._not_before = latest

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.refresh()
            except Exception:
                log.exception("refreshing token revocations failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._refresh_seconds)

    def stop(self) -> None:
        self._stopping.set()
