"""Events interventions publishes: its contract with signing and alarms.

``interventions.events`` is keyed by intervention id (``TenantRegistered`` and absences by
care-recipient id), so an occurrence's scheduling and cancellation arrive in order. Windows
are UTC instants ``[window_start, window_end)``; ``local_date`` is the unit's calendar date the
occurrence belongs to. Payloads carry ids only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

__all__ = [
    "TOPIC",
    "AbsenceEnded",
    "AbsenceRegistered",
    "InterventionActivated",
    "InterventionChanged",
    "InterventionEnded",
    "InterventionPaused",
    "OccurrenceCancelled",
    "OccurrenceScheduled",
    "TenantRegistered",
]

TOPIC = "interventions.events"


@dataclass(frozen=True, kw_only=True)
class TenantRegistered:
    TYPE: ClassVar[str] = "se.signa.interventions.TenantRegistered.v1"
    TOPIC: ClassVar[str] = TOPIC
    tenant_id: str
    unit_id: str
    registered_by: str
    registered_at: datetime

    @property
    def key(self) -> str:
        return self.tenant_id


@dataclass(frozen=True, kw_only=True)
class _InterventionFact:
    intervention_id: str
    tenant_id: str
    unit_id: str
    prn: bool
    by: str
    at: datetime

    @property
    def key(self) -> str:
        return self.intervention_id


@dataclass(frozen=True, kw_only=True)
class InterventionActivated(_InterventionFact):
    """Plan anchoring confirmed (first activation) or resumed after a pause."""

    TYPE: ClassVar[str] = "se.signa.interventions.InterventionActivated.v1"
    TOPIC: ClassVar[str] = TOPIC


@dataclass(frozen=True, kw_only=True)
class InterventionChanged(_InterventionFact):
    TYPE: ClassVar[str] = "se.signa.interventions.InterventionChanged.v1"
    TOPIC: ClassVar[str] = TOPIC


@dataclass(frozen=True, kw_only=True)
class InterventionPaused(_InterventionFact):
    TYPE: ClassVar[str] = "se.signa.interventions.InterventionPaused.v1"
    TOPIC: ClassVar[str] = TOPIC


@dataclass(frozen=True, kw_only=True)
class InterventionEnded(_InterventionFact):
    TYPE: ClassVar[str] = "se.signa.interventions.InterventionEnded.v1"
    TOPIC: ClassVar[str] = TOPIC


@dataclass(frozen=True, kw_only=True)
class OccurrenceScheduled:
    TYPE: ClassVar[str] = "se.signa.interventions.OccurrenceScheduled.v1"
    TOPIC: ClassVar[str] = TOPIC
    occurrence_id: str
    intervention_id: str
    tenant_id: str
    unit_id: str
    window_start: datetime
    window_end: datetime
    local_date: date
    prn: bool = False

    @property
    def key(self) -> str:
        return self.intervention_id


@dataclass(frozen=True, kw_only=True)
class OccurrenceCancelled:
    TYPE: ClassVar[str] = "se.signa.interventions.OccurrenceCancelled.v1"
    TOPIC: ClassVar[str] = TOPIC
    occurrence_id: str
    intervention_id: str
    tenant_id: str
    unit_id: str
    reason: str  # PAUSED | ENDED | CHANGED | ABSENCE
    cancelled_at: datetime

    @property
    def key(self) -> str:
        return self.intervention_id


@dataclass(frozen=True, kw_only=True)
class AbsenceRegistered:
    TYPE: ClassVar[str] = "se.signa.interventions.AbsenceRegistered.v1"
    TOPIC: ClassVar[str] = TOPIC
    absence_id: str
    tenant_id: str
    unit_id: str
    starts_at: datetime
    ends_at: datetime | None

    @property
    def key(self) -> str:
        return self.tenant_id


@dataclass(frozen=True, kw_only=True)
class AbsenceEnded:
    TYPE: ClassVar[str] = "se.signa.interventions.AbsenceEnded.v1"
    TOPIC: ClassVar[str] = TOPIC
    absence_id: str
    tenant_id: str
    unit_id: str
    ends_at: datetime

    @property
    def key(self) -> str:
        return self.tenant_id
