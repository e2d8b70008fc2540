"""Reading alarms, deviations and report facts; the views the graph and the CSV are made of."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, and_, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.alarms.domain import (
    AlarmKind,
    AlarmState,
    ReportAlarm,
    ReportOccurrence,
)
from services.alarms.tables import (
    AlarmRow,
    DeviationRow,
    FollowUpNoteRow,
    OccurrenceRow,
    SignatureRow,
    UnitRow,
)

__all__ = [
    "AlarmFilter",
    "AlarmPage",
    "AlarmView",
    "InvalidCursor",
    "Limits",
    "Overview",
    "alarm_views",
    "decode_cursor",
    "find_alarm",
    "find_alarms",
    "follow_up_notes",
    "list_alarms",
    "list_deviations",
    "overview",
    "report_occurrences",
    "unit_zone",
]


@dataclass(frozen=True)
class AlarmView:
    alarm: AlarmRow
    occurrence: OccurrenceRow | None
    signature: SignatureRow | None
    deviation: DeviationRow | None


async def alarm_views(session: AsyncSession, alarms: Sequence[AlarmRow]) -> list[AlarmView]:
    """The alarms with their occurrence, signature and deviation report, in three queries."""
    occurrence_ids = {a.occurrence_id for a in alarms}
    signature_ids = {a.signature_id for a in alarms if a.signature_id}
    deviation_ids = {a.deviation_id for a in alarms if a.deviation_id}
    occurrences = {
        row.occurrence_id: row
        for row in await _rows(session, OccurrenceRow.occurrence_id, occurrence_ids)
    }
    signatures = {
        row.signature_id: row
        for row in await _rows(session, SignatureRow.signature_id, signature_ids)
    }
    deviations = {
        row.deviation_id: row
        for row in await _rows(session, DeviationRow.deviation_id, deviation_ids)
    }
    return [
        AlarmView(
            alarm=a,
            occurrence=occurrences.get(a.occurrence_id),
            signature=signatures.get(a.signature_id) if a.signature_id else None,
            deviation=deviations.get(a.deviation_id) if a.deviation_id else None,
        )
        for a in alarms
    ]


async def _rows(session: AsyncSession, key: Any, ids: set[str]) -> list[Any]:
    if not ids:
        return []
    entity = key.class_
    return list((await session.execute(select(entity).where(key.in_(ids)))).scalars())


async def find_alarm(session: AsyncSession, alarm_id: str) -> AlarmRow | None:
    return await session.get(AlarmRow, alarm_id)


async def find_alarms(session: AsyncSession, alarm_ids: Sequence[str]) -> list[AlarmRow]:
    return list(
        (await session.execute(select(AlarmRow).where(AlarmRow.alarm_id.in_(alarm_ids)))).scalars()
    )


class InvalidCursor(ValueError):
    pass


def encode_cursor(alarm: AlarmRow) -> str:
    raw = f"{alarm.raised_at.isoformat()}|{alarm.alarm_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raised, _, alarm_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        instant = datetime.fromisoformat(raised)
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidCursor("the cursor is not one this service gave out") from error
    if not alarm_id or instant.tzinfo is None:
        raise InvalidCursor("the cursor is not one this service gave out")
    return instant, alarm_id


@dataclass(frozen=True)
class AlarmPage:
    alarms: list[AlarmRow]
    has_next: bool
    total: int

    @property
    def end_cursor(self) -> str | None:
        return encode_cursor(self.alarms[-1]) if self.alarms else None


@dataclass(frozen=True, kw_only=True)
class AlarmFilter:
    """Which of a unit's alarms a list shows; a criterion left None is not applied.

    ``first_day``/``last_day`` bound the unit-local date of the occurrence's window (its
    ``local_date``, the day the compliance report counts it on), both inclusive.
    """

    unit_id: str
    state: AlarmState | None = None
    kind: AlarmKind | None = None
    tenant_id: str | None = None
    overdue: bool | None = None
    first_day: date | None = None
    last_day: date | None = None
    undocumented: bool | None = None
    signed_by: str | None = None
    escalated: bool | None = None


@dataclass(frozen=True, kw_only=True)
class Limits:
    """The instants the time-dependent filters compare with: raised before ``overdue_before``
    is overdue, signed before ``undocumented_before`` and still unconfirmed is undocumented."""

    overdue_before: datetime
    undocumented_before: datetime


def _undocumented(unit_id: str, *, signed_before: datetime) -> ColumnElement[bool]:
    """Open DEVIATING alarms whose signature stands, is unconfirmed and older than the limit."""
    late = select(SignatureRow.signature_id).where(
        SignatureRow.unit_id == unit_id,
        SignatureRow.annulled_at.is_(None),
        SignatureRow.documented_at.is_(None),
        SignatureRow.signed_at < signed_before,
    )
    return and_(
        AlarmRow.state == AlarmState.OPEN.value,
        AlarmRow.kind == AlarmKind.DEVIATING.value,
        AlarmRow.signature_id.in_(late),
    )


def _matching(query: AlarmFilter, *, limits: Limits) -> list[ColumnElement[bool]]:
    overdue_before = limits.overdue_before
    conditions = [AlarmRow.unit_id == query.unit_id]
    if query.state is not None:
        conditions.append(AlarmRow.state == query.state.value)
    if query.kind is not None:
        conditions.append(AlarmRow.kind == query.kind.value)
    if query.tenant_id is not None:
        conditions.append(AlarmRow.tenant_id == query.tenant_id)
    if query.overdue is not None:
        # As `domain.is_overdue` judges one alarm: open and raised before the limit.
        overdue = and_(AlarmRow.state == AlarmState.OPEN.value, AlarmRow.raised_at < overdue_before)
        conditions.append(overdue if query.overdue else not_(overdue))
    if query.first_day is not None or query.last_day is not None:
        days = select(OccurrenceRow.occurrence_id).where(OccurrenceRow.unit_id == query.unit_id)
        if query.first_day is not None:
            days = days.where(OccurrenceRow.local_date >= query.first_day)
        if query.last_day is not None:
            days = days.where(OccurrenceRow.local_date <= query.last_day)
        conditions.append(AlarmRow.occurrence_id.in_(days))
    if query.signed_by is not None:
        # The signature the alarm shows: the one that raised it, or a MISSED alarm's late one.
        signed = select(SignatureRow.signature_id).where(
            SignatureRow.unit_id == query.unit_id, SignatureRow.signed_by == query.signed_by
        )
        conditions.append(AlarmRow.signature_id.in_(signed))
    if query.escalated is not None:
        escalated = AlarmRow.escalated_at.is_not(None)
        conditions.append(escalated if query.escalated else not_(escalated))
    if query.undocumented is not None:
        late = _undocumented(query.unit_id, signed_before=limits.undocumented_before)
        conditions.append(late if query.undocumented else not_(late))
    return conditions


async def list_alarms(
    session: AsyncSession,
    *,
    query: AlarmFilter,
    limits: Limits,
    first: int,
    after: tuple[datetime, str] | None,
) -> AlarmPage:
    """Newest first; the cursor is (raised_at, alarm_id) so pages are stable under inserts.
    ``total`` counts every alarm the filter matches, not only this page's."""
    conditions = _matching(query, limits=limits)
    total = (
        await session.execute(select(func.count()).select_from(AlarmRow).where(*conditions))
    ).scalar_one()
    page_conditions = list(conditions)
    if after is not None:
        raised_at, alarm_id = after
        page_conditions.append(
            or_(
                AlarmRow.raised_at < raised_at,
                and_(AlarmRow.raised_at == raised_at, AlarmRow.alarm_id < alarm_id),
            )
        )
    rows = list(
        (
            await session.execute(
                select(AlarmRow)
                .where(*page_conditions)
                .order_by(AlarmRow.raised_at.desc(), AlarmRow.alarm_id.desc())
                .limit(first + 1)
            )
        ).scalars()
    )
    return AlarmPage(alarms=rows[:first], has_next=len(rows) > first, total=int(total))


