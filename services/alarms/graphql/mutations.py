"""Following up alarms: acknowledge, report a deviation, assess it for Lex Sarah."""

from __future__ import annotations

import strawberry

from services.alarms import handlers, repository
from services.alarms.domain import AckOutcome as Outcome
from services.alarms.graphql.context import Info
from services.alarms.graphql.errors import translated
from services.alarms.graphql.queries import to_alarm
from services.alarms.graphql.types import AckOutcome, Alarm, Deviation, FollowUpNote

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


@strawberry.input
class AddFollowUpNoteInput:
    alarm_id: strawberry.ID | None = strawberry.field(
        default=None, description="The alarm followed up; give this or deviationId, not both."
    )
    deviation_id: strawberry.ID | None = strawberry.field(
        default=None, description="The deviation report followed up."
    )
    text: str = strawberry.field(
        description="What was done, with whom: 1 to 4000 characters (trimmed)."
    )


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

    @strawberry.mutation(
        description=(
            "Note a follow-up with the staff on an alarm or a deviation report (SOL_ADMIN, "
            "UNIT_MANAGER); notes are appended, never changed, and written by and when are kept."
        )
    )
    async def add_follow_up_note(self, info: Info, input: AddFollowUpNoteInput) -> FollowUpNote:
        principal = await info.context.principal()
        with translated():
            async with info.context.unit_of_work() as uow:
                row = await handlers.add_follow_up_note(
                    uow,
                    principal=principal,
                    alarm_id=str(input.alarm_id) if input.alarm_id is not None else None,
                    deviation_id=str(input.deviation_id)
                    if input.deviation_id is not None
                    else None,
                    text=input.text,
                )
        return FollowUpNote.from_row(row)
