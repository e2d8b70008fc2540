"""The consolidated access log (HSLF-FS 2016:40 4 kap. 9 §) and its follow-up.

Every service emits ``RecordsAccessed`` on ``audit.access``; identity appends an entry per care
recipient named in it here (rows are never updated; only retention removes them). Unit
managers read their units' log, draw random samples for the systematic spot checks the
regulation asks for, record that a review was done, which entries it checked and what it
found, and read the earlier reviews back.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from libs.auth.principal import Principal, Role
from libs.clock import Clock
from libs.database import SessionFactory, dialect_name, insert_ignoring_conflicts
from libs.messaging.envelope import CloudEvent, decode_data
from libs.messaging.unit_of_work import UnitOfWork
from services.identity import domain
from services.identity.domain import InvalidInput, NotAllowed
from services.identity.events import RecordAccessed, RecordsAccessed
from services.identity.tables import AccessLogRow, LogReviewRow, LogReviewSampleRow, UnitRow

__all__ = [
    "MAX_PAGE",
    "MAX_SAMPLE",
    "AccessLogFilter",
    "RecordedReview",
    "log_entries",
    "log_reviews",
    "prune_access_log",
    "read_access_log",
    "record_access",
    "record_accesses",
    "record_log_review",
    "sample_access_log",
]

MAX_PAGE = 100
MAX_SAMPLE = 200  # entries one review may say it checked
ACCESS_LOG = cast(Table, AccessLogRow.__table__)


async def record_accesses(events: Sequence[CloudEvent], uow: UnitOfWork) -> None:
    """Consumer handler for a run of ``RecordsAccessed``: one entry per care recipient, all in
    one statement. Entry ids are the event id and the recipient's place in it, so redelivery
    adds nothing."""
    entries: list[dict[str, object]] = []
    for event in events:
        accessed = decode_data(RecordsAccessed, event.data)
        entries.extend(
            _entry(f"{event.id}:{n}", accessed, tenant_id=record.tenant_id, unit_id=record.unit_id)
            for n, record in enumerate(accessed.records)
        )
    await _append(uow, entries)


async def record_access(event: CloudEvent, uow: UnitOfWork) -> None:
    """Consumer handler for ``RecordAccessed`` (the first version: one recipient each)."""
    accessed = decode_data(RecordAccessed, event.data)
    await _append(
        uow, [_entry(event.id, accessed, tenant_id=accessed.tenant_id, unit_id=accessed.unit_id)]
    )


def _entry(
    entry_id: str, accessed: RecordAccessed | RecordsAccessed, *, tenant_id: str, unit_id: str
) -> dict[str, object]:
    return {
        "event_id": entry_id,
        "user_id": accessed.user_id,
        "tenant_id": tenant_id,
        "unit_id": unit_id,
        "action": accessed.action[:100],
        "service": accessed.service[:50],
        "accessed_at": accessed.accessed_at,
    }


async def _append(uow: UnitOfWork, entries: list[dict[str, object]]) -> None:
    if entries:
        statement = insert_ignoring_conflicts(ACCESS_LOG, dialect_name=dialect_name(uow.session))
        await uow.session.execute(statement, entries)


@dataclass(frozen=True, kw_only=True)
class AccessLogFilter:
    tenant_id: str | None = None
    user_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    first: int = MAX_PAGE


def _readable_units(principal: Principal) -> frozenset[str] | None:
    """The units whose log the caller may read; None means all (system administrator)."""
    if principal.is_system_admin:
        return None
    units = principal.units_with(Role.UNIT_MANAGER)
    if not units:
        raise NotAllowed("only unit managers and system administrators read the access log")
    return units


def _instant(value: datetime, field: str) -> None:
    # GraphQL's DateTime also takes "2026-05-01" or a time without an offset, which names no
    # instant; and a year at the calendar's edge overflows when converted to UTC.
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(
            f"'{field}' needs a UTC offset, e.g. 2026-05-01T00:00:00+02:00", field=field
        )
    if not 1900 <= value.year <= 2200:
        raise InvalidInput(f"'{field}' must lie between the years 1900 and 2200", field=field)


def _period(since: datetime, until: datetime) -> None:
    _instant(since, "from")
    _instant(until, "to")
    if until <= since:
        raise InvalidInput("'to' must be after 'from'", field="to")


async def read_access_log(
    *, sessions: SessionFactory, principal: Principal, query: AccessLogFilter
) -> list[AccessLogRow]:
    units = _readable_units(principal)
    for value, field in ((query.since, "from"), (query.until, "to")):
        if value is not None:
            _instant(value, field)
    statement = select(AccessLogRow)
    if units is not None:
        statement = statement.where(AccessLogRow.unit_id.in_(units))
    if query.tenant_id is not None:
        statement = statement.where(AccessLogRow.tenant_id == query.tenant_id)
    if query.user_id is not None:
        statement = statement.where(AccessLogRow.user_id == query.user_id)
    if query.since is not None:
        statement = statement.where(AccessLogRow.accessed_at >= query.since)
    if query.until is not None:
        statement = statement.where(AccessLogRow.accessed_at < query.until)
    limit = max(1, min(query.first, MAX_PAGE))
    statement = statement.order_by(AccessLogRow.accessed_at.desc(), AccessLogRow.event_id).limit(
        limit
    )
    async with sessions() as session:
        return list((await session.execute(statement)).scalars())


def _require_log_reader_of(principal: Principal, unit_id: str) -> None:
    if not principal.is_system_admin:
        domain.require_manager_of(principal, unit_id)


async def sample_access_log(
    *,
    sessions: SessionFactory,
    principal: Principal,
    unit_id: str,
    since: datetime,
    until: datetime,
    size: int,
) -> list[AccessLogRow]:
    _require_log_reader_of(principal, unit_id)
    _period(since, until)
    statement = (
        select(AccessLogRow)
        .where(
            AccessLogRow.unit_id == unit_id,
            AccessLogRow.accessed_at >= since,
            AccessLogRow.accessed_at < until,
        )
        .order_by(func.random())
        .limit(max(1, min(size, MAX_PAGE)))
    )
    async with sessions() as session:
        rows = list((await session.execute(statement)).scalars())
    return sorted(rows, key=lambda row: row.accessed_at)


@dataclass(frozen=True)
class RecordedReview:
    """A log review and the access-log entries it checked, in the order the reviewer gave."""

    row: LogReviewRow
    sample_entry_ids: tuple[str, ...] = ()


def _distinct_sample(entry_ids: Sequence[str] | None) -> tuple[str, ...]:
    distinct = tuple(dict.fromkeys(str(entry_id) for entry_id in entry_ids or ()))
    if len(distinct) > MAX_SAMPLE:
        raise InvalidInput(
            f"a review covers at most {MAX_SAMPLE} sample entries", field="sampleEntryIds"
        )
    return distinct


async def _require_sample_of(
    session: AsyncSession,
    *,
    unit_id: str,
    since: datetime,
    until: datetime,
    entry_ids: tuple[str, ...],
) -> None:
    """Each entry must be the unit's, from the period as `accessLogSample` reads it
    (``from`` inclusive, ``to`` exclusive). Another unit's entry is refused exactly like one
    that does not exist."""
    if not entry_ids:
        return
    found = set(
        (
            await session.execute(
                select(AccessLogRow.event_id).where(
                    AccessLogRow.event_id.in_(entry_ids),
                    AccessLogRow.unit_id == unit_id,
                    AccessLogRow.accessed_at >= since,
                    AccessLogRow.accessed_at < until,
                )
            )
        ).scalars()
    )
    strays = [entry_id for entry_id in entry_ids if entry_id not in found]
    if strays:
        raise InvalidInput(
            f"{len(strays)} of the sample entries are not this unit's access-log entries "
            f"within the period: {', '.join(strays[:3])}",
            field="sampleEntryIds",
        )


async def record_log_review(
    *,
    sessions: SessionFactory,
    clock: Clock,
    principal: Principal,
    unit_id: str,
    since: datetime,
    until: datetime,
    findings: str,
    sample_entry_ids: Sequence[str] | None = None,
) -> RecordedReview:
    _require_log_reader_of(principal, unit_id)
    _period(since, until)
    text = findings.strip()
    if not text or len(text) > 10_000:
        raise InvalidInput("describe the findings (1–10 000 characters)", field="findings")
    sample = _distinct_sample(sample_entry_ids)
    review = LogReviewRow(
        id=str(uuid.uuid4()),
        unit_id=unit_id,
        reviewer_id=principal.user_id,
        period_from=since,
        period_to=until,
        findings=text,
        recorded_at=clock.now(),
    )
    async with sessions() as session, session.begin():
        if await session.get(UnitRow, unit_id) is None:
            raise domain.NotFound("no such unit")
        await _require_sample_of(
            session, unit_id=unit_id, since=since, until=until, entry_ids=sample
        )
        session.add(review)
        await session.flush()  # the review's row before the rows that refer to it
        session.add_all(
            LogReviewSampleRow(review_id=review.id, position=n, entry_id=entry_id)
            for n, entry_id in enumerate(sample)
        )
    return RecordedReview(row=review, sample_entry_ids=sample)


async def log_reviews(
    *, sessions: SessionFactory, principal: Principal, unit_id: str | None, first: int
) -> list[RecordedReview]:
    """Newest first: one unit's, or (no unit given) those of every unit the caller manages,
    every unit's for a system administrator."""
    if unit_id is None:
        units = _readable_units(principal)
    else:
        _require_log_reader_of(principal, unit_id)
        units = frozenset({unit_id})
    statement = select(LogReviewRow)
    if units is not None:
        statement = statement.where(LogReviewRow.unit_id.in_(units))
    statement = statement.order_by(LogReviewRow.recorded_at.desc(), LogReviewRow.id.desc())
    async with sessions() as session:
        if unit_id is not None and await session.get(UnitRow, unit_id) is None:
            raise domain.NotFound("no such unit")
        rows = list(
            (await session.execute(statement.limit(max(1, min(first, MAX_PAGE))))).scalars()
        )
        samples: dict[str, list[str]] = {}
        if rows:
            for sampled in (
                await session.execute(
                    select(LogReviewSampleRow)
                    .where(LogReviewSampleRow.review_id.in_([row.id for row in rows]))
                    .order_by(LogReviewSampleRow.review_id, LogReviewSampleRow.position)
                )
            ).scalars():
                samples.setdefault(sampled.review_id, []).append(sampled.entry_id)
    return [
        RecordedReview(row=row, sample_entry_ids=tuple(samples.get(row.id, ()))) for row in rows
    ]


async def log_entries(
    *, sessions: SessionFactory, entry_ids: Sequence[str]
) -> list[AccessLogRow | None]:
    """Entries by id, None for one the retention prune has removed."""
    async with sessions() as session:
        found = {
            row.event_id: row
            for row in (
                await session.execute(
                    select(AccessLogRow).where(AccessLogRow.event_id.in_(list(entry_ids)))
                )
            ).scalars()
        }
    return [found.get(entry_id) for entry_id in entry_ids]


async def prune_access_log(*, sessions: SessionFactory, clock: Clock, retention: timedelta) -> int:
    """Remove entries older than the retention period; returns how many went."""
    async with sessions() as session, session.begin():
        result = await session.execute(
            delete(AccessLogRow).where(AccessLogRow.accessed_at < clock.now() - retention)
        )
    return int(getattr(result, "rowcount", 0) or 0)
