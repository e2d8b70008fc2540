"""Identity's queries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy import select

from libs.auth.principal import Role as AuthRole
from libs.graphql import errors
from services.identity import access_log, domain, notifications
from services.identity.graphql.context import IdentityInfo, caller
from services.identity.graphql.errors import translated
from services.identity.graphql.types import (
    AccessLogEntry,
    LogReview,
    Notification,
    RoleOrder,
    Unit,
    User,
    users_from_rows,
)
from services.identity.tables import (
    RoleAssignmentRow,
    RoleOrderRow,
    UnitRow,
    UserRow,
)

__all__ = ["Query"]


@strawberry.type
class Query:
    @strawberry.field(description="The name of the subgraph answering; a liveness probe.")
    def identity_service(self) -> str:
        return "identity"

    @strawberry.field
    async def me(self, info: IdentityInfo) -> User:
        principal = await caller(info)
        user = await User.load(info, principal.user_id)
        if user is None or not user.active:
            raise errors.Unauthenticated("the account no longer exists or is deactivated")
        return user

    @strawberry.field
    async def units(self, info: IdentityInfo) -> list[Unit]:
        principal = await caller(info)
        statement = select(UnitRow).order_by(UnitRow.name)
        if not principal.is_system_admin:
            statement = statement.where(UnitRow.id.in_(list(principal.unit_roles)))
        async with info.context.sessions() as session:
            return [Unit.from_row(row) for row in (await session.execute(statement)).scalars()]

    @strawberry.field
    async def users(self, info: IdentityInfo, unit_id: strawberry.ID | None = None) -> list[User]:
        principal = await caller(info)
        with translated():
            if unit_id is not None:
                domain.require_user_reader_of(principal, str(unit_id))
                units: list[str] | None = [str(unit_id)]
            elif principal.is_system_admin:
                units = None
            else:
                units = sorted(principal.units_with(AuthRole.UNIT_MANAGER, AuthRole.SOL_ADMIN))
                if not units:
                    raise domain.NotAllowed("only managers and SoL-administrators list users")
        statement = select(UserRow).order_by(UserRow.name)
        if units is not None:
            members = select(RoleAssignmentRow.user_id).where(
                RoleAssignmentRow.unit_id.in_(units), RoleAssignmentRow.revoked_at.is_(None)
            )
            statement = statement.where(UserRow.id.in_(members))
        async with info.context.sessions() as session:
            rows = list((await session.execute(statement)).scalars())
        return await users_from_rows(info, rows)

    @strawberry.field
    async def role_orders(
        self, info: IdentityInfo, pending_only: bool | None = False
    ) -> list[RoleOrder]:
        principal = await caller(info)
        statement = select(RoleOrderRow).order_by(RoleOrderRow.ordered_at.desc())
        if not principal.is_system_admin:
            managed = principal.units_with(AuthRole.UNIT_MANAGER)
            if not managed:
                with translated():
                    raise domain.NotAllowed("only managers and system administrators see orders")
            statement = statement.where(RoleOrderRow.unit_id.in_(managed))
        if pending_only:
            statement = statement.where(RoleOrderRow.state == domain.OrderState.PENDING.value)
        async with info.context.sessions() as session:
            rows = (await session.execute(statement.limit(500))).scalars()
            return [RoleOrder.from_row(row) for row in rows]

    @strawberry.field
    async def access_log(
        self,
        info: IdentityInfo,
        tenant_id: strawberry.ID | None = None,
        user_id: strawberry.ID | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
        first: int | None = 100,
    ) -> list[AccessLogEntry]:
        principal = await caller(info)
        with translated():
            rows = await access_log.read_access_log(
                sessions=info.context.sessions,
                principal=principal,
                query=access_log.AccessLogFilter(
                    tenant_id=str(tenant_id) if tenant_id else None,
                    user_id=str(user_id) if user_id else None,
                    since=from_,
                    until=to,
                    first=first if first is not None else access_log.MAX_PAGE,
                ),
            )
        return [AccessLogEntry.from_row(row) for row in rows]

    @strawberry.field(description="A random sample of a unit's access log, for spot checks.")
    async def access_log_sample(
        self,
        info: IdentityInfo,
        unit_id: strawberry.ID,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        size: int | None = 20,
    ) -> list[AccessLogEntry]:
        principal = await caller(info)
        with translated():
            rows = await access_log.sample_access_log(
                sessions=info.context.sessions,
                principal=principal,
                unit_id=str(unit_id),
                since=from_,
                until=to,
                size=size if size is not None else 20,
            )
        return [AccessLogEntry.from_row(row) for row in rows]

    @strawberry.field(
        description=(
            "Recorded log reviews, newest first (at most 100). A unit manager's: of the unit "
            "given, or of every unit they manage; a system administrator's: of the unit "
            "given, or of all units."
        )
    )
    async def log_reviews(
        self,
        info: IdentityInfo,
        unit_id: strawberry.ID | None = None,
        first: int | None = 50,
    ) -> list[LogReview]:
        principal = await caller(info)
        with translated():
            reviews = await access_log.log_reviews(
                sessions=info.context.sessions,
                principal=principal,
                unit_id=str(unit_id) if unit_id is not None else None,
                first=first if first is not None else 50,
            )
        return [LogReview.from_review(review) for review in reviews]

    @strawberry.field(
        description=(
            "The reminder e-mails sent to the unit's people, newest first (at most 100): for "
            "its unit managers and system administrators."
        )
    )
    async def notifications(
        self, info: IdentityInfo, unit_id: strawberry.ID, first: int | None = 50
    ) -> list[Notification]:
        principal = await caller(info)
        with translated():
            sent = await notifications.notifications(
                sessions=info.context.sessions,
                principal=principal,
                unit_id=str(unit_id),
                first=first if first is not None else 50,
            )
        return [Notification.from_sent(item) for item in sent]
