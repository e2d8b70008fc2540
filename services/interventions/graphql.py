"""The interventions subgraph: the types, queries and mutations this service owns.

``Occurrence``, ``Tenant`` and ``Intervention`` are federation entities keyed by ``id``;
signing adds ``Occurrence.signature`` and alarms ``Occurrence.alarms`` in their subgraphs.
Domain errors become client errors in one place, `_client_errors`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import Enum
from typing import Any, cast

import strawberry
from sqlalchemy import Row
from strawberry.scalars import JSON

from libs.auth.principal import Principal
from libs.graphql.context import ServiceContext
from libs.graphql.errors import BadUserInput, Conflict, Forbidden, NotFound
from libs.runtime import ServiceRuntime
from services.interventions import domain, handlers, queries
from services.interventions.settings import InterventionsSettings
from services.interventions.tables import (
    AbsenceRow,
    InterventionChangeRow,
    InterventionRow,
    OccurrenceRow,
    TenantRow,
)

__all__ = ["ENTITIES", "InterventionsContext", "Mutation", "Query"]


class InterventionsContext(ServiceContext):
    def __init__(self, *, runtime: ServiceRuntime) -> None:
        super().__init__(runtime=runtime)
        self.settings = cast(InterventionsSettings, runtime.settings)


Info = strawberry.Info[InterventionsContext, None]


@contextmanager
def _client_errors() -> Iterator[None]:
    try:
        yield
    except domain.InvalidInput as error:
        raise BadUserInput(error.message) from error
    except domain.UnknownRecord as error:
        raise NotFound(error.message) from error
    except domain.NotPermitted as error:
        raise Forbidden(error.message) from error
    except domain.IllegalTransition as error:
        raise Conflict(error.message) from error


Category = strawberry.enum(domain.Category, name="InterventionCategory")
InterventionState = strawberry.enum(domain.InterventionState, name="InterventionState")
AbsenceKind = strawberry.enum(domain.AbsenceKind, name="AbsenceKind")


@strawberry.enum
class OccurrenceState(Enum):
    SCHEDULED = "SCHEDULED"
    CANCELLED = "CANCELLED"


@strawberry.type
class Schedule:
    rrule: str
    window_start: str = strawberry.field(description='Local wall time "HH:MM" of the unit.')
    window_minutes: int


@strawberry.type
class InterventionChange:
    change: str
    details: JSON
    changed_by: strawberry.ID
    changed_at: datetime

    @classmethod
    def from_row(cls, row: InterventionChangeRow) -> InterventionChange:
        return cls(
            change=row.change,
            details=cast(JSON, row.details),
            changed_by=strawberry.ID(row.changed_by),
            changed_at=row.changed_at,
        )


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
            kind=domain.AbsenceKind(row.kind),
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            registered_by=strawberry.ID(row.registered_by),
            registered_at=row.registered_at,
        )


@strawberry.federation.type(keys=["id"], description="A care recipient (hyresgäst).")
class Tenant:
    id: strawberry.ID
    unit_id: strawberry.ID
    name: str
    external_reference: str | None
    contact_person_id: strawberry.ID | None

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
        )

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
        schedule = (
            Schedule(
                rrule=row.rrule, window_start=row.window_start, window_minutes=row.window_minutes
            )
            if row.rrule is not None and row.window_start is not None and row.window_minutes
            else None
        )
        return cls(
            id=strawberry.ID(row.id),
            unit_id=strawberry.ID(row.unit_id),
            tenant_id=strawberry.ID(row.tenant_id),
            title=row.title,
            instructions=row.instructions,
            category=domain.Category(row.category),
            plan_reference=row.plan_reference,
            prn=row.prn,
            schedule=schedule,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            state=domain.InterventionState(row.state),
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

    @classmethod
    def from_rows(
        cls, occurrence: OccurrenceRow | Row[Any], *, intervention: Intervention, tenant: Tenant
    ) -> Occurrence:
        return cls(
            id=strawberry.ID(occurrence.id),
            unit_id=strawberry.ID(occurrence.unit_id),
            local_date=occurrence.local_date,
            window_start=occurrence.window_start,
            window_end=occurrence.window_end,
            state=OccurrenceState(occurrence.state),
            cancel_reason=occurrence.cancel_reason,
            cancelled_at=occurrence.cancelled_at,
            prn=False,
            intervention=intervention,
            tenant=tenant,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Occurrence | None:
        async with info.context.unit_of_work() as uow:
            item = await queries.occurrence(
                uow=uow, principal=await info.context.principal(), occurrence_id=id
            )
        return _occurrences([item])[0] if item else None


def _occurrences(items: list[queries.WorklistItem]) -> list[Occurrence]:
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
        result.append(
            Occurrence.from_rows(item.occurrence, intervention=intervention, tenant=tenant)
        )
    return result


@strawberry.type
class Query:
    @strawberry.field(description="The name of the subgraph answering; a liveness probe.")
    def interventions_service(self) -> str:
        return "interventions"

    @strawberry.field(description="The care recipients of a unit, by name.")
    async def tenants(self, info: Info, unit_id: strawberry.ID) -> list[Tenant]:
        principal = await info.context.principal()
        with _client_errors():
            async with info.context.unit_of_work() as uow:
                rows = await queries.tenants(uow=uow, principal=principal, unit_id=unit_id)
        return [Tenant.from_row(row) for row in rows]

    @strawberry.field
    async def tenant(self, info: Info, id: strawberry.ID) -> Tenant | None:
        return await Tenant.resolve_reference(info, id)

    @strawberry.field
    async def intervention(self, info: Info, id: strawberry.ID) -> Intervention | None:
        return await Intervention.resolve_reference(info, id)

    @strawberry.field(
        description="The unit's occurrences on a local date (default: today in the unit's "
        "timezone), by window start; cancelled ones only when asked for."
    )
    async def worklist(
        self,
        info: Info,
        unit_id: strawberry.ID,
        date: date | None = None,
        include_cancelled: bool = False,
    ) -> list[Occurrence]:
        principal = await info.context.principal()
        with _client_errors():
            async with info.context.unit_of_work() as uow:
                items = await queries.worklist(
                    uow=uow,
                    principal=principal,
                    unit_id=unit_id,
                    day=date,
                    include_cancelled=include_cancelled,
                )
        return _occurrences(items)


@strawberry.input
class ScheduleInput:
    rrule: str = "FREQ=DAILY"
    window_start: str = strawberry.field(description='Local wall time "HH:MM".')
    window_minutes: int

    def to_command(self) -> handlers.ScheduleInput:
        return handlers.ScheduleInput(
            rrule=self.rrule, window_start=self.window_start, window_minutes=self.window_minutes
        )


@strawberry.input
class CreateTenantInput:
    unit_id: strawberry.ID
    name: str
    external_reference: str | None = None
    contact_person_id: strawberry.ID | None = None


@strawberry.input
class CreateInterventionInput:
    tenant_id: strawberry.ID
    title: str
    category: Category  # type: ignore[valid-type]
    instructions: str = ""
    plan_reference: str | None = None
    schedule: ScheduleInput | None = None
    prn: bool = False
    valid_from: date | None = None
    valid_to: date | None = None


@strawberry.input
class UpdateInterventionScheduleInput:
    intervention_id: strawberry.ID
    schedule: ScheduleInput
    valid_to: date | None = strawberry.field(
        default=None, description="The new last valid date; null means no end."
    )


@strawberry.input
class RegisterAbsenceInput:
    tenant_id: strawberry.ID
    kind: AbsenceKind  # type: ignore[valid-type]
    starts_at: datetime = strawberry.field(name="from")
    ends_at: datetime | None = strawberry.field(name="to", default=None)


async def _caller(info: Info) -> tuple[Principal, Any]:
    return await info.context.principal(), info.context.unit_of_work()


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_tenant(self, info: Info, input: CreateTenantInput) -> Tenant:
        principal, uow = await _caller(info)
        with _client_errors():
            async with uow:
                row = await handlers.create_tenant(
                    uow=uow,
                    principal=principal,
                    unit_id=input.unit_id,
                    name=input.name,
                    external_reference=input.external_reference,
                    contact_person_id=input.contact_person_id,
                )
        return Tenant.from_row(row)

    @strawberry.mutation(description="A new intervention, in DRAFT until plan anchoring.")
    async def create_intervention(self, info: Info, input: CreateInterventionInput) -> Intervention:
        principal, uow = await _caller(info)
        command = handlers.NewIntervention(
            tenant_id=input.tenant_id,
            title=input.title,
            instructions=input.instructions,
            category=domain.Category(input.category),
            plan_reference=input.plan_reference,
            schedule=input.schedule.to_command() if input.schedule else None,
            prn=input.prn,
            valid_from=input.valid_from,
            valid_to=input.valid_to,
        )
        with _client_errors():
            async with uow:
                row = await handlers.create_intervention(command, uow=uow, principal=principal)
        return Intervention.from_row(row)

    @strawberry.mutation(description="A SoL administrator confirms the plan anchoring: ACTIVE.")
    async def confirm_plan_anchoring(
        self, info: Info, intervention_id: strawberry.ID
    ) -> Intervention:
        principal, uow = await _caller(info)
        with _client_errors():
            async with uow:
                row = await handlers.confirm_plan_anchoring(
                    uow=uow,
                    principal=principal,
                    intervention_id=intervention_id,
                    horizon_days=info.context.settings.horizon_days,
                )
        return Intervention.from_row(row)

    @strawberry.mutation
    async def pause_intervention(
        self, info: Info, intervention_id: strawberry.ID, reason: str
    ) -> Intervention:
        principal, uow = await _caller(info)
        with _client_errors():
            async with uow:
                row = await handlers.pause_intervention(
                    uow=uow, principal=principal, intervention_id=intervention_id, reason=reason
                )
        return Intervention.from_row(row)

    @strawberry.mutation
    async def resume_intervention(self, info: Info, intervention_id: strawberry.ID) -> Intervention:
        principal, uow = await _caller(info)
        with _client_errors():
            async with uow:
                row = await handlers.resume_intervention(
                    uow=uow,
                    principal=principal,
                    intervention_id=intervention_id,
                    horizon_days=info.context.settings.horizon_days,
                )
        return Intervention.from_row(row)

    @strawberry.mutation
    async def end_intervention(
        self, info: Info, intervention_id: strawberry.ID, reason: str
    ) -> Intervention:
        principal, uow = await _caller(info)
        with _client_errors():
            async with uow:
                row = await handlers.end_intervention(
                    uow=uow, principal=principal, intervention_id=intervention_id, reason=reason
                )
        return Intervention.from_row(row)

    @strawberry.mutation(
        description="A new schedule; windows not yet started are rescheduled, others kept."
    )
    async def update_intervention_schedule(
        self, info: Info, input: UpdateInterventionScheduleInput
    ) -> Intervention:
        principal, uow = await _caller(info)
        with _client_errors():
            async with uow:
                row = await handlers.change_schedule(
                    uow=uow,
                    principal=principal,
                    intervention_id=input.intervention_id,
                    schedule=input.schedule.to_command(),
                    valid_to=input.valid_to,
                    horizon_days=info.context.settings.horizon_days,
                )
        return Intervention.from_row(row)

    @strawberry.mutation(description="No occurrences while the care recipient is away.")
    async def register_absence(self, info: Info, input: RegisterAbsenceInput) -> Absence:
        principal, uow = await _caller(info)
        with _client_errors():
            async with uow:
                row = await handlers.register_absence(
                    uow=uow,
                    principal=principal,
                    tenant_id=input.tenant_id,
                    kind=domain.AbsenceKind(input.kind),
                    starts_at=input.starts_at,
                    ends_at=input.ends_at,
                )
        return Absence.from_row(row)

    @strawberry.mutation(description="Sets the end of an open absence; later windows return.")
    async def end_absence(self, info: Info, absence_id: strawberry.ID, to: datetime) -> Absence:
        principal, uow = await _caller(info)
        with _client_errors():
            async with uow:
                row = await handlers.end_absence(
                    uow=uow,
                    principal=principal,
                    absence_id=absence_id,
                    ends_at=to,
                    horizon_days=info.context.settings.horizon_days,
                )
        return Absence.from_row(row)


ENTITIES = [Occurrence, Tenant, Intervention]
