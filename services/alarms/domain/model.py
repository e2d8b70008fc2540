"""The vocabulary of alarms: kinds, states, outcomes, signing statuses and timings."""

from __future__ import annotations

from enum import StrEnum

MAX_COMMENT_LENGTH = 2000
MAX_DESCRIPTION_LENGTH = 10_000
MAX_FOLLOW_UP_NOTE_LENGTH = 4000
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
