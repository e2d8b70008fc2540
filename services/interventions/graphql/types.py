"""The subgraph's types. ``Occurrence``, ``Tenant`` and ``Intervention`` are federation
entities keyed by ``id``. Signing and alarms add ``Occurrence.signature`` and
``Occurrence.alarms``; this subgraph answers them too (``@shareable``), with the few fields of
``Signature`` and ``Alarm`` a worklist row shows, from its read models
(``services/interventions/views.py``), so a phone's worklist is one fetch.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from enum import Enum
from typing import Any, Self, cast

import strawberry
from sqlalchemy import Row
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet
from strawberry.scalars import JSON

from libs.database import members_by_value
from libs.graphql.entities import PRELOADABLE
from services.interventions import domain, queries
from services.interventions.graphql.context import Info
from services.interventions.graphql.errors import translated
from services.interventions.graphql.schedules import Schedule
from services.interventions.tables import (
    AbsenceRow,
    InterventionChangeRow,
    InterventionRow,
    OccurrenceRow,
    TenantChangeRow,
    TenantRow,
)

__all__ = [
    "ENTITIES",
    "Absence",
    "AbsenceKind",
    "Alarm",
    "Category",
    "Intervention",
    "InterventionChange",
    "Occurrence",
    "Signature",
    "Tenant",
    "TenantChange",
    "occurrences",
]


Category = strawberry.enum(domain.Category, name="InterventionCategory")
InterventionState = strawberry.enum(domain.InterventionState, name="InterventionState")
AbsenceKind = strawberry.enum(domain.AbsenceKind, name="AbsenceKind")


@strawberry.enum
class OccurrenceState(Enum):
    SCHEDULED = "SCHEDULED"
    CANCELLED = "CANCELLED"


# Signing's and alarms' enums, as their subgraphs declare them (names and values fixed by
# DESIGN §5).
@strawberry.enum
class SigningStatus(Enum):
    DONE = "DONE"
    NOT_DONE = "NOT_DONE"
    NOT_HOME = "NOT_HOME"
    DECLINED = "DECLINED"


@strawberry.enum
class SignatureTiming(Enum):
    ON_TIME = "ON_TIME"
    EARLY = "EARLY"
    LATE = "LATE"


@strawberry.enum
class AlarmKind(Enum):
    MISSED = "MISSED"
    OUTSIDE_WINDOW = "OUTSIDE_WINDOW"
    DEVIATING = "DEVIATING"


@strawberry.enum
class AlarmState(Enum):
    OPEN = "OPEN"
    ACKNOWLEDGED = "ACKNOWLEDGED"


# A worklist turns thousands of stored values back into members.
_ABSENCE_KINDS = members_by_value(domain.AbsenceKind)
_CATEGORIES = members_by_value(domain.Category)
_INTERVENTION_STATES = members_by_value(domain.InterventionState)
_OCCURRENCE_STATES = members_by_value(OccurrenceState)
_SIGNING_STATUSES = members_by_value(SigningStatus)
_TIMINGS = members_by_value(SignatureTiming)
_ALARM_KINDS = members_by_value(AlarmKind)

# Signatures and alarms are signing's and the alarms service's entities: this subgraph cannot
# look one up by id, only show these fields where it reaches one from an occurrence.
_OWNED_ELSEWHERE = [Key(fields=FieldSet("id"), resolvable=False)]


@strawberry.federation.type(keys=_OWNED_ELSEWHERE)
class Signature:
    id: strawberry.ID
    status: SigningStatus = strawberry.federation.field(shareable=True)
    timing: SignatureTiming | None = strawberry.federation.field(shareable=True)
    signed_at: datetime = strawberry.federation.field(shareable=True)


@strawberry.federation.type(keys=_OWNED_ELSEWHERE)
class Alarm:
    id: strawberry.ID
    kind: AlarmKind = strawberry.federation.field(shareable=True)
    state: AlarmState = strawberry.federation.field(shareable=True)


# A status or kind this subgraph's schema does not know yet (signing or alarms deployed first
# with a new one) is left out of the worklist rather than failing every worklist read.


def _signature(record: Any) -> Signature | None:
    """The worklist's signature from a ``views.signatures_of`` record (or None)."""
    if record is None or record.status not in _SIGNING_STATUSES:
        return None
    return Signature(
        id=strawberry.ID(record.signature_id),
        status=_SIGNING_STATUSES[record.status],
        timing=_TIMINGS.get(record.timing),
        signed_at=record.signed_at,
    )


def _alarms(records: list[Any]) -> list[Alarm]:
    """The worklist's alarms from ``views.alarms_of`` records."""
    return [
        Alarm(
            id=strawberry.ID(record.alarm_id),
            kind=_ALARM_KINDS[record.kind],
            state=AlarmState.ACKNOWLEDGED if record.acknowledged else AlarmState.OPEN,
        )
        for record in records
        if record.kind in _ALARM_KINDS
    ]


