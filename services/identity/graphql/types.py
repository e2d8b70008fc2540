"""The GraphQL types identity owns; `User` and `Unit` are federation entities (key ``id``)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from libs.auth.principal import Principal
from libs.auth.principal import Role as AuthRole
from services.identity import access_log, authentication, notifications, repository
from services.identity.graphql.context import IdentityInfo, caller
from services.identity.tables import (
    AccessLogRow,
    RoleAssignmentRow,
    RoleOrderRow,
    UnitRow,
    UserRow,
)

__all__ = [
    "AccessLogEntry",
    "AuthSession",
    "CreateUserInput",
    "LogReview",
    "OrderRoleInput",
    "RecordLogReviewInput",
    "Role",
    "RoleAssignment",
    "RoleOrder",
    "RoleOrderAction",
    "RoleOrderState",
    "Unit",
    "User",
    "users_from_rows",
]

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
        """Null for a unit the caller has no role in, as `units` would not list it."""
        viewer = await caller(info)
        if not viewer.is_system_admin and str(id) not in viewer.unit_roles:
            return None
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
        viewer = await caller(info)
        async with info.context.sessions() as session:
            row = await repository.get_user(session, user_id)
            roles = await repository.current_roles(session, user_id) if row else []
        return cls.from_row(row, roles, viewer) if row else None

    @classmethod
    async def resolve_reference(cls, id: strawberry.ID, info: IdentityInfo) -> User | None:
        """Another subgraph's reference (who signed, acknowledged, reported, assessed): shown to
        the user, system administrators and those with a role in a unit where the user has or
        had one (a signature keeps its signer's name after they leave); null to anyone else,
        like a user that does not exist."""
        viewer = await caller(info)
        if not viewer.is_system_admin and viewer.user_id != str(id):
            async with info.context.sessions() as session:
                if not await repository.has_been_in_any(session, str(id), viewer.unit_roles):
                    return None
        return await cls.load(info, str(id))


async def users_from_rows(info: IdentityInfo, rows: list[UserRow]) -> list[User]:
    viewer = await caller(info)
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


NotificationKind = strawberry.enum(
    notifications.NotificationKind,
    name="NotificationKind",
    description=(
        "Why a reminder e-mail went out: ESCALATION_DIGEST (alarms escalated, to the unit's "
        "managers, at most daily), KVITTERING_REMINDER (the weekly duty, to its "
        "SoL-administrators), ASSESSMENT_REMINDER (deviations waiting for assessment) and "
        "IVO_REMINDER (a Lex Sarah case's IVO date approaching), both to its managers."
    ),
)


@strawberry.type(description="A reminder e-mail to one person: the unit's notification log.")
class Notification:
    id: strawberry.ID
    unit_id: strawberry.ID
    kind: NotificationKind  # type: ignore[valid-type]
    recipient_id: strawberry.Private[str]
    queued_at: datetime
    sent_at: datetime | None = strawberry.field(
        description="When the mail went out; null while it is queued or being retried."
    )
    reason: str = strawberry.field(description="The mail's own sentence: counts only.")

    @classmethod
    def from_sent(cls, sent: notifications.SentNotification) -> Notification:
        row = sent.row
        return cls(
            id=strawberry.ID(row.id),
            unit_id=strawberry.ID(row.unit_id),
            kind=notifications.NotificationKind(row.kind),
            recipient_id=row.recipient_id,
            queued_at=row.queued_at,
            sent_at=sent.sent_at,
            reason=row.reason,
        )

    @strawberry.field(description="Who it went to (null once the user is no longer visible).")
    async def recipient(self, info: IdentityInfo) -> User | None:
        return await User.load(info, self.recipient_id)


@strawberry.type(description="A recorded review of a unit's access log (a spot check).")
class LogReview:
    id: strawberry.ID
    unit_id: strawberry.ID
    reviewer_id: strawberry.ID
    period_from: datetime = strawberry.field(name="from")
    period_to: datetime = strawberry.field(name="to")
    findings: str
    recorded_at: datetime
    sample_entry_ids: list[strawberry.ID] = strawberry.field(
        description="The access-log entries the review checked, in the order given; empty if none."
    )

    @classmethod
    def from_review(cls, review: access_log.RecordedReview) -> LogReview:
        row = review.row
        return cls(
            id=strawberry.ID(row.id),
            unit_id=strawberry.ID(row.unit_id),
            reviewer_id=strawberry.ID(row.reviewer_id),
            period_from=row.period_from,
            period_to=row.period_to,
            findings=row.findings,
            recorded_at=row.recorded_at,
            sample_entry_ids=[strawberry.ID(entry_id) for entry_id in review.sample_entry_ids],
        )

    @strawberry.field(
        description=(
            "The checked entries still in the log (the retention prune removes old ones; "
            "their ids stay in sampleEntryIds)."
        )
    )
    async def sample(self, info: IdentityInfo) -> list[AccessLogEntry]:
        rows = await info.context.log_entries().load_many([str(i) for i in self.sample_entry_ids])
        return [AccessLogEntry.from_row(row) for row in rows if row is not None]

    @strawberry.field
    async def reviewer(self, info: IdentityInfo) -> User | None:
        return await User.load(info, str(self.reviewer_id))


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
    sample_entry_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description=(
            "The access-log entries checked (at most 200): each the unit's, from the period "
            "(from inclusive, to exclusive, as accessLogSample reads it)."
        ),
    )
