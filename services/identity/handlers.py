"""Use cases of administration: units, users, role orders, deactivation, key rotation.

Each handler loads, lets `domain` decide, writes, emits events and queues e-mail in one unit of
work. A handler that revokes access also records the revocation in this service's own
``token_revocations`` table in the same transaction and notes it in the in-process cache after
commit: identity then refuses the user's older tokens at once, without consuming its own topic,
and the other services learn it from the event.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from libs.auth.principal import Principal, Role
from libs.auth.revocation import RevocationCache
from libs.clock import Clock
from libs.database import SessionFactory
from libs.messaging.unit_of_work import UnitOfWork, UnitOfWorkFactory
from services.identity import domain, repository
from services.identity.domain import InvalidInput, NotFound, OrderAction, OrderState, StateConflict
from services.identity.events import (
    RoleGranted,
    RoleRevoked,
    UnitCreated,
    UserCreated,
    UserDeactivated,
)
from services.identity.keys import KeyStore, rotate_signing_key
from services.identity.mail import (
    MailSender,
    activation_mail,
    queue_mail,
    role_granted_mail,
    role_revoked_mail,
)
from services.identity.opaque_tokens import hash_token, new_token
from services.identity.passwords import PasswordHasher
from services.identity.settings import IdentitySettings
from services.identity.tables import (
    INFRASTRUCTURE,
    ActivationTokenRow,
    RefreshTokenRow,
    RoleAssignmentRow,
    RoleOrderRow,
    UnitRow,
    UserRow,
)

__all__ = [
    "Deps",
    "approve_role_order",
    "create_unit",
    "create_user",
    "deactivate_user",
    "order_role",
    "reject_role_order",
    "rotate_keys",
]


@dataclass(frozen=True, kw_only=True)
class Deps:
    """What the use cases need, built once in ``app.py``."""

    settings: IdentitySettings
    units_of_work: UnitOfWorkFactory
    sessions: SessionFactory
    clock: Clock
    hasher: PasswordHasher
    keys: KeyStore
    mail: MailSender
    revocations: RevocationCache


def new_id() -> str:
    return str(uuid.uuid4())


async def create_unit(
    *, deps: Deps, principal: Principal, name: str, timezone: str | None, unit_id: str | None = None
) -> UnitRow:
    domain.require_system_admin(principal)
    unit = UnitRow(
        id=unit_id or new_id(),
        name=domain.validate_name(name),
        timezone=domain.validate_timezone(timezone),
        created_at=deps.clock.now(),
        created_by=principal.user_id,
    )
    async with deps.units_of_work() as uow:
        uow.session.add(unit)
        await uow.emit(
            UnitCreated(unit_id=unit.id, timezone=unit.timezone, created_at=unit.created_at)
        )
        await uow.commit()
    return unit


@dataclass(frozen=True, kw_only=True)
class NewUser:
    name: str
    email: str
    username: str
    unit_id: str | None
    roles: Sequence[Role]


async def create_user(
    *,
    deps: Deps,
    principal: Principal | None,
    user: NewUser,
    user_id: str | None = None,
    send_activation: bool = True,
) -> tuple[UserRow, str | None]:
    """Create the user and queue the activation e-mail; returns the row and the link.

    ``principal`` is None only for bootstrap (the first system administrator, demo data);
    demo users get their password set directly, hence ``send_activation``.
    """
    if principal is not None:
        domain.require_system_admin(principal)
    name = domain.validate_name(user.name)
    email = domain.normalise_email(user.email)
    username = domain.normalise_username(user.username)
    roles = domain.check_initial_roles(user.roles, has_unit=user.unit_id is not None)
    now = deps.clock.now()
    by = principal.user_id if principal else None
    row = UserRow(
        id=user_id or new_id(),
        username=username,
        name=name,
        email=email,
        password_hash=None,
        active=True,
        created_at=now,
        created_by=by,
    )
    async with deps.units_of_work() as uow:
        unit = await repository.get_unit(uow.session, user.unit_id) if user.unit_id else None
        if user.unit_id is not None and unit is None:
            raise InvalidInput("no such unit", field="unitId")
        if await repository.get_user_by_username(uow.session, username) is not None:
            raise StateConflict("the username is taken")
        uow.session.add(row)
        try:
            await uow.session.flush()
        except IntegrityError:
            # Two concurrent creations of one username: the database's unique index decides.
            raise StateConflict("the username is taken") from None
        await uow.emit(UserCreated(user_id=row.id, created_by=by, created_at=now))
        for role in sorted(roles):
            await _grant(
                uow,
                user_id=row.id,
                role=role,
                unit_id=None if role is Role.SYSTEM_ADMIN else user.unit_id,
                by=by,
                now=now,
            )
        link = None
        if send_activation:
            link = await _activation(uow, deps=deps, user=row, now=now)
            await queue_mail(
                uow.session,
                activation_mail(
                    recipient=email,
                    name=name,
                    link=link,
                    expires_at=now + deps.settings.activation_lifetime,
                ),
                now=now,
            )
        await uow.commit()
    deps.mail.wake()
    return row, link


async def _activation(uow: UnitOfWork, *, deps: Deps, user: UserRow, now: datetime) -> str:
    token = new_token()
    uow.session.add(
        ActivationTokenRow(
            token_hash=hash_token(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + deps.settings.activation_lifetime,
        )
    )
    return f"{deps.settings.public_url.rstrip('/')}/activate#token={token}"


async def _grant(
    uow: UnitOfWork,
    *,
    user_id: str,
    role: Role,
    unit_id: str | None,
    by: str | None,
    now: datetime,
    order_id: str | None = None,
) -> None:
    uow.session.add(
        RoleAssignmentRow(
            id=new_id(),
            user_id=user_id,
            unit_id=unit_id,
            role=role.value,
            granted_at=now,
            granted_by=by,
            order_id=order_id,
        )
    )
    await uow.emit(
        RoleGranted(
            user_id=user_id, role=role.value, unit_id=unit_id, granted_by=by, granted_at=now
        )
    )


async def _record_revocation(uow: UnitOfWork, *, user_id: str, at: datetime) -> None:
    await uow.session.execute(
        INFRASTRUCTURE.revocations.insert().values(user_id=user_id, not_before=at)
    )


async def order_role(
    *,
    deps: Deps,
    principal: Principal,
    user_id: str,
    unit_id: str,
    role: Role,
    action: OrderAction,
) -> RoleOrderRow:
    domain.require_manager_of(principal, unit_id)
    async with deps.units_of_work() as uow:
        held = await repository.current_roles(uow.session, user_id)
        if await repository.get_unit(uow.session, unit_id) is None:
            raise NotFound("no such unit")
        if not any(row.unit_id == unit_id for row in held):
            # A user who is not in the manager's unit is, to the manager, nobody.
            raise NotFound("no such user in this unit")
        user = await repository.get_user(uow.session, user_id)
        if user is None or not user.active:
            raise StateConflict("the user is deactivated")
        pending = (
            await uow.session.execute(
                select(RoleOrderRow.id).where(
                    RoleOrderRow.user_id == user_id,
                    RoleOrderRow.unit_id == unit_id,
                    RoleOrderRow.role == role.value,
                    RoleOrderRow.state == OrderState.PENDING.value,
                )
            )
        ).first()
        domain.check_new_order(
            role=role,
            action=action,
            holds_role=any(r.unit_id == unit_id and r.role == role.value for r in held),
            has_pending_order=pending is not None,
        )
        order = RoleOrderRow(
            id=new_id(),
            user_id=user_id,
            unit_id=unit_id,
            role=role.value,
            action=action.value,
            state=OrderState.PENDING.value,
            ordered_by=principal.user_id,
            ordered_at=deps.clock.now(),
        )
        uow.session.add(order)
        try:
            await uow.commit()
        except IntegrityError:
            raise StateConflict("an order for this role is already waiting for approval") from None
    return order


async def approve_role_order(*, deps: Deps, principal: Principal, order_id: str) -> RoleOrderRow:
    domain.require_system_admin(principal)
    revoked_at: datetime | None = None
    async with deps.units_of_work() as uow:
        order = await _pending_order_for_update(uow, order_id)
        now = uow.clock.now()
        role = Role(order.role)
        held = [
            row
            for row in await repository.current_roles(uow.session, order.user_id)
            if row.unit_id == order.unit_id and row.role == order.role
        ]
        user = await repository.get_user(uow.session, order.user_id)
        unit = await repository.get_unit(uow.session, order.unit_id)
        assert user is not None
        assert unit is not None
        if not user.active:
            raise StateConflict("the user is deactivated")
        if OrderAction(order.action) is OrderAction.GRANT:
            if held:
                raise StateConflict("the user already has this role in the unit")
            await _grant(
                uow,
                user_id=order.user_id,
                role=role,
                unit_id=order.unit_id,
                by=principal.user_id,
                now=now,
                order_id=order.id,
            )
            activation = None
            if user.password_hash is None:
                activation = await _activation(uow, deps=deps, user=user, now=now)
            await queue_mail(
                uow.session,
                role_granted_mail(
                    recipient=user.email,
                    name=user.name,
                    role=role.value,
                    unit_name=unit.name,
                    login_url=deps.settings.public_url,
                    activation=activation,
                ),
                now=now,
            )
        else:
            if not held:
                raise StateConflict("the user does not have this role in the unit")
            for row in held:
                row.revoked_at = now
                row.revoked_by = principal.user_id
            event = await uow.emit(
                RoleRevoked(
                    user_id=order.user_id,
                    role=role.value,
                    unit_id=order.unit_id,
                    revoked_by=principal.user_id,
                    revoked_at=now,
                )
            )
            revoked_at = event.time
            await _record_revocation(uow, user_id=order.user_id, at=event.time)
            await queue_mail(
                uow.session,
                role_revoked_mail(
                    recipient=user.email, name=user.name, role=role.value, unit_name=unit.name
                ),
                now=now,
            )
        order.state = OrderState.APPROVED.value
        order.decided_by = principal.user_id
        order.decided_at = now
        await uow.commit()
    if revoked_at is not None:
        deps.revocations.note(order.user_id, revoked_at)
    deps.mail.wake()
    return order


async def reject_role_order(
    *, deps: Deps, principal: Principal, order_id: str, reason: str
) -> RoleOrderRow:
    domain.require_system_admin(principal)
    reason = domain.validate_reason(reason)
    async with deps.units_of_work() as uow:
        order = await _pending_order_for_update(uow, order_id)
        order.state = OrderState.REJECTED.value
        order.decided_by = principal.user_id
        order.decided_at = uow.clock.now()
        order.reason = reason
        await uow.commit()
    return order


async def _pending_order_for_update(uow: UnitOfWork, order_id: str) -> RoleOrderRow:
    order = (
        await uow.session.execute(
            select(RoleOrderRow).where(RoleOrderRow.id == order_id).with_for_update()
        )
    ).scalar_one_or_none()
    if order is None:
        raise NotFound("no such role order")
    domain.check_decision(state=OrderState(order.state))
    return order


async def deactivate_user(*, deps: Deps, principal: Principal, user_id: str) -> UserRow:
    domain.require_system_admin(principal)
    if user_id == principal.user_id:
        raise StateConflict("you cannot deactivate yourself")
    async with deps.units_of_work() as uow:
        user = await repository.get_user(uow.session, user_id)
        if user is None:
            raise NotFound("no such user")
        if not user.active:
            raise StateConflict("the user is already deactivated")
        now = uow.clock.now()
        user.active = False
        user.deactivated_at = now
        user.deactivated_by = principal.user_id
        for row in (
            await uow.session.execute(
                select(RefreshTokenRow).where(
                    RefreshTokenRow.user_id == user_id, RefreshTokenRow.revoked_at.is_(None)
                )
            )
        ).scalars():
            row.revoked_at = now
        event = await uow.emit(
            UserDeactivated(user_id=user_id, deactivated_by=principal.user_id, deactivated_at=now)
        )
        await _record_revocation(uow, user_id=user_id, at=event.time)
        await uow.commit()
    deps.revocations.note(user_id, event.time)
    return user


async def rotate_keys(*, deps: Deps, principal: Principal | None) -> str:
    """Start signing with a new key; returns its kid. ``principal`` None: an operator's CLI."""
    if principal is not None:
        domain.require_system_admin(principal)
    async with deps.sessions() as session, session.begin():
        key = await rotate_signing_key(session=session, now=deps.clock.now())
    deps.keys.invalidate()
    return key.kid
