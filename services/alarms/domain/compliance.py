"""The compliance figures per day and intervention."""

from __future__ import annotations

import functools
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from services.alarms.domain.model import DEVIATING_STATUSES, Timing


@dataclass(frozen=True, kw_only=True)
class ReportAlarm:
    raised_at: datetime
    acknowledged_at: datetime | None


@dataclass(frozen=True, kw_only=True)
class ReportOccurrence:
    local_date: date
    intervention_id: str
    window_end: datetime
    signature_status: str | None  # of the active signature
    signature_timing: str | None
    alarms: tuple[ReportAlarm, ...] = ()
    signature_retrospective: bool = False


@dataclass(frozen=True, kw_only=True)
class ComplianceRow:
    day: date | None  # None with intervention None: the period's total
    intervention_id: str | None
    planned: int = 0
    on_time: int = 0
    outside_window: int = 0
    missed: int = 0
    pending: int = 0
    deviating: dict[str, int] = field(default_factory=dict)
    alarms_raised: int = 0
    acknowledged_within: int = 0
    median_seconds_to_acknowledge: float | None = None
    retrospective: int = 0


def aggregate_compliance(
    occurrences: Iterable[ReportOccurrence],
    *,
    now: datetime,
    ack_within: timedelta,
    grace: timedelta = timedelta(0),
) -> list[ComplianceRow]:
    """Rows per (day, intervention), ordered, followed by one total row.

    Each planned occurrence counts once by its state now: signed on time, signed outside the
    window, missed (window and grace over, no valid signature: as the MISSED alarm judges) or
    pending (not yet).
    ``deviating`` counts active signatures by deviating status and ``retrospective`` those
    signed retrospectively; both overlap the timing counts.
    Acknowledgement figures cover the alarms raised for those occurrences.
    """
    groups: dict[tuple[date, str], list[ReportOccurrence]] = {}
    everything: list[ReportOccurrence] = []
    for occurrence in occurrences:
        groups.setdefault((occurrence.local_date, occurrence.intervention_id), []).append(
            occurrence
        )
        everything.append(occurrence)
    row = functools.partial(_row, now=now, ack_within=ack_within, grace=grace)
    rows = [
        row(day=day, intervention_id=intervention, occurrences=members)
        for (day, intervention), members in sorted(groups.items())
    ]
    rows.append(row(day=None, intervention_id=None, occurrences=everything))
    return rows


def _row(
    *,
    day: date | None,
    intervention_id: str | None,
    occurrences: Sequence[ReportOccurrence],
    now: datetime,
    ack_within: timedelta,
    grace: timedelta,
) -> ComplianceRow:
    on_time = outside = missed = pending = 0
    deviating: Counter[str] = Counter()
    delays: list[float] = []
    raised = within = retrospective = 0
    for occurrence in occurrences:
        if occurrence.signature_status is not None and occurrence.signature_retrospective:
            retrospective += 1
        if occurrence.signature_status is None:
            if now >= occurrence.window_end + grace:
                missed += 1
            else:
                pending += 1
        elif occurrence.signature_timing in (Timing.EARLY, Timing.LATE):
            outside += 1
        else:
            on_time += 1
        if occurrence.signature_status in DEVIATING_STATUSES:
            deviating[occurrence.signature_status] += 1
        for alarm in occurrence.alarms:
            raised += 1
            if alarm.acknowledged_at is not None:
                delay = alarm.acknowledged_at - alarm.raised_at
                delays.append(delay.total_seconds())
                if delay <= ack_within:
                    within += 1
    return ComplianceRow(
        day=day,
        intervention_id=intervention_id,
        planned=len(occurrences),
        on_time=on_time,
        outside_window=outside,
        missed=missed,
        pending=pending,
        deviating={
            status.value: deviating.get(status.value, 0) for status in sorted(DEVIATING_STATUSES)
        },
        alarms_raised=raised,
        acknowledged_within=within,
        median_seconds_to_acknowledge=statistics.median(delays) if delays else None,
        retrospective=retrospective,
    )
