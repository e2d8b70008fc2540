"""Events alarms publishes: the live feed and the record of follow-up.

``alarms.events`` is keyed by alarm id (deviation events by their alarm id too, so a report
follows its alarm in order). ``kind`` is MISSED | OUTSIDE_WINDOW | DEVIATING; ``outcome`` an
AckOutcome value. Payloads carry ids only.

``alarms.reminders`` (keyed by unit id) announces that a unit's people are due an e-mail: the
escalation digest, the weekly kvittering reminder, deviations waiting for assessment, an
approaching IVO date. Each is emitted once per unit and period with an id derived from them,
so identity, which sends the mails, can tell a redelivery from a new announcement. Counts
only: which alarms, care recipients or notes they concern is not the mail's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

__all__ = [
    "TOPIC",
    "AlarmAcknowledged",
    "AlarmEscalated",
    "AlarmRaised",
    "AlarmUpdated",
    "AssessmentReminderDue",
    "DeviationAssessed",
    "DeviationReported",
    "EscalationDigestDue",
    "IvoReminderDue",
    "KvitteringReminderDue",
]

TOPIC = "alarms.events"
REMINDERS_TOPIC = "alarms.reminders"


@dataclass(frozen=True, kw_only=True)
class _AlarmFact:
    alarm_id: str
    unit_id: str

    @property
    def key(self) -> str:
        return self.alarm_id


@dataclass(frozen=True, kw_only=True)
class AlarmRaised(_AlarmFact):
    TYPE: ClassVar[str] = "se.signa.alarms.AlarmRaised.v1"
    TOPIC: ClassVar[str] = TOPIC
    kind: str
    occurrence_id: str
    intervention_id: str
    tenant_id: str
    raised_at: datetime


@dataclass(frozen=True, kw_only=True)
class AlarmUpdated(_AlarmFact):
    TYPE: ClassVar[str] = "se.signa.alarms.AlarmUpdated.v1"
    TOPIC: ClassVar[str] = TOPIC
    kind: str
    occurrence_id: str
    updated_at: datetime
    signature_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class AlarmAcknowledged(_AlarmFact):
    TYPE: ClassVar[str] = "se.signa.alarms.AlarmAcknowledged.v1"
    TOPIC: ClassVar[str] = TOPIC
    outcome: str
    acknowledged_by: str
    acknowledged_at: datetime


@dataclass(frozen=True, kw_only=True)
class AlarmEscalated(_AlarmFact):
    TYPE: ClassVar[str] = "se.signa.alarms.AlarmEscalated.v1"
    TOPIC: ClassVar[str] = TOPIC
    escalated_at: datetime


@dataclass(frozen=True, kw_only=True)
class DeviationReported(_AlarmFact):
    TYPE: ClassVar[str] = "se.signa.alarms.DeviationReported.v1"
    TOPIC: ClassVar[str] = TOPIC
    deviation_id: str
    reported_by: str
    reported_at: datetime


@dataclass(frozen=True, kw_only=True)
class DeviationAssessed(_AlarmFact):
    TYPE: ClassVar[str] = "se.signa.alarms.DeviationAssessed.v1"
    TOPIC: ClassVar[str] = TOPIC
    deviation_id: str
    lex_sarah: bool
    report_to_ivo_by: date | None
    assessed_by: str
    assessed_at: datetime


@dataclass(frozen=True, kw_only=True)
class _UnitNotice:
    unit_id: str

    @property
    def key(self) -> str:
        return self.unit_id


@dataclass(frozen=True, kw_only=True)
class EscalationDigestDue(_UnitNotice):
    """Open alarms of the unit escalated since the last digest (at most one a local day)."""

    TYPE: ClassVar[str] = "se.signa.alarms.EscalationDigestDue.v1"
    TOPIC: ClassVar[str] = REMINDERS_TOPIC
    local_date: date
    escalated_count: int
    open_count: int
    overdue_count: int


@dataclass(frozen=True, kw_only=True)
class KvitteringReminderDue(_UnitNotice):
    """The weekly duty: the unit has unacknowledged alarms (``week`` is ISO, ``2026-W13``)."""

    TYPE: ClassVar[str] = "se.signa.alarms.KvitteringReminderDue.v1"
    TOPIC: ClassVar[str] = REMINDERS_TOPIC
    week: str
    open_count: int
    overdue_count: int
    oldest_open_days: int


@dataclass(frozen=True, kw_only=True)
class AssessmentReminderDue(_UnitNotice):
    """Deviation reports of the unit wait for the manager's Lex Sarah assessment."""

    TYPE: ClassVar[str] = "se.signa.alarms.AssessmentReminderDue.v1"
    TOPIC: ClassVar[str] = REMINDERS_TOPIC
    local_date: date
    waiting_count: int
    oldest_waiting_days: int


@dataclass(frozen=True, kw_only=True)
class IvoReminderDue(_UnitNotice):
    """A Lex Sarah case of the unit must be reported to IVO by ``report_by`` (once each)."""

    TYPE: ClassVar[str] = "se.signa.alarms.IvoReminderDue.v1"
    TOPIC: ClassVar[str] = REMINDERS_TOPIC
    deviation_id: str
    report_by: date
