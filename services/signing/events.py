"""Events signing publishes: its contract with alarms (and reporting).

``signing.events`` is keyed by occurrence id, so all signatures of one occurrence are ordered.
Notes are free text that may name people, so they never travel in events; a consumer that needs
one asks for it through the graph. ``status`` is DONE | NOT_DONE | NOT_HOME | DECLINED;
``timing`` is ON_TIME | EARLY | LATE (None for PRN signatures, which have no window).
``retrospective`` says the signature reached the server longer after ``performed_at`` than
signing's limit (15 min by default); absent in events from before it existed, so False.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

__all__ = ["TOPIC", "DeviationDocumented", "OccurrenceSigned", "SignatureAnnulled"]

TOPIC = "signing.events"


@dataclass(frozen=True, kw_only=True)
class OccurrenceSigned:
    TYPE: ClassVar[str] = "se.signa.signing.OccurrenceSigned.v1"
    TOPIC: ClassVar[str] = TOPIC
    signature_id: str
    occurrence_id: str
    intervention_id: str
    tenant_id: str
    unit_id: str
    status: str
    timing: str | None
    performed_at: datetime
    signed_at: datetime
    signed_by: str
    prn: bool = False
    retrospective: bool = False

    @property
    def key(self) -> str:
        return self.occurrence_id


@dataclass(frozen=True, kw_only=True)
class SignatureAnnulled:
    TYPE: ClassVar[str] = "se.signa.signing.SignatureAnnulled.v1"
    TOPIC: ClassVar[str] = TOPIC
    signature_id: str
    occurrence_id: str
    intervention_id: str
    tenant_id: str
    unit_id: str
    annulled_by: str
    annulled_at: datetime

    @property
    def key(self) -> str:
        return self.occurrence_id


@dataclass(frozen=True, kw_only=True)
class DeviationDocumented:
    TYPE: ClassVar[str] = "se.signa.signing.DeviationDocumented.v1"
    TOPIC: ClassVar[str] = TOPIC
    signature_id: str
    occurrence_id: str
    unit_id: str
    documented_by: str
    documented_at: datetime

    @property
    def key(self) -> str:
        return self.occurrence_id
