"""Following up alarms: acknowledge, report a deviation, assess it for Lex Sarah."""

from __future__ import annotations

import strawberry

from services.alarms import handlers, repository
from services.alarms.domain import AckOutcome as Outcome
from services.alarms.graphql.context import Info
from services.alarms.graphql.errors import translated
from services.alarms.graphql.queries import to_alarm
from services.alarms.graphql.types import AckOutcome, Alarm, Deviation

__all__ = ["Mutation"]


@strawberry.input
class AcknowledgeAlarmInput:
    alarm_id: strawberry.ID
    outcome: AckOutcome = strawberry.field(
        description=(
            "PERFORMED_NOT_SIGNED for MISSED and OUTSIDE_WINDOW; DOCUMENTATION_VERIFIED and "
            "STAFF_REMINDED for DEVIATING; DEVIATION_REPORTED (report written first) and OTHER "
            "for any kind. Another combination is BAD_USER_INPUT."
        )
    )
    comment: str | None = strawberry.field(
        default=None,
        description=(
            "Required for OTHER, and for DOCUMENTATION_VERIFIED while the documentation is not "
            "confirmed (say how it was checked); at most 2000 characters."
        ),
    )


@strawberry.input
class ReportDeviationInput:
    alarm_id: strawberry.ID
    description: str


@strawberry.input
class AssessDeviationInput:
    deviation_id: strawberry.ID
    lex_sarah: bool
    motivation: str


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Kvittera: checked and handled (SOL_ADMIN, UNIT_MANAGER).")
    async def acknowledge_alarm(self, info: Info, input: AcknowledgeAlarmInput) -> Alarm:
        principal = await info.context.principal()
        with translated():
            async with info.context.unit_of_work() as uow:
                alarm_id = await handlers.acknowledge_alarm(
                    uow,
                    principal=principal,
                    alarm_id=str(input.alarm_id),
                    outcome=Outcome(input.outcome),
                    comment=input.comment,
                )
        async with info.context.sessions() as session:
            alarm = await repository.find_alarm(session, alarm_id)
            assert alarm is not None  # alarms are never deleted
            (view,) = await repository.alarm_views(session, [alarm])
        return to_alarm(info, view)

    @strawberry.mutation(
        description="Write a deviation report for an alarm (SOL_ADMIN, UNIT_MANAGER); "
        "it is pre-filled with the occurrence, its window and signing history."
    )
    async def report_deviation(self, info: Info, input: ReportDeviationInput) -> Deviation:
        principal = await info.context.principal()
        with translated():
            async with info.context.unit_of_work() as uow:
                row = await handlers.report_deviation(
                    uow,
                    principal=principal,
                    alarm_id=str(input.alarm_id),
                    description=input.description,
                )
        return Deviation.from_row(row)

    @strawberry.mutation(description="The unit manager's Lex Sarah assessment of a deviation.")
    async def assess_deviation(self, info: Info, input: AssessDeviationInput) -> Deviation:
        principal = await info.context.principal()
        with translated():
            async with info.context.unit_of_work() as uow:
                row = await handlers.assess_deviation(
                    uow,
                    principal=principal,
                    deviation_id=str(input.deviation_id),
                    lex_sarah=input.lex_sarah,
                    motivation=input.motivation,
                    settings=info.context.settings,
                )
        return Deviation.from_row(row)