@dataclass(frozen=True)
class Overview:
    open_by_kind: dict[AlarmKind, int]
    acknowledged: int
    acknowledged_since_week_began: int
    overdue: int
    escalated: int
    undocumented: int
    oldest_open_raised_at: datetime | None
    last_acknowledged_at: datetime | None


async def overview(
    session: AsyncSession, *, unit_id: str, limits: Limits, week_began: datetime
) -> Overview:
    overdue_before = limits.overdue_before
    in_unit = AlarmRow.unit_id == unit_id
    is_open = AlarmRow.state == AlarmState.OPEN.value
    by_kind = {
        AlarmKind(kind): int(count)
        for kind, count in (
            await session.execute(
                select(AlarmRow.kind, func.count()).where(in_unit, is_open).group_by(AlarmRow.kind)
            )
        ).all()
    }
    row = (
        await session.execute(
            select(
                func.count().filter(AlarmRow.raised_at < overdue_before, is_open),
                func.count().filter(AlarmRow.escalated_at.is_not(None), is_open),
                func.min(AlarmRow.raised_at).filter(is_open),
                func.max(AlarmRow.acknowledged_at),
                func.count().filter(AlarmRow.state == AlarmState.ACKNOWLEDGED.value),
                func.count().filter(AlarmRow.acknowledged_at >= week_began),
            ).where(in_unit)
        )
    ).one()
    undocumented = (
        await session.execute(
            select(func.count())
            .select_from(AlarmRow)
            .where(in_unit, _undocumented(unit_id, signed_before=limits.undocumented_before))
        )
    ).scalar_one()
    return Overview(
        open_by_kind={kind: by_kind.get(kind, 0) for kind in AlarmKind},
        overdue=int(row[0]),
        escalated=int(row[1]),
        undocumented=int(undocumented),
        oldest_open_raised_at=_aware(row[2]),
        last_acknowledged_at=_aware(row[3]),
        acknowledged=int(row[4]),
        acknowledged_since_week_began=int(row[5]),
    )


