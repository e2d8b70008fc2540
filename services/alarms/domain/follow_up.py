"""Acknowledgement rules, overdue, the IVO deadline, deviation text and report periods."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from services.alarms.domain.errors import (
    AlarmNotOpen,
    InvalidAcknowledgement,
    InvalidDeviationInput,
    InvalidFollowUpNote,
    InvalidPeriod,
)
from services.alarms.domain.model import (
    MAX_COMMENT_LENGTH,
    MAX_DESCRIPTION_LENGTH,
    MAX_FOLLOW_UP_NOTE_LENGTH,
    MAX_REPORT_DAYS,
    AckOutcome,
    AlarmKind,
    AlarmState,
)

# Which alarms each outcome fits (the routine); DEVIATION_REPORTED and OTHER fit every kind.
OUTCOME_FITS: dict[AckOutcome, frozenset[AlarmKind]] = {
    # Done but not signed in its window: the reason is verified.
    AckOutcome.PERFORMED_NOT_SIGNED: frozenset({AlarmKind.MISSED, AlarmKind.OUTSIDE_WINDOW}),
    # A deviating signature's documentation in the case system: checked, or missing (reminded).
    AckOutcome.DOCUMENTATION_VERIFIED: frozenset({AlarmKind.DEVIATING}),
    AckOutcome.STAFF_REMINDED: frozenset({AlarmKind.DEVIATING}),
    AckOutcome.DEVIATION_REPORTED: frozenset(AlarmKind),
    AckOutcome.OTHER: frozenset(AlarmKind),
}


def validate_acknowledgement(
    *,
    outcome: AckOutcome,
    comment: str | None,
    state: AlarmState,
    kind: AlarmKind,
    has_deviation_report: bool,
    documentation_confirmed: bool = False,
) -> str | None:
    """Check an acknowledgement against the routine; returns the cleaned comment.

    An alarm somebody already acknowledged is refused as such first: whether this outcome
    would have fitted no longer matters.
    """
    if state is not AlarmState.OPEN:
        raise AlarmNotOpen("the alarm is already acknowledged")
    cleaned = (comment or "").strip() or None
    if cleaned is not None and len(cleaned) > MAX_COMMENT_LENGTH:
        raise InvalidAcknowledgement(f"the comment may be at most {MAX_COMMENT_LENGTH} characters")
    if kind not in OUTCOME_FITS[outcome]:
        fits = " and ".join(k.value for k in AlarmKind if k in OUTCOME_FITS[outcome])
        raise InvalidAcknowledgement(
            f"outcome {outcome.value} fits {fits} alarms only, not {kind.value}"
        )
    if outcome is AckOutcome.OTHER and cleaned is None:
        raise InvalidAcknowledgement("outcome OTHER needs a comment saying what was done")
    if outcome is AckOutcome.DEVIATION_REPORTED and not has_deviation_report:
        raise InvalidAcknowledgement(
            "outcome DEVIATION_REPORTED needs a linked deviation report: "
            "write one with reportDeviation first"
        )
    if outcome is AckOutcome.DOCUMENTATION_VERIFIED and not documentation_confirmed and not cleaned:
        raise InvalidAcknowledgement(
            "outcome DOCUMENTATION_VERIFIED needs the documentation confirmed with "
            "confirmDocumented, or a comment saying how it was checked in the case system"
        )
    return cleaned


def is_overdue(*, state: AlarmState, raised_at: datetime, now: datetime, after: timedelta) -> bool:
    return state is AlarmState.OPEN and now - raised_at > after


def week_began(*, now: datetime, zone: tzinfo) -> datetime:
    """Monday 00:00 of the unit's current week: the weekly follow-up round counts from here."""
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time(), tzinfo=zone)


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


def validate_follow_up_note(*, alarm_id: str | None, deviation_id: str | None, text: str) -> str:
    """A note is about exactly one alarm or one deviation report; returns the cleaned text."""
    if (alarm_id is None) == (deviation_id is None):
        raise InvalidFollowUpNote("a follow-up note is about exactly one of alarmId, deviationId")
    cleaned = text.strip()
    if not cleaned:
        raise InvalidFollowUpNote("the follow-up note must not be empty")
    if len(cleaned) > MAX_FOLLOW_UP_NOTE_LENGTH:
        raise InvalidFollowUpNote(
            f"a follow-up note may be at most {MAX_FOLLOW_UP_NOTE_LENGTH} characters"
        )
    return cleaned


def validate_period(*, start: date, end: date) -> None:
    if end < start:
        raise InvalidPeriod("'to' is before 'from'")
    if (end - start).days + 1 > MAX_REPORT_DAYS:
        raise InvalidPeriod(f"a period covers at most {MAX_REPORT_DAYS} days")


def validate_days(*, first: date | None, last: date | None) -> None:
    """A list's day filter: either bound may be left open; both given, the report's rule."""
    if first is not None and last is not None:
        validate_period(start=first, end=last)
