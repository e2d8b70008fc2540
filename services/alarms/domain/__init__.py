"""The alarm rules, acknowledgement rules, overdue, IVO deadline and compliance figures.

Plain Python: no database, broker or web imports. Handlers load the facts, ask these
functions what should happen, and store the answer.

    Errors (errors.py):

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

from services.alarms.domain.compliance import (
    ComplianceRow,
    ReportAlarm,
    ReportOccurrence,
    SignerComplianceRow,
    aggregate_by_signer,
    aggregate_compliance,
)
from services.alarms.domain.errors import (
    AlarmError,
    AlarmNotFound,
    AlarmNotOpen,
    AlreadyAssessed,
    AlreadyReported,
    DeviationNotFound,
    InvalidAcknowledgement,
    InvalidDeviationInput,
    InvalidFollowUpNote,
    InvalidPeriod,
    NotPermitted,
)
from services.alarms.domain.follow_up import (
    OUTCOME_FITS,
    is_overdue,
    ivo_report_deadline,
    validate_acknowledgement,
    validate_days,
    validate_deviation_text,
    validate_follow_up_note,
    validate_period,
    week_began,
)
from services.alarms.domain.model import (
    DEVIATING_STATUSES,
    MAX_COMMENT_LENGTH,
    MAX_DESCRIPTION_LENGTH,
    MAX_FOLLOW_UP_NOTE_LENGTH,
    MAX_REPORT_DAYS,
    AckOutcome,
    AlarmKind,
    AlarmState,
    SigningStatus,
    Timing,
)
from services.alarms.domain.rules import (
    AlarmFacts,
    Evaluation,
    MissedUpdate,
    NewAlarm,
    OccurrenceFacts,
    SignatureFacts,
    classify_timing,
    evaluate,
)

__all__ = [
    "DEVIATING_STATUSES",
    "MAX_COMMENT_LENGTH",
    "MAX_DESCRIPTION_LENGTH",
    "MAX_FOLLOW_UP_NOTE_LENGTH",
    "MAX_REPORT_DAYS",
    "OUTCOME_FITS",
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
    "InvalidFollowUpNote",
    "InvalidPeriod",
    "MissedUpdate",
    "NewAlarm",
    "NotPermitted",
    "OccurrenceFacts",
    "ReportAlarm",
    "ReportOccurrence",
    "SignatureFacts",
    "SignerComplianceRow",
    "SigningStatus",
    "Timing",
    "aggregate_by_signer",
    "aggregate_compliance",
    "classify_timing",
    "evaluate",
    "is_overdue",
    "ivo_report_deadline",
    "validate_acknowledgement",
    "validate_days",
    "validate_deviation_text",
    "validate_follow_up_note",
    "validate_period",
    "week_began",
]