@strawberry.type
class InterventionChange:
    change: str
    details: JSON
    changed_by: strawberry.ID
    changed_at: datetime

    @classmethod
    def from_row(cls, row: InterventionChangeRow | TenantChangeRow) -> Self:
        return cls(
            change=row.change,
            details=cast(JSON, row.details),
            changed_by=strawberry.ID(row.changed_by),
            changed_at=row.changed_at,
        )


@strawberry.type(
    description="A change of a care recipient: REGISTERED, UPDATED (details: before, after), "
    "MOVED_OUT (details: movedOutAt, reason)."
)
class TenantChange(InterventionChange):
    pass


@strawberry.type
class Absence:
    id: strawberry.ID
    tenant_id: strawberry.ID
    kind: AbsenceKind  # type: ignore[valid-type]
    starts_at: datetime = strawberry.field(name="from")
    ends_at: datetime | None = strawberry.field(name="to")
    registered_by: strawberry.ID
    registered_at: datetime

    @classmethod
    def from_row(cls, row: AbsenceRow) -> Absence:
        return cls(
            id=strawberry.ID(row.id),
            tenant_id=strawberry.ID(row.tenant_id),
            kind=_ABSENCE_KINDS[row.kind],
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            registered_by=strawberry.ID(row.registered_by),
            registered_at=row.registered_at,
        )

    @strawberry.field(
        description="The occurrences this absence cancelled, by window start, except those "
        f"whose window was scheduled again (the absence ended before it); the first "
        f"{queries.MAX_PAGE} at most."
    )
    async def cancelled_occurrences(
        self, info: Info, first: int | None = queries.MAX_PAGE
    ) -> list[Occurrence]:
        with translated():
            items = await queries.cancelled_by(
                sessions=info.context.sessions,
                absence_id=self.id,
                first=queries.MAX_PAGE if first is None else first,
            )
        return occurrences(items)


@strawberry.federation.type(keys=["id"], description="A care recipient (hyresgäst).")
class Tenant:
    id: strawberry.ID
    unit_id: strawberry.ID
    name: str
    external_reference: str | None
    contact_person_id: strawberry.ID | None
    moved_out_at: date | None = strawberry.field(
        description="The unit's local date the care recipient moved out; null while living here."
    )
    move_out_reason: str | None

    @classmethod
    def from_row(cls, row: TenantRow | Row[Any]) -> Tenant:
        return cls(
            id=strawberry.ID(row.id),
            unit_id=strawberry.ID(row.unit_id),
            name=row.name,
            external_reference=row.external_reference,
            contact_person_id=strawberry.ID(row.contact_person_id)
            if row.contact_person_id
            else None,
            moved_out_at=row.moved_out_at,
            move_out_reason=row.move_out_reason,
        )

    @strawberry.field(description="Who changed what, and when; oldest first.")
    async def history(self, info: Info) -> list[TenantChange]:
        rows = await queries.tenant_history_of(sessions=info.context.sessions, tenant_id=self.id)
        return [TenantChange.from_row(row) for row in rows]

    @strawberry.field
    async def interventions(self, info: Info) -> list[Intervention]:
        rows = await queries.interventions_of(sessions=info.context.sessions, tenant_id=self.id)
        return [Intervention.from_row(row, tenant=self) for row in rows]

    @strawberry.field
    async def absences(self, info: Info) -> list[Absence]:
        rows = await queries.absences_of(sessions=info.context.sessions, tenant_id=self.id)
        return [Absence.from_row(row) for row in rows]

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Tenant | None:
        async with info.context.unit_of_work() as uow:
            row = await queries.tenant(
                uow=uow, principal=await info.context.principal(), tenant_id=id
            )
        return cls.from_row(row) if row else None


