"""Reading alarms: the list, one alarm, an occurrence's alarms, the overview, deviations, report."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, TypeVar

import strawberry

from libs.graphql.errors import BadUserInput
from libs.messaging.unit_of_work import UnitOfWork
from services.alarms import handlers, repository
from services.alarms.access import FOLLOW_UP, READ, record_access, require
from services.alarms.domain import AlarmKind, AlarmNotFound, AlarmState, week_began
from services.alarms.graphql.context import Info
from services.alarms.graphql.errors import translated
from services.alarms.graphql.types import (
    Alarm,
    AlarmConnection,
    AlarmCounts,
    AlarmEdge,
    AlarmOverview,
    ComplianceReport,
    ComplianceRow,
    Deviation,
    PageInfo,
    SignerComplianceRow,
)
from services.alarms.repository import AlarmView
from services.alarms.tables import AlarmRow

__all__ = ["Query", "alarm_by_id", "alarms_by_ids", "alarms_of_occurrences"]

MAX_PAGE = 100

Row = TypeVar("Row")


def _unit_missing(unit_id: str) -> AlarmNotFound:
    return AlarmNotFound(f"no unit {unit_id} among yours")


def to_alarm(info: Info, view: AlarmView) -> Alarm:
    settings = info.context.settings
    return Alarm.from_view(view, now=info.context.clock.now(), overdue_after=settings.overdue_after)


async def alarms_by_ids(info: Info, alarm_ids: list[str]) -> list[Alarm | None]:
    """The gateway's references to alarms (a worklist's, in one ``_entities`` call): one
    transaction and query; None for an alarm that does not exist or that the caller may not see."""
    async with info.context.unit_of_work() as uow:
        views = await _visible(uow, info, await repository.find_alarms(uow.session, alarm_ids))
    found = {view.alarm.alarm_id: to_alarm(info, view) for view in views}
    return [found.get(alarm_id) for alarm_id in alarm_ids]


async def alarm_by_id(info: Info, alarm_id: str) -> Alarm | None:
    (alarm,) = await alarms_by_ids(info, [alarm_id])
    return alarm


async def alarms_of_occurrences(info: Info, occurrence_ids: list[str]) -> list[list[Alarm]]:
    """Batched for the worklist: one transaction, one query, one access-log entry per care
    recipient — not one of each per occurrence."""
    async with info.context.unit_of_work() as uow:
        rows = await repository.alarms_of_occurrences(uow.session, occurrence_ids)
        views = await _visible(uow, info, rows)
    by_occurrence: dict[str, list[Alarm]] = {occurrence_id: [] for occurrence_id in occurrence_ids}
    for view in views:
        by_occurrence[view.alarm.occurrence_id].append(to_alarm(info, view))
    return [by_occurrence[occurrence_id] for occurrence_id in occurrence_ids]


async def _visible(uow: UnitOfWork, info: Info, rows: list[AlarmRow]) -> list[AlarmView]:
    """The views of the alarms the caller may read, their reading logged; commits."""
    principal = await info.context.principal()
    rows = [row for row in rows if principal.has_role(row.unit_id, *READ)]
    views = await repository.alarm_views(uow.session, rows)
    for unit_id in {row.unit_id for row in rows}:
        await record_access(
            uow,
            principal=principal,
            unit_id=unit_id,
            tenant_ids=[row.tenant_id for row in rows if row.unit_id == unit_id],
            action="alarm.read",
        )
    await uow.commit()
    return views


async def _period_report(
    info: Info,
    handler: Callable[..., Awaitable[list[Row]]],
    *,
    unit_id: str,
    start: date,
    end: date,
) -> list[Row]:
    """A report handler's rows for a unit and period, in one unit of work."""
    principal = await info.context.principal()
    with translated():
        async with info.context.unit_of_work() as uow:
            return await handler(
                uow,
                principal=principal,
                unit_id=unit_id,
                start=start,
                end=end,
                settings=info.context.settings,
            )