def _aware(value: datetime | str | None) -> datetime | None:
    # Aggregates bypass the column type, and SQLite hands back text.
    if value is None:
        return None
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=ZoneInfo("UTC"))


async def list_deviations(session: AsyncSession, *, unit_id: str) -> list[DeviationRow]:
    return list(
        (
            await session.execute(
                select(DeviationRow)
                .where(DeviationRow.unit_id == unit_id)
                .order_by(DeviationRow.reported_at.desc(), DeviationRow.deviation_id)
            )
        ).scalars()
    )


async def follow_up_notes(
    session: AsyncSession, *, alarm_ids: Sequence[str], deviation_ids: Sequence[str]
) -> list[FollowUpNoteRow]:
    """The notes on these alarms and deviation reports, oldest first: each subject's history."""
    subjects = []
    if alarm_ids:
        subjects.append(FollowUpNoteRow.alarm_id.in_(alarm_ids))
    if deviation_ids:
        subjects.append(FollowUpNoteRow.deviation_id.in_(deviation_ids))
    if not subjects:
        return []
    return list(
        (
            await session.execute(
                select(FollowUpNoteRow)
                .where(or_(*subjects))
                .order_by(FollowUpNoteRow.written_at, FollowUpNoteRow.note_id)
            )
        ).scalars()
    )


async def signing_history(session: AsyncSession, occurrence_id: str) -> list[SignatureRow]:
    return list(
        (
            await session.execute(
                select(SignatureRow)
                .where(SignatureRow.occurrence_id == occurrence_id)
                .order_by(SignatureRow.signed_at, SignatureRow.signature_id)
            )
        ).scalars()
    )


async def unit_zone(session: AsyncSession, *, unit_id: str, default: str) -> ZoneInfo:
    name = (
        await session.execute(select(UnitRow.timezone).where(UnitRow.unit_id == unit_id))
    ).scalar_one_or_none()
    try:
        return ZoneInfo(name or default)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default)


async def report_occurrences(
    session: AsyncSession, *, unit_id: str, start: date, end: date
) -> tuple[list[ReportOccurrence], set[str]]:
    """The planned (scheduled, not cancelled, not PRN) occurrences of the period and the
    care recipients they concern."""
    occurrences = [
        row
        for row in (
            await session.execute(
                select(OccurrenceRow).where(
                    OccurrenceRow.unit_id == unit_id,
                    OccurrenceRow.local_date >= start,
                    OccurrenceRow.local_date <= end,
                    OccurrenceRow.window_end.is_not(None),
                    OccurrenceRow.prn.is_(False),
                )
            )
        ).scalars()
        if not row.cancelled
    ]
    ids = [row.occurrence_id for row in occurrences]
    active: dict[str, SignatureRow] = {}
    alarms: dict[str, list[ReportAlarm]] = {}
    for chunk in _chunks(ids, 5000):
        for signature in (
            await session.execute(
                select(SignatureRow).where(
                    SignatureRow.occurrence_id.in_(chunk),
                    SignatureRow.annulled_at.is_(None),
                    SignatureRow.status.is_not(None),
                )
            )
        ).scalars():
            known = active.get(signature.occurrence_id)
            if known is None or (signature.signed_at or _MIN) > (known.signed_at or _MIN):
                active[signature.occurrence_id] = signature
        for alarm in (
            await session.execute(select(AlarmRow).where(AlarmRow.occurrence_id.in_(chunk)))
        ).scalars():
            alarms.setdefault(alarm.occurrence_id, []).append(
                ReportAlarm(raised_at=alarm.raised_at, acknowledged_at=alarm.acknowledged_at)
            )
    facts = []
    for row in occurrences:
        assert row.local_date is not None
        assert row.window_end is not None
        chosen = active.get(row.occurrence_id)
        facts.append(
            ReportOccurrence(
                local_date=row.local_date,
                intervention_id=row.intervention_id,
                window_end=row.window_end,
                signature_status=chosen.status if chosen else None,
                signature_timing=chosen.timing if chosen else None,
                signature_retrospective=bool(chosen and chosen.retrospective),
                signed_by=chosen.signed_by if chosen else None,
                alarms=tuple(alarms.get(row.occurrence_id, ())),
            )
        )
    return facts, {row.tenant_id for row in occurrences}


_MIN = datetime.min.replace(tzinfo=ZoneInfo("UTC"))


def _chunks(items: Sequence[str], size: int) -> list[Sequence[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def alarms_of_occurrences(
    session: AsyncSession, occurrence_ids: Sequence[str]
) -> list[AlarmRow]:
    """The alarms of many occurrences at once (a worklist asks for hundreds)."""
    rows: list[AlarmRow] = []
    for chunk in _chunks(list(occurrence_ids), 500):
        rows += (
            await session.execute(
                select(AlarmRow)
                .where(AlarmRow.occurrence_id.in_(chunk))
                .order_by(AlarmRow.raised_at, AlarmRow.alarm_id)
            )
        ).scalars()
    return rows
