"""The subgraph's mutations: each runs one command in one unit of work."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from libs.auth.principal import Principal
from libs.messaging.unit_of_work import UnitOfWork
from services.interventions import absences, domain, handlers, tenants
from services.interventions.graphql.context import Info
from services.interventions.graphql.errors import translated
from services.interventions.graphql.schedules import ScheduleInput
from services.interventions.graphql.types import (
    Absence,
    AbsenceKind,
    Category,
    Intervention,
    Tenant,
)

__all__ = ["Mutation"]


@strawberry.input
class CreateTenantInput:
    unit_id: strawberry.ID
    name: str
    external_reference: str | None = None
    contact_person_id: strawberry.ID | None = None


@strawberry.input(description="The fields given change; those left out stay as they are.")
class UpdateTenantInput:
    tenant_id: strawberry.ID
    name: str | None = strawberry.UNSET
    external_reference: str | None = strawberry.field(
        default=strawberry.UNSET, description="null or blank removes it."
    )

    def changes(self) -> dict[str, str | None]:
        given = {"name": self.name, "external_reference": self.external_reference}
        return {key: value for key, value in given.items() if value is not strawberry.UNSET}


@strawberry.input
class MoveOutTenantInput:
    tenant_id: strawberry.ID
    reason: str
    moved_out_at: date | None = strawberry.field(
        default=None,
        description="The unit's local date of the move-out: today (the default) or earlier.",
    )


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


async def _caller(info: Info) -> tuple[Principal, UnitOfWork]:
    return await info.context.principal(), info.context.unit_of_work()


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_tenant(self, info: Info, input: CreateTenantInput) -> Tenant:
        principal, uow = await _caller(info)
        with translated():
            async with uow:
                row = await tenants.create_tenant(
                    uow=uow,
                    principal=principal,
                    unit_id=input.unit_id,
                    name=input.name,
                    external_reference=input.external_reference,
                    contact_person_id=input.contact_person_id,
                )
        return Tenant.from_row(row)

    @strawberry.mutation(description="Changes a care recipient's name or external reference.")
    async def update_tenant(self, info: Info, input: UpdateTenantInput) -> Tenant:
        principal, uow = await _caller(info)
        with translated():
            async with uow:
                row = await tenants.update_tenant(
                    uow=uow, principal=principal, tenant_id=input.tenant_id, **input.changes()
                )
        return Tenant.from_row(row)

    @strawberry.mutation(
        description="The care recipient moved out: every intervention not ended ends with the "
        "reason (as endIntervention), later windows are cancelled, the history is kept."
    )
    async def move_out_tenant(self, info: Info, input: MoveOutTenantInput) -> Tenant:
        principal, uow = await _caller(info)
        with translated():
            async with uow:
                row = await tenants.move_out_tenant(
                    uow=uow,
                    principal=principal,
                    tenant_id=input.tenant_id,
                    reason=input.reason,
                    moved_out_at=input.moved_out_at,
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
        with translated():
            async with uow:
                row = await handlers.create_intervention(command, uow=uow, principal=principal)
        return Intervention.from_row(row)

    @strawberry.mutation(description="A SoL administrator confirms the plan anchoring: ACTIVE.")
    async def confirm_plan_anchoring(
        self, info: Info, intervention_id: strawberry.ID
    ) -> Intervention:
        principal, uow = await _caller(info)
        with translated():
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
        with translated():
            async with uow:
                row = await handlers.pause_intervention(
                    uow=uow, principal=principal, intervention_id=intervention_id, reason=reason
                )
        return Intervention.from_row(row)

    @strawberry.mutation
    async def resume_intervention(self, info: Info, intervention_id: strawberry.ID) -> Intervention:
        principal, uow = await _caller(info)
        with translated():
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
        with translated():
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
        with translated():
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
        with translated():
            async with uow:
                row = await absences.register_absence(
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
        with translated():
            async with uow:
                row = await absences.end_absence(
                    uow=uow,
                    principal=principal,
                    absence_id=absence_id,
                    ends_at=to,
                    horizon_days=info.context.settings.horizon_days,
                )
        return Absence.from_row(row)