@strawberry.federation.type(keys=["id"], description="An intervention (insats) for a tenant.")
class Intervention:
    id: strawberry.ID
    unit_id: strawberry.ID
    tenant_id: strawberry.ID
    title: str
    instructions: str
    category: Category  # type: ignore[valid-type]
    plan_reference: str | None
    prn: bool
    schedule: Schedule | None
    valid_from: date
    valid_to: date | None
    state: InterventionState  # type: ignore[valid-type]
    state_reason: str | None
    anchored_by: strawberry.ID | None
    anchored_at: datetime | None
    created_by: strawberry.ID
    created_at: datetime
    known_tenant: strawberry.Private[Tenant | None] = None

    @classmethod
    def from_row(
        cls, row: InterventionRow | Row[Any], *, tenant: Tenant | None = None
    ) -> Intervention:
        return cls(
            id=strawberry.ID(row.id),
            unit_id=strawberry.ID(row.unit_id),
            tenant_id=strawberry.ID(row.tenant_id),
            title=row.title,
            instructions=row.instructions,
            category=_CATEGORIES[row.category],
            plan_reference=row.plan_reference,
            prn=row.prn,
            schedule=Schedule.of(row),
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            state=_INTERVENTION_STATES[row.state],
            state_reason=row.state_reason,
            anchored_by=strawberry.ID(row.anchored_by) if row.anchored_by else None,
            anchored_at=row.anchored_at,
            created_by=strawberry.ID(row.created_by),
            created_at=row.created_at,
            known_tenant=tenant,
        )

    @strawberry.field
    async def tenant(self, info: Info) -> Tenant:
        if self.known_tenant is None:
            row = await queries.tenant_row(sessions=info.context.sessions, tenant_id=self.tenant_id)
            assert row is not None  # interventions reference tenants by foreign key
            self.known_tenant = Tenant.from_row(row)
        return self.known_tenant

    @strawberry.field(description="Who changed what, and when; oldest first.")
    async def history(self, info: Info) -> list[InterventionChange]:
        rows = await queries.history_of(sessions=info.context.sessions, intervention_id=self.id)
        return [InterventionChange.from_row(row) for row in rows]

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Intervention | None:
        async with info.context.unit_of_work() as uow:
            row = await queries.intervention(
                uow=uow, principal=await info.context.principal(), intervention_id=id
            )
        return cls.from_row(row) if row else None


@strawberry.federation.type(
    keys=["id"], description="One planned window [windowStart, windowEnd) of an intervention."
)
class Occurrence:
    id: strawberry.ID
    unit_id: strawberry.ID
    local_date: date = strawberry.field(description="The unit's local date the window starts on.")
    window_start: datetime
    window_end: datetime
    state: OccurrenceState
    cancel_reason: str | None
    cancelled_at: datetime | None
    prn: bool
    intervention: Intervention
    tenant: Tenant
    # What the worklist loaded with it: field name -> value (see `occurrences`).
    preloaded: strawberry.Private[dict[str, Any]] = dataclasses.field(default_factory=dict)

    @strawberry.federation.field(
        shareable=True,
        metadata=PRELOADABLE,
        description="The current signature; null while unsigned or annulled.",
    )
    async def signature(self, info: Info) -> Signature | None:
        if "signature" in self.preloaded:
            preloaded: Signature | None = self.preloaded["signature"]
            return preloaded
        return _signature(await info.context.signatures.load(str(self.id)))

    @strawberry.federation.field(
        shareable=True,
        metadata=PRELOADABLE,
        description="Alarms of the occurrence in units the caller may see.",
    )
    async def alarms(self, info: Info) -> list[Alarm]:
        if "alarms" in self.preloaded:
            preloaded: list[Alarm] = self.preloaded["alarms"]
            return preloaded
        return _alarms(await info.context.alarms.load(str(self.id)))

    @classmethod
    def from_rows(
        cls,
        occurrence: OccurrenceRow | Row[Any],
        *,
        intervention: Intervention,
        tenant: Tenant,
        preloaded: dict[str, Any] | None = None,
    ) -> Occurrence:
        return cls(
            id=strawberry.ID(occurrence.id),
            unit_id=strawberry.ID(occurrence.unit_id),
            local_date=occurrence.local_date,
            window_start=occurrence.window_start,
            window_end=occurrence.window_end,
            state=_OCCURRENCE_STATES[occurrence.state],
            cancel_reason=occurrence.cancel_reason,
            cancelled_at=occurrence.cancelled_at,
            prn=False,
            intervention=intervention,
            tenant=tenant,
            preloaded=preloaded or {},
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Occurrence | None:
        async with info.context.unit_of_work() as uow:
            item = await queries.occurrence(
                uow=uow, principal=await info.context.principal(), occurrence_id=id
            )
        return occurrences([item])[0] if item else None


def occurrences(items: list[queries.WorklistItem]) -> list[Occurrence]:
    # One object per tenant and intervention, however many occurrences share them.
    tenants: dict[str, Tenant] = {}
    interventions: dict[str, Intervention] = {}
    result = []
    for item in items:
        tenant = tenants.get(item.tenant.id) or tenants.setdefault(
            item.tenant.id, Tenant.from_row(item.tenant)
        )
        intervention = interventions.get(item.intervention.id) or interventions.setdefault(
            item.intervention.id, Intervention.from_row(item.intervention, tenant=tenant)
        )
        preloaded: dict[str, Any] = {}
        if "signature" in item.views:
            preloaded["signature"] = _signature(item.views["signature"])
        if "alarms" in item.views:
            preloaded["alarms"] = _alarms(item.views["alarms"])
        result.append(
            Occurrence.from_rows(
                item.occurrence, intervention=intervention, tenant=tenant, preloaded=preloaded
            )
        )
    return result


ENTITIES = [Occurrence, Tenant, Intervention]
