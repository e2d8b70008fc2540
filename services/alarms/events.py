"""Events alarms publishes: the live feed and the record of follow-up.

``alarms.events`` is keyed by alarm id (deviation events by their alarm id too, so a report
follows its alarm in order). ``kind`` is MISSED | OUTSIDE_WINDOW | DEVIATING; ``outcome`` an
AckOutcome value. Payloads carry ids only.
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
    "DeviationAssessed",
    "DeviationReported",
]

TOPIC = "alarms.events"


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
