"""Events identity publishes: its contract with the other services.

``identity.events`` is keyed by user id (``UnitCreated`` by unit id), so the CloudEvent subject
of ``RoleRevoked`` and ``UserDeactivated`` is the user whose earlier tokens stop working.
``audit.access`` carries ``RecordsAccessed`` from every service to identity's access log (one
event per read or change, listing the care recipients; identity keeps one entry per recipient).
``RecordAccessed`` (one recipient per event) is its first version, still stored when it comes.
Payloads carry ids only: no names, e-mail addresses or other personal details.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

__all__ = [
    "ACCESS_TOPIC",
    "REVOKING_EVENT_TYPES",
    "TOPIC",
    "AccessedRecord",
    "RecordAccessed",
    "RecordsAccessed",
    "RoleGranted",
    "RoleRevoked",
    "UnitCreated",
    "UserCreated",
    "UserDeactivated",
]

TOPIC = "identity.events"
ACCESS_TOPIC = "audit.access"


@dataclass(frozen=True, kw_only=True)
class UnitCreated:
    TYPE: ClassVar[str] = "se.signa.identity.UnitCreated.v1"
    TOPIC: ClassVar[str] = TOPIC
    unit_id: str
    timezone: str
    created_at: datetime

    @property
    def key(self) -> str:
        return self.unit_id


@dataclass(frozen=True, kw_only=True)
class UserCreated:
    TYPE: ClassVar[str] = "se.signa.identity.UserCreated.v1"
    TOPIC: ClassVar[str] = TOPIC
    user_id: str
    created_by: str | None
    created_at: datetime

    @property
    def key(self) -> str:
        return self.user_id


@dataclass(frozen=True, kw_only=True)
class RoleGranted:
    TYPE: ClassVar[str] = "se.signa.identity.RoleGranted.v1"
    TOPIC: ClassVar[str] = TOPIC
    user_id: str
    role: str  # libs.auth.Role value
    unit_id: str | None  # None for SYSTEM_ADMIN, which is not tied to a unit
    granted_by: str | None
    granted_at: datetime

    @property
    def key(self) -> str:
        return self.user_id


@dataclass(frozen=True, kw_only=True)
class RoleRevoked:
    TYPE: ClassVar[str] = "se.signa.identity.RoleRevoked.v1"
    TOPIC: ClassVar[str] = TOPIC
    user_id: str
    role: str
    unit_id: str | None
    revoked_by: str | None
    revoked_at: datetime

    @property
    def key(self) -> str:
        return self.user_id


@dataclass(frozen=True, kw_only=True)
class UserDeactivated:
    TYPE: ClassVar[str] = "se.signa.identity.UserDeactivated.v1"
    TOPIC: ClassVar[str] = TOPIC
    user_id: str
    deactivated_by: str | None
    deactivated_at: datetime

    @property
    def key(self) -> str:
        return self.user_id


# Types after which a user's earlier access tokens are refused by every service.
REVOKING_EVENT_TYPES = (RoleRevoked.TYPE, UserDeactivated.TYPE)


@dataclass(frozen=True, kw_only=True)
class RecordAccessed:
    """Someone read or changed a care recipient's data (HSLF-FS 2016:40 4 kap. 9 §). The first
    version, one recipient per event; no service emits it now, identity still stores it."""

    TYPE: ClassVar[str] = "se.signa.audit.RecordAccessed.v1"
    TOPIC: ClassVar[str] = ACCESS_TOPIC
    user_id: str
    tenant_id: str
    unit_id: str
    action: str  # e.g. "worklist.read", "signature.create"
    service: str
    accessed_at: datetime

    @property
    def key(self) -> str:
        return self.user_id


@dataclass(frozen=True, kw_only=True)
class AccessedRecord:
    tenant_id: str
    unit_id: str


@dataclass(frozen=True, kw_only=True)
class RecordsAccessed:
    """Someone read or changed these care recipients' data in one request (HSLF-FS 2016:40
    4 kap. 9 §). One event for a worklist of a hundred recipients, not a hundred: each would
    cost an outbox row, a broker message and a consumer transaction."""

    TYPE: ClassVar[str] = "se.signa.audit.RecordsAccessed.v1"
    TOPIC: ClassVar[str] = ACCESS_TOPIC
    user_id: str
    records: tuple[AccessedRecord, ...]
    action: str  # e.g. "worklist.read", "signature.create"
    service: str
    accessed_at: datetime

    @property
    def key(self) -> str:
        return self.user_id

    @classmethod
    def for_records(
        cls,
        *,
        user_id: str,
        records: Iterable[tuple[str, str]],
        action: str,
        service: str,
        at: datetime,
    ) -> list[RecordsAccessed]:
        """One event naming each distinct (tenant id, unit id) once, or none if nothing was
        touched: a worklist showing twenty occurrences of one person is one access, not twenty."""
        distinct = tuple(
            AccessedRecord(tenant_id=tenant_id, unit_id=unit_id)
            for tenant_id, unit_id in dict.fromkeys(records)
        )
        if not distinct:
            return []
        return [
            cls(user_id=user_id, records=distinct, action=action, service=service, accessed_at=at)
        ]
