"""The identity subgraph: types, queries and mutations of the public graph this service owns.

`User` and `Unit` are federation entities (key ``id``) that the other subgraphs reference.
Domain errors become client errors in one place, `translated_errors`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from libs.auth.principal import Principal
from libs.auth.principal import Role as AuthRole
from libs.auth.verifier import TokenVerifier
from libs.graphql import errors
from libs.graphql.context import ServiceContext
from libs.runtime import ServiceRuntime
from services.identity import access_log, authentication, domain, handlers, repository
from services.identity.handlers import Deps, NewUser
from services.identity.tables import (
    AccessLogRow,
    LogReviewRow,
    RoleAssignmentRow,
    RoleOrderRow,
    UnitRow,
    UserRow,
)

__all__ = ["IdentityContext", "Mutation", "Query", "Unit", "User"]

Role = strawberry.enum(AuthRole, name="Role")


@strawberry.enum
class RoleOrderAction(Enum):
    GRANT = "GRANT"
    REVOKE = "REVOKE"


@strawberry.enum
class RoleOrderState(Enum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class IdentityContext(ServiceContext):
    """Adds identity's use-case dependencies and the caller's network address."""

    def __init__(self, *, runtime: ServiceRuntime, deps: Deps, verifier: TokenVerifier) -> None:
        super().__init__(runtime=runtime)
        self.deps = deps
        # Identity verifies with its own keys in-process (see app.py).
        self._verifier = verifier

    def client_address(self) -> str:
        """The first ``x-forwarded-for`` hop (the gateway's client), else the socket peer."""
        if self.request is None:
            return "unknown"
        forwarded = self.request.headers.get("x-forwarded-for")
        if forwarded:
            first = forwarded.split(",")[0].strip()
            if first:
                return first
        return self.request.client.host if self.request.client else "unknown"


IdentityInfo = Info[IdentityContext, None]


@contextlib.contextmanager
def translated_errors() -> Iterator[None]:
    """The one place where identity's domain errors become GraphQL errors."""
    try:
        yield
    except domain.InvalidInput as error:
        details = {"field": error.field} if error.field else {}
        raise errors.BadUserInput(error.message, **details) from None
    except domain.NotFound as error:
        raise errors.NotFound(error.message) from None
    except domain.NotAllowed as error:
        raise errors.Forbidden(error.message) from None
    except domain.StateConflict as error:
        raise errors.Conflict(error.message) from None
    except domain.LockedOut as error:
        raise errors.Unauthenticated(
            error.message,
            reason="LOCKED_OUT",
            retryAfterSeconds=max(1, int(error.retry_after.total_seconds()) + 1),
        ) from None
    except (domain.InvalidCredentials, domain.InvalidSession) as error:
        raise errors.Unauthenticated(error.message) from None


async def _principal(info: IdentityInfo) -> Principal:
    return await info.context.principal()


def _may_see_contact(viewer: Principal, user_id: str, roles: list[RoleAssignmentRow]) -> bool:
    if viewer.is_system_admin or viewer.user_id == user_id:
        return True
    managed = viewer.units_with(AuthRole.UNIT_MANAGER)
    return any(row.unit_id in managed for row in roles)


@strawberry.federation.type(keys=["id"], description="A unit (enhet) of elderly care.")
class Unit:
    id: strawberry.ID
    name: str
    timezone: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: UnitRow) -> Unit:
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            timezone=row.timezone,
            created_at=row.created_at,
        )

    @classmethod
    async def resolve_reference(cls, id: strawberry.ID, info: IdentityInfo) -> Unit | None:
        await _principal(info)
        async with info.context.sessions() as session:
            row = await repository.get_unit(session, str(id))
        return cls.from_row(row) if row else None


@strawberry.type
class RoleAssignment:
    role: Role  # type: ignore[valid-type]
    unit_id: strawberry.ID | None
    granted_at: datetime

    @strawberry.field
    async def unit(self, info: IdentityInfo) -> Unit | None:
        if self.unit_id is None:
            return None
        async with info.context.sessions() as session:
            row = await repository.get_unit(session, str(self.unit_id))
        return Unit.from_row(row) if row else None


