"""Identity's mutations."""

from __future__ import annotations

import strawberry

from libs.auth.principal import Role as AuthRole
from services.identity import access_log, authentication, domain, handlers, repository
from services.identity.graphql.context import IdentityInfo, caller
from services.identity.graphql.errors import translated
from services.identity.graphql.types import (
    AuthSession,
    CreateUserInput,
    LogReview,
    OrderRoleInput,
    RecordLogReviewInput,
    RoleOrder,
    Unit,
    User,
)
from services.identity.handlers import NewUser

__all__ = ["Mutation"]


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def login(self, info: IdentityInfo, username: str, password: str) -> AuthSession:
        with translated():
            tokens = await authentication.log_in(
                deps=info.context.deps,
                username=username,
                password=password,
                address=info.context.client_address(),
            )
        return AuthSession.from_tokens(tokens)

    @strawberry.mutation
    async def refresh_session(self, info: IdentityInfo, refresh_token: str) -> AuthSession:
        with translated():
            tokens = await authentication.refresh_session(
                deps=info.context.deps, refresh_token=refresh_token
            )
        return AuthSession.from_tokens(tokens)

    @strawberry.mutation
    async def activate_account(self, info: IdentityInfo, token: str, password: str) -> AuthSession:
        with translated():
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
        principal = await caller(info)
        with translated():
            row = await handlers.create_unit(
                deps=info.context.deps, principal=principal, name=name, timezone=timezone
            )
        return Unit.from_row(row)

    @strawberry.mutation(description="Creates the user and e-mails an activation link.")
    async def create_user(self, info: IdentityInfo, input: CreateUserInput) -> User:
        principal = await caller(info)
        with translated():
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
        principal = await caller(info)
        with translated():
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
        principal = await caller(info)
        with translated():
            row = await handlers.approve_role_order(
                deps=info.context.deps, principal=principal, order_id=str(order_id)
            )
        return RoleOrder.from_row(row)

    @strawberry.mutation
    async def reject_role_order(
        self, info: IdentityInfo, order_id: strawberry.ID, reason: str
    ) -> RoleOrder:
        principal = await caller(info)
        with translated():
            row = await handlers.reject_role_order(
                deps=info.context.deps, principal=principal, order_id=str(order_id), reason=reason
            )
        return RoleOrder.from_row(row)

    @strawberry.mutation(description="Ends the user's access at once, in every service.")
    async def deactivate_user(self, info: IdentityInfo, user_id: strawberry.ID) -> User:
        principal = await caller(info)
        with translated():
            row = await handlers.deactivate_user(
                deps=info.context.deps, principal=principal, user_id=str(user_id)
            )
        async with info.context.sessions() as session:
            roles = await repository.current_roles(session, row.id)
        return User.from_row(row, roles, principal)

    @strawberry.mutation(description="Start signing tokens with a new key; returns its kid.")
    async def rotate_signing_key(self, info: IdentityInfo) -> str:
        principal = await caller(info)
        with translated():
            return await handlers.rotate_keys(deps=info.context.deps, principal=principal)

    @strawberry.mutation
    async def record_log_review(
        self,
        info: IdentityInfo,
        input: RecordLogReviewInput,
    ) -> LogReview:
        principal = await caller(info)
        sample = input.sample_entry_ids
        with translated():
            review = await access_log.record_log_review(
                sessions=info.context.sessions,
                clock=info.context.clock,
                principal=principal,
                unit_id=str(input.unit_id),
                since=input.period_from,
                until=input.period_to,
                findings=input.findings,
                sample_entry_ids=[str(i) for i in sample] if sample is not None else None,
            )
        return LogReview.from_review(review)