@strawberry.type
class Query:
    @strawberry.field(
        description=(
            "A unit's alarms, newest first (at most 100 per page); the filters combine, and "
            "`totalCount` counts every alarm they match."
        )
    )
    async def alarms(
        self,
        info: Info,
        unit_id: strawberry.ID,
        state: AlarmState | None = None,
        kind: AlarmKind | None = None,
        first: int | None = 50,
        after: str | None = None,
        overdue: Annotated[
            bool | None,
            strawberry.argument(
                description="true: open alarms past the follow-up limit only; false: the rest."
            ),
        ] = None,
        tenant_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="One care recipient's (of another unit: none)."),
        ] = None,
        from_: Annotated[
            date | None,
            strawberry.argument(
                name="from",
                description=(
                    "First unit-local day of the occurrence's window (inclusive); "
                    "with `to` at most 366 days."
                ),
            ),
        ] = None,
        to: Annotated[
            date | None,
            strawberry.argument(description="Last unit-local day of the window (inclusive)."),
        ] = None,
        undocumented: Annotated[
            bool | None,
            strawberry.argument(
                description=(
                    "true: open DEVIATING alarms whose signature stands, with its documentation "
                    "not confirmed longer than the limit (24 h by default) after signing; "
                    "false: the rest."
                )
            ),
        ] = None,
        signed_by: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description=(
                    "Alarms whose signature (the one that raised it, or a MISSED alarm's late "
                    "one) this user signed; a MISSED alarm nobody signed has no signer."
                )
            ),
        ] = None,
        escalated: Annotated[
            bool | None,
            strawberry.argument(
                description=(
                    "true: alarms escalated to the unit manager (escalatedAt set), acknowledged "
                    "since or not; false: never escalated."
                )
            ),
        ] = None,
    ) -> AlarmConnection:
        principal = await info.context.principal()
        with translated():
            first = 50 if first is None else first
            if not 1 <= first <= MAX_PAGE:
                raise BadUserInput(f"first must be between 1 and {MAX_PAGE}")
            cursor = repository.decode_cursor(after) if after else None
            async with info.context.unit_of_work() as uow:
                page, views = await handlers.list_alarms(
                    uow,
                    principal=principal,
                    query=repository.AlarmFilter(
                        unit_id=unit_id,
                        state=AlarmState(state) if state else None,
                        kind=AlarmKind(kind) if kind else None,
                        tenant_id=str(tenant_id) if tenant_id is not None else None,
                        overdue=overdue,
                        first_day=from_,
                        last_day=to,
                        undocumented=undocumented,
                        signed_by=str(signed_by) if signed_by is not None else None,
                        escalated=escalated,
                    ),
                    first=first,
                    after=cursor,
                    settings=info.context.settings,
                )
        nodes = [to_alarm(info, view) for view in views]
        return AlarmConnection(
            edges=[
                AlarmEdge(node=node, cursor=repository.encode_cursor(row))
                for node, row in zip(nodes, page.alarms, strict=True)
            ],
            nodes=nodes,
            page_info=PageInfo(end_cursor=page.end_cursor, has_next_page=page.has_next),
            total_count=page.total,
        )

    @strawberry.field(description="One alarm, or null if it does not exist or is not yours.")
    async def alarm(self, info: Info, id: strawberry.ID) -> Alarm | None:
        return await alarm_by_id(info, str(id))

    @strawberry.field(description="Open alarms by kind, overdue, oldest open, last follow-up.")
    async def alarm_overview(self, info: Info, unit_id: strawberry.ID) -> AlarmOverview:
        principal = await info.context.principal()
        with translated():
            require(principal, unit_id=unit_id, roles=READ, missing=_unit_missing(unit_id))
        now = info.context.clock.now()
        settings = info.context.settings
        async with info.context.sessions() as session:
            zone = await repository.unit_zone(
                session, unit_id=unit_id, default=settings.default_timezone
            )
            figures = await repository.overview(
                session,
                unit_id=unit_id,
                limits=handlers.limits(settings, now=now),
                week_began=week_began(now=now, zone=zone),
            )
        counts = figures.open_by_kind
        return AlarmOverview(
            unit_id=unit_id,
            open=AlarmCounts(
                missed=counts[AlarmKind.MISSED],
                outside_window=counts[AlarmKind.OUTSIDE_WINDOW],
                deviating=counts[AlarmKind.DEVIATING],
                total=sum(counts.values()),
            ),
            acknowledged=figures.acknowledged,
            acknowledged_this_week=figures.acknowledged_since_week_began,
            overdue=figures.overdue,
            escalated=figures.escalated,
            undocumented=figures.undocumented,
            oldest_open_raised_at=figures.oldest_open_raised_at,
            last_acknowledged_at=figures.last_acknowledged_at,
        )

    @strawberry.field(description="The unit's deviation reports, newest first.")
    async def deviations(self, info: Info, unit_id: strawberry.ID) -> list[Deviation]:
        principal = await info.context.principal()
        with translated():
            require(principal, unit_id=unit_id, roles=FOLLOW_UP, missing=_unit_missing(unit_id))
        async with info.context.unit_of_work() as uow:
            rows = await repository.list_deviations(uow.session, unit_id=unit_id)
            await record_access(
                uow,
                principal=principal,
                unit_id=unit_id,
                tenant_ids=[row.tenant_id for row in rows],
                action="deviations.read",
            )
            await uow.commit()
        return [Deviation.from_row(row) for row in rows]

    @strawberry.field(description="Signing compliance per day and intervention, with totals.")
    async def compliance_report(
        self,
        info: Info,
        unit_id: strawberry.ID,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
    ) -> ComplianceReport:
        figures = await _period_report(
            info, handlers.compliance_report, unit_id=unit_id, start=from_, end=to
        )
        rows = [ComplianceRow.from_figures(row) for row in figures]
        return ComplianceReport(unit_id=unit_id, from_=from_, to=to, rows=rows[:-1], total=rows[-1])

    @strawberry.field(
        description=(
            "The compliance report per signer, for following up with each staff member "
            "(SOL_ADMIN, UNIT_MANAGER): signers with the most signatures first, then the "
            "unit's row (signer null) with the windows nobody signed."
        )
    )
    async def compliance_by_signer(
        self,
        info: Info,
        unit_id: strawberry.ID,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
    ) -> list[SignerComplianceRow]:
        figures = await _period_report(
            info, handlers.compliance_by_signer, unit_id=unit_id, start=from_, end=to
        )
        return [SignerComplianceRow.from_figures(row) for row in figures]
