"""The compliance figures per day and intervention, and per signer."""

from __future__ import annotations

import dataclasses
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
    signed_by: str | None = None  # of the active signature


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


@dataclass(frozen=True, kw_only=True)
class SignerComplianceRow:
    """One signer's active signatures in the period; ``signer_id`` None is the unit's row.

    The unit's row holds the windows nobody's signature stands for (``missed``, ``pending``;
    None on signers' rows), and any signature whose signer is unknown.
    """

    signer_id: str | None
    signed: int = 0
    on_time: int = 0
    outside_window: int = 0
    deviating: dict[str, int] = field(default_factory=dict)
    retrospective: int = 0
    missed: int | None = None
    pending: int | None = None


def aggregate_by_signer(
    occurrences: Iterable[ReportOccurrence], *, now: datetime, grace: timedelta = timedelta(0)
) -> list[SignerComplianceRow]:
    """Signers' rows, most signatures first (then by id), followed by the unit's row.

    Each planned occurrence counts once, as in `aggregate_compliance`: for the signer of its
    active signature (an annulled one counts for nobody), or, unsigned, as the unit's missed
    or pending window.
    """
    signed: dict[str | None, list[ReportOccurrence]] = {}
    missed = pending = 0
    for occurrence in occurrences:
        if occurrence.signature_status is None:
            if now >= occurrence.window_end + grace:
                missed += 1
            else:
                pending += 1
            continue
        signed.setdefault(occurrence.signed_by, []).append(occurrence)
    rows = [
        _signer_row(signer_id, members)
        for signer_id, members in sorted(
            ((s, m) for s, m in signed.items() if s is not None),
            key=lambda item: (-len(item[1]), item[0]),
        )
    ]
    unit = _signer_row(None, signed.get(None, []))
    rows.append(dataclasses.replace(unit, missed=missed, pending=pending))
    return rows


def _signer_row(signer_id: str | None, signed: Sequence[ReportOccurrence]) -> SignerComplianceRow:
    timing = Counter(
        "outside" if o.signature_timing in (Timing.EARLY, Timing.LATE) else "on_time"
        for o in signed
    )
    deviating = Counter(
        o.signature_status for o in signed if o.signature_status in DEVIATING_STATUSES
    )
    return SignerComplianceRow(
        signer_id=signer_id,
        signed=len(signed),
        on_time=timing["on_time"],
        outside_window=timing["outside"],
        deviating={
            status.value: deviating.get(status.value, 0) for status in sorted(DEVIATING_STATUSES)
        },
        retrospective=sum(1 for o in signed if o.signature_retrospective),
    )