@strawberry.federation.type(keys=["id"], description="A person who uses Signa.")
class User:
    id: strawberry.ID
    name: str
    username: str
    active: bool
    activated: bool
    roles: list[RoleAssignment]
    contact: strawberry.Private[str]
    visible_contact: strawberry.Private[bool]

    @strawberry.field(description="Shown to the user, system administrators and their managers.")
    def email(self) -> str | None:
        return self.contact if self.visible_contact else None

    @classmethod
    def from_row(cls, row: UserRow, roles: list[RoleAssignmentRow], viewer: Principal) -> User:
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            username=row.username,
            active=row.active,
            activated=row.password_hash is not None,
            roles=[
                RoleAssignment(
                    role=AuthRole(r.role),
                    unit_id=strawberry.ID(r.unit_id) if r.unit_id else None,
                    granted_at=r.granted_at,
                )
                for r in roles
            ],
            contact=row.email,
            visible_contact=_may_see_contact(viewer, row.id, roles),
        )

    @classmethod
    async def load(cls, info: IdentityInfo, user_id: str) -> User | None:
        viewer = await _principal(info)
        async with info.context.sessions() as session:
            row = await repository.get_user(session, user_id)
            roles = await repository.current_roles(session, user_id) if row else []
        return cls.from_row(row, roles, viewer) if row else None

    @classmethod
    async def resolve_reference(cls, id: strawberry.ID, info: IdentityInfo) -> User | None:
        return await cls.load(info, str(id))


async def _users(info: IdentityInfo, rows: list[UserRow]) -> list[User]:
    viewer = await _principal(info)
    async with info.context.sessions() as session:
        roles = await repository.roles_by_user(session, [row.id for row in rows])
    return [User.from_row(row, roles[row.id], viewer) for row in rows]


@strawberry.type
class RoleOrder:
    id: strawberry.ID
    role: Role  # type: ignore[valid-type]
    action: RoleOrderAction
    state: RoleOrderState
    unit_id: strawberry.ID
    user_id: strawberry.ID
    ordered_by_id: strawberry.ID
    ordered_at: datetime
    decided_by_id: strawberry.ID | None
    decided_at: datetime | None
    reason: str | None = strawberry.field(description="Why the order was rejected.")

    @classmethod
    def from_row(cls, row: RoleOrderRow) -> RoleOrder:
        return cls(
            id=strawberry.ID(row.id),
            role=AuthRole(row.role),
            action=RoleOrderAction(row.action),
            state=RoleOrderState(row.state),
            unit_id=strawberry.ID(row.unit_id),
            user_id=strawberry.ID(row.user_id),
            ordered_by_id=strawberry.ID(row.ordered_by),
            ordered_at=row.ordered_at,
            decided_by_id=strawberry.ID(row.decided_by) if row.decided_by else None,
            decided_at=row.decided_at,
            reason=row.reason,
        )

    @strawberry.field
    async def user(self, info: IdentityInfo) -> User | None:
        return await User.load(info, str(self.user_id))

    @strawberry.field
    async def unit(self, info: IdentityInfo) -> Unit | None:
        async with info.context.sessions() as session:
            row = await repository.get_unit(session, str(self.unit_id))
        return Unit.from_row(row) if row else None

    @strawberry.field
    async def ordered_by(self, info: IdentityInfo) -> User | None:
        return await User.load(info, str(self.ordered_by_id))

    @strawberry.field
    async def decided_by(self, info: IdentityInfo) -> User | None:
        return await User.load(info, str(self.decided_by_id)) if self.decided_by_id else None


@strawberry.type
class AuthSession:
    access_token: str
    expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    user_id: strawberry.ID

    @classmethod
    def from_tokens(cls, tokens: authentication.AuthTokens) -> AuthSession:
        return cls(
            access_token=tokens.access_token,
            expires_at=tokens.expires_at,
            refresh_token=tokens.refresh_token,
            refresh_expires_at=tokens.refresh_expires_at,
            user_id=strawberry.ID(tokens.user_id),
        )

    @strawberry.field
    async def user(self, info: IdentityInfo) -> User | None:
        # The caller has no bearer token yet: show the user as they see themself.
        async with info.context.sessions() as session:
            row = await repository.get_user(session, str(self.user_id))
            roles = await repository.current_roles(session, str(self.user_id)) if row else []
        viewer = repository.principal_of(str(self.user_id), roles)
        return User.from_row(row, roles, viewer) if row else None


