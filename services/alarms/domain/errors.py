"""Named errors of the alarms domain, translated once at the GraphQL edge.

AlarmError
├── AlarmNotFound          no such alarm (or one in a unit the caller may not see)
├── DeviationNotFound      likewise for a deviation report
├── NotPermitted           the caller sees the unit but their role may not do this
├── InvalidAcknowledgement the outcome/comment combination breaks the routine
├── InvalidDeviationInput  empty or oversized text
├── InvalidPeriod          a period of days (report, list filter) reversed or too long
├── InvalidFollowUpNote    a follow-up note without exactly one subject, or bad text
├── AlarmNotOpen           somebody acknowledged it first
├── AlreadyReported        the alarm already has a deviation report
└── AlreadyAssessed        the deviation already has a Lex Sarah assessment
"""

from __future__ import annotations


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


class InvalidFollowUpNote(AlarmError):
    pass


class AlarmNotOpen(AlarmError):
    pass


class AlreadyReported(AlarmError):
    pass


class AlreadyAssessed(AlarmError):
    pass
