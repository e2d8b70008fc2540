"""The alarm rules, acknowledgement rules, overdue, IVO deadline and compliance figures.

Plain Python: no database, broker or web imports. Handlers load the facts, ask these
functions what should happen, and store the answer.

    AlarmError
    ├── AlarmNotFound          no such alarm (or one in a unit the caller may not see)
    ├── NotPermitted           the caller sees the unit but their role may not do this
    ├── DeviationNotFound      likewise for a deviation report
    ├── InvalidAcknowledgement the outcome/comment combination breaks the routine
    ├── InvalidDeviationInput  empty or oversized text
    ├── InvalidPeriod          a report period that is empty, reversed or too long
    ├── AlarmNotOpen           somebody acknowledged it first
    ├── AlreadyReported        the alarm already has a deviation report
    └── AlreadyAssessed        the deviation already has a Lex Sarah assessment
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

__all__ = [
    "MAX_COMMENT_LENGTH",
    "MAX_REPORT_DAYS",
    "AckOutcome",
    "AlarmError",
    "AlarmFacts",
    "AlarmKind",
    "AlarmNotFound",
    "AlarmNotOpen",
    "AlarmState",
    "AlreadyAssessed",
    "AlreadyReported",
    "ComplianceRow",
    "DeviationNotFound",
    "Evaluation",
    "InvalidAcknowledgement",
    "InvalidDeviationInput",
    "InvalidPeriod",
    "MissedUpdate",
    "NewAlarm",
    "NotPermitted",
    "OccurrenceFacts",
    "ReportOccurrence",
    "SignatureFacts",
    "SigningStatus",
    "Timing",
    "aggregate_compliance",
    "classify_timing",
    "evaluate",
    "is_overdue",
    "ivo_report_deadline",
    "validate_acknowledgement",
    "validate_deviation_text",
    "validate_period",
]

MAX_COMMENT_LENGTH = 2000
MAX_DESCRIPTION_LENGTH = 10_000
MAX_REPORT_DAYS = 366


class AlarmKind(StrEnum):
    MISSED = "MISSED"
    OUTSIDE_WINDOW = "OUTSIDE_WINDOW"
    DEVIATING = "DEVIATING"


class AlarmState(StrEnum):
    OPEN = "OPEN"
    ACKNOWLEDGED = "ACKNOWLEDGED"


class AckOutcome(StrEnum):
    PERFORMED_NOT_SIGNED = "PERFORMED_NOT_SIGNED"
    DOCUMENTATION_VERIFIED = "DOCUMENTATION_VERIFIED"
    STAFF_REMINDED = "STAFF_REMINDED"
    DEVIATION_REPORTED = "DEVIATION_REPORTED"
    OTHER = "OTHER"


class SigningStatus(StrEnum):
    DONE = "DONE"
    NOT_DONE = "NOT_DONE"
    NOT_HOME = "NOT_HOME"
    DECLINED = "DECLINED"


class Timing(StrEnum):
    ON_TIME = "ON_TIME"
    EARLY = "EARLY"
    LATE = "LATE"


DEVIATING_STATUSES = frozenset(
    {SigningStatus.NOT_DONE, SigningStatus.NOT_HOME, SigningStatus.DECLINED}
)


_EARLIEST = datetime.min.replace(tzinfo=UTC)


# --- errors -------------------------------------------------------------------------------


class AlarmError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AlarmNotFound(AlarmError):
    pass


class DeviationNotFound(AlarmError):
    pass


class NotPermitted(AlarmError):
    pass


class InvalidAcknowledgement(AlarmError):
    pass


class InvalidDeviationInput(AlarmError):
    pass


class InvalidPeriod(AlarmError):
    pass


class AlarmNotOpen(AlarmError):
    pass


class AlreadyReported(AlarmError):
    pass


class AlreadyAssessed(AlarmError):
    pass


# --- the rules ----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SignatureFacts:
    signature_id: str
    status: str | None  # None while only an annulment or documentation of it is known
    timing: str | None
    signed_at: datetime | None
    annulled: bool


@dataclass(frozen=True, kw_only=True)
class AlarmFacts:
    alarm_id: str
    kind: AlarmKind
    state: AlarmState
    signature_id: str | None
    generation: int


@dataclass(frozen=True, kw_only=True)
class OccurrenceFacts:
    window_start: datetime | None  # None until the OccurrenceScheduled event arrived
    window_end: datetime | None
    cancelled: bool
    prn: bool = False


@dataclass(frozen=True, kw_only=True)
class NewAlarm:
    kind: AlarmKind
    signature_id: str | None
    generation: int


@dataclass(frozen=True, kw_only=True)
class MissedUpdate:
    """An open MISSED alarm now shows who signed (late) — or that the window is unsigned again."""

    alarm_id: str
    signature_id: str | None
    generation: int


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    raise_alarms: tuple[NewAlarm, ...] = ()
    update_missed: MissedUpdate | None = None
    # When the sweeper must look again: the end of the window (+ grace) while it is unsigned.
    check_due: datetime | None = None


def classify_timing(
    *, performed_at: datetime, window_start: datetime, window_end: datetime
) -> Timing:
    """The window is ``[start, end)``: performing exactly at its end is already late."""
    if performed_at < window_start:
        return Timing.EARLY
    if performed_at >= window_end:
        return Timing.LATE
    return Timing.ON_TIME


def _active(signatures: Iterable[SignatureFacts]) -> SignatureFacts | None:
    live = [s for s in signatures if not s.annulled and s.status is not None]
    return max(live, key=lambda s: (s.signed_at or _EARLIEST, s.signature_id), default=None)


def evaluate(
    *,
    occurrence: OccurrenceFacts,
    signatures: Sequence[SignatureFacts],
    alarms: Sequence[AlarmFacts],
    now: datetime,
    grace: timedelta,
) -> Evaluation:
    """What should change for one occurrence, given everything known about it now.

    The answer depends only on the facts, never on which event arrived last, so replaying
    events in any order converges. A MISSED alarm belongs to a *generation* — the number of
    annulled signatures so far — so an annulment after the window reopens it exactly once,
    while a repeated event for an already-missed window raises nothing.
    """
    if occurrence.cancelled or occurrence.prn:
        return Evaluation()
    generation = sum(1 for s in signatures if s.annulled)
    active = _active(signatures)
    missed = [a for a in alarms if a.kind is AlarmKind.MISSED]
    open_missed = next((a for a in missed if a.state is AlarmState.OPEN), None)
    due_at = occurrence.window_end + grace if occurrence.window_end is not None else None

    if active is None:
        if due_at is None or any(a.generation == generation for a in missed):
            return Evaluation()
        if now < due_at:
            return Evaluation(check_due=due_at)
        if open_missed is not None:
            # The signature that covered it was annulled: the same open alarm is missed again.
            return Evaluation(
                update_missed=MissedUpdate(
                    alarm_id=open_missed.alarm_id, signature_id=None, generation=generation
                )
            )
        return Evaluation(
            raise_alarms=(
                NewAlarm(kind=AlarmKind.MISSED, signature_id=None, generation=generation),
            )
        )

    update = None
    if open_missed is not None and open_missed.signature_id != active.signature_id:
        update = MissedUpdate(
            alarm_id=open_missed.alarm_id, signature_id=active.signature_id, generation=generation
        )
    covered_by_missed = open_missed is not None or any(
        a.signature_id == active.signature_id for a in missed
    )
    already = {(a.kind, a.signature_id) for a in alarms if a.kind is not AlarmKind.MISSED}
    new: list[NewAlarm] = []
    if (
        active.timing in (Timing.EARLY, Timing.LATE)
        and not covered_by_missed
        and (AlarmKind.OUTSIDE_WINDOW, active.signature_id) not in already
    ):
        new.append(
            NewAlarm(
                kind=AlarmKind.OUTSIDE_WINDOW,
                signature_id=active.signature_id,
                generation=generation,
            )
        )
    if (
        active.status in DEVIATING_STATUSES
        and (AlarmKind.DEVIATING, active.signature_id) not in already
    ):
        new.append(
            NewAlarm(
                kind=AlarmKind.DEVIATING, signature_id=active.signature_id, generation=generation
            )
        )
    return Evaluation(raise_alarms=tuple(new), update_missed=update)


# --- acknowledgement, overdue, Lex Sarah --------------------------------------------------


def validate_acknowledgement(
    *, outcome: AckOutcome, comment: str | None, state: AlarmState, has_deviation_report: bool
) -> str | None:
    """Check an acknowledgement against the routine; returns the cleaned comment."""
    cleaned = (comment or "").strip() or None
    if cleaned is not None and len(cleaned) > MAX_COMMENT_LENGTH:
        raise InvalidAcknowledgement(f"the comment may be at most {MAX_COMMENT_LENGTH} characters")
    if outcome is AckOutcome.OTHER and cleaned is None:
        raise InvalidAcknowledgement("outcome OTHER needs a comment saying what was done")
    if outcome is AckOutcome.DEVIATION_REPORTED and not has_deviation_report:
        raise InvalidAcknowledgement(
            "outcome DEVIATION_REPORTED needs a linked deviation report: "
            "write one with reportDeviation first"
        )
    if state is not AlarmState.OPEN:
        raise AlarmNotOpen("the alarm is already acknowledged")
    return cleaned


def is_overdue(*, state: AlarmState, raised_at: datetime, now: datetime, after: timedelta) -> bool:
    return state is AlarmState.OPEN and now - raised_at > after


def ivo_report_deadline(*, assessed_on: date, within_days: int) -> date:
    """The last day to report a Lex Sarah case to IVO.

    The regulation says "snarast"; we record a concrete date so it can be followed up: the
    assessment date (unit-local) plus a configured number of days, two weeks by default.
    """
    return assessed_on + timedelta(days=within_days)


def validate_deviation_text(text: str, *, what: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise InvalidDeviationInput(f"the {what} must not be empty")
    if len(cleaned) > MAX_DESCRIPTION_LENGTH:
        raise InvalidDeviationInput(
            f"the {what} may be at most {MAX_DESCRIPTION_LENGTH} characters"
        )
    return cleaned


def validate_period(*, start: date, end: date) -> None:
    if end < start:
        raise InvalidPeriod("'to' is before 'from'")
    if (end - start).days + 1 > MAX_REPORT_DAYS:
        raise InvalidPeriod(f"a report covers at most {MAX_REPORT_DAYS} days")


# --- compliance ---------------------------------------------------------------------------


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


def aggregate_compliance(
    occurrences: Iterable[ReportOccurrence], *, now: datetime, ack_within: timedelta
) -> list[ComplianceRow]:
    """Rows per (day, intervention), ordered, followed by one total row.

    Each planned occurrence counts once by its state now: signed on time, signed outside the
    window, missed (window over, no valid signature) or pending (window not over yet).
    ``deviating`` counts active signatures by deviating status and overlaps the timing counts.
    Acknowledgement figures cover the alarms raised for those occurrences.
    """
    groups: dict[tuple[date, str], list[ReportOccurrence]] = {}
    everything: list[ReportOccurrence] = []
    for occurrence in occurrences:
        groups.setdefault((occurrence.local_date, occurrence.intervention_id), []).append(
            occurrence
        )
        everything.append(occurrence)
    rows = [
        _row(
            day=day,
            intervention_id=intervention,
            occurrences=members,
            now=now,
            ack_within=ack_within,
        )
        for (day, intervention), members in sorted(groups.items())
    ]
    rows.append(
        _row(day=None, intervention_id=None, occurrences=everything, now=now, ack_within=ack_within)
    )
    return rows


def _row(
    *,
    day: date | None,
    intervention_id: str | None,
    occurrences: Sequence[ReportOccurrence],
    now: datetime,
    ack_within: timedelta,
) -> ComplianceRow:
    on_time = outside = missed = pending = 0
    deviating: Counter[str] = Counter()
    delays: list[float] = []
    raised = within = 0
    for occurrence in occurrences:
        if occurrence.signature_status is None:
            if now >= occurrence.window_end:
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
    )