@strawberry.type
class AccessLogEntry:
    id: strawberry.ID
    user_id: strawberry.ID
    tenant_id: strawberry.ID
    unit_id: strawberry.ID
    action: str
    service: str
    accessed_at: datetime

    @classmethod
    def from_row(cls, row: AccessLogRow) -> AccessLogEntry:
        return cls(
            id=strawberry.ID(row.event_id),
            user_id=strawberry.ID(row.user_id),
            tenant_id=strawberry.ID(row.tenant_id),
            unit_id=strawberry.ID(row.unit_id),
            action=row.action,
            service=row.service,
            accessed_at=row.accessed_at,
        )

    @strawberry.field
    async def user(self, info: IdentityInfo) -> User | None:
        return await User.load(info, str(self.user_id))


@strawberry.type
class LogReview:
    id: strawberry.ID
    unit_id: strawberry.ID
    reviewer_id: strawberry.ID
    period_from: datetime = strawberry.field(name="from")
    period_to: datetime = strawberry.field(name="to")
    findings: str
    recorded_at: datetime

    @classmethod
    def from_row(cls, row: LogReviewRow) -> LogReview:
        return cls(
            id=strawberry.ID(row.id),
            unit_id=strawberry.ID(row.unit_id),
            reviewer_id=strawberry.ID(row.reviewer_id),
            period_from=row.period_from,
            period_to=row.period_to,
            findings=row.findings,
            recorded_at=row.recorded_at,
        )


@strawberry.input
class CreateUserInput:
    name: str
    email: str
    username: str
    unit_id: strawberry.ID | None = None
    roles: list[Role]  # type: ignore[valid-type]


@strawberry.input
class OrderRoleInput:
    user_id: strawberry.ID
    unit_id: strawberry.ID
    role: Role  # type: ignore[valid-type]
    action: RoleOrderAction


@strawberry.input
class RecordLogReviewInput:
    unit_id: strawberry.ID
    period_from: datetime = strawberry.field(name="from")
    period_to: datetime = strawberry.field(name="to")
    findings: str


def _require_reader_of_unit(principal: Principal, unit_id: str) -> None:
    """Managers and SoL-admins read their unit's users; others in the unit are refused."""
    if principal.is_system_admin:
        return
    if not principal.has_role(unit_id):
        raise domain.NotFound("no such unit")
    if not principal.has_role(unit_id, AuthRole.UNIT_MANAGER, AuthRole.SOL_ADMIN):
        raise domain.NotAllowed("only managers and SoL-administrators list a unit's users")


@strawberry.type
class Query:
    @strawberry.field(description="The name of the subgraph answering; a liveness probe.")
    def identity_service(self) -> str:
        return "identity"

    @strawberry.field
    async def me(self, info: IdentityInfo) -> User:
        principal = await _principal(info)
        user = await User.load(info, principal.user_id)
        if user is None or not user.active:
            raise errors.Unauthenticated("the account no longer exists or is deactivated")
        return user

    @strawberry.field
    async def units(self, info: IdentityInfo) -> list[Unit]:
        principal = await _principal(info)
        statement = select(UnitRow).order_by(UnitRow.name)
        if not principal.is_system_admin:
            statement = statement.where(UnitRow.id.in_(list(principal.unit_roles)))
        async with info.context.sessions() as session:
            return [Unit.from_row(row) for row in (await session.execute(statement)).scalars()]

    @strawberry.field
    async def users(self, info: IdentityInfo, unit_id: strawberry.ID | None = None) -> list[User]:
        principal = await _principal(info)
        with translated_errors():
            if unit_id is not None:
                _require_reader_of_unit(principal, str(unit_id))
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
        return await _users(info, rows)

    @strawberry.field
    async def role_orders(
        self, info: IdentityInfo, pending_only: bool | None = False
    ) -> list[RoleOrder]:
        principal = await _principal(info)
        statement = select(RoleOrderRow).order_by(RoleOrderRow.ordered_at.desc())
        if not principal.is_system_admin:
            managed = principal.units_with(AuthRole.UNIT_MANAGER)
            if not managed:
                with translated_errors():
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
        principal = await _principal(info)
        with translated_errors():
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
        principal = await _principal(info)
        with translated_errors():
            rows = await access_log.sample_access_log(
                sessions=info.context.sessions,
                principal=principal,
                unit_id=str(unit_id),
                since=from_,
                until=to,
                size=size if size is not None else 20,
            )
        return [AccessLogEntry.from_row(row) for row in rows]


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def login(self, info: IdentityInfo, username: str, password: str) -> AuthSession:
        with translated_errors():
            tokens = await authentication.log_in(
                deps=info.context.deps,
                username=username,
                password=password,
                address=info.context.client_address(),
            )
        return AuthSession.from_tokens(tokens)

    @strawberry.mutation
    async def refresh_session(self, info: IdentityInfo, refresh_token: str) -> AuthSession:
        with translated_errors():
            tokens = await authentication.refresh_session(
                deps=info.context.deps, refresh_token=refresh_token
            )
        return AuthSession.from_tokens(tokens)

    @strawberry.mutation
    async def activate_account(self, info: IdentityInfo, token: str, password: str) -> AuthSession:
        with translated_errors():
            tokens = await authentication.activate_account(
                deps=info.context.deps, token=token, password=password
            )
        return AuthSession.from_tokens(tokens)

    @strawberry.mutation
    async def logout(self, info: IdentityInfo, refresh_token: str) -> bool:
        await authentication.log_out(deps=info.context.deps, refresh_token=refresh_token)
        return True

    @strawberry.mutation
    async def create_unit(self, info: IdentityInfo, name: str, timezone: str | None = None) -> Unit:
        principal = await _principal(info)
        with translated_errors():
            row = await handlers.create_unit(
                deps=info.context.deps, principal=principal, name=name, timezone=timezone
            )
        return Unit.from_row(row)

    @strawberry.mutation(description="Creates the user and e-mails an activation link.")
    async def create_user(self, info: IdentityInfo, input: CreateUserInput) -> User:
        principal = await _principal(info)
        with translated_errors():
            row, _link = await handlers.create_user(
                deps=info.context.deps,
                principal=principal,
                user=NewUser(
                    name=input.name,
                    email=input.email,
                    username=input.username,
                    unit_id=str(input.unit_id) if input.unit_id else None,
                    roles=list(input.roles),
                ),
            )
        user = await User.load(info, row.id)
        assert user is not None
        return user

    @strawberry.mutation(description="A unit manager orders GRANT or REVOKE of SOL_ADMIN.")
    async def order_role(self, info: IdentityInfo, input: OrderRoleInput) -> RoleOrder:
        principal = await _principal(info)
        with translated_errors():
            row = await handlers.order_role(
                deps=info.context.deps,
                principal=principal,
                user_id=str(input.user_id),
                unit_id=str(input.unit_id),
                role=AuthRole(input.role),
                action=domain.OrderAction(input.action.value),
            )
        return RoleOrder.from_row(row)

    @strawberry.mutation
    async def approve_role_order(self, info: IdentityInfo, order_id: strawberry.ID) -> RoleOrder:
        principal = await _principal(info)
        with translated_errors():
            row = await handlers.approve_role_order(
                deps=info.context.deps, principal=principal, order_id=str(order_id)
            )
        return RoleOrder.from_row(row)

    @strawberry.mutation
    async def reject_role_order(
        self, info: IdentityInfo, order_id: strawberry.ID, reason: str
    ) -> RoleOrder:
        principal = await _principal(info)
        with translated_errors():
            row = await handlers.reject_role_order(
                deps=info.context.deps, principal=principal, order_id=str(order_id), reason=reason
            )
        return RoleOrder.from_row(row)

    @strawberry.mutation(description="Ends the user's access at once, in every service.")
    async def deactivate_user(self, info: IdentityInfo, user_id: strawberry.ID) -> User:
        principal = await _principal(info)
        with translated_errors():
            row = await handlers.deactivate_user(
                deps=info.context.deps, principal=principal, user_id=str(user_id)
            )
        async with info.context.sessions() as session:
            roles = await repository.current_roles(session, row.id)
        return User.from_row(row, roles, principal)

    @strawberry.mutation(description="Start signing tokens with a new key; returns its kid.")
    async def rotate_signing_key(self, info: IdentityInfo) -> str:
        principal = await _principal(info)
        with translated_errors():
            return await handlers.rotate_keys(deps=info.context.deps, principal=principal)

    @strawberry.mutation
    async def record_log_review(
        self,
        info: IdentityInfo,
        input: RecordLogReviewInput,
    ) -> LogReview:
        principal = await _principal(info)
        with translated_errors():
            row = await access_log.record_log_review(
                sessions=info.context.sessions,
                clock=info.context.clock,
                principal=principal,
                unit_id=str(input.unit_id),
                since=input.period_from,
                until=input.period_to,
                findings=input.findings,
            )
        return LogReview.from_row(row)


TYPES: list[Any] = [User, Unit]
