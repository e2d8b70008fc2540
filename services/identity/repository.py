"""Loading identity's records; every query that more than one use case needs lives here."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from libs.auth.principal import Principal, Role
from services.identity.tables import RoleAssignmentRow, RoleOrderRow, UnitRow, UserRow

__all__ = [
    "current_roles",
    "get_order",
    "get_unit",
    "get_user",
    "get_user_by_username",
    "has_been_in_any",
    "principal_of",
    "roles_by_user",
]


async def get_unit(session: AsyncSession, unit_id: str) -> UnitRow | None:
    return await session.get(UnitRow, unit_id)


async def get_user(session: AsyncSession, user_id: str) -> UserRow | None:
    return await session.get(UserRow, user_id)


async def get_user_by_username(session: AsyncSession, username: str) -> UserRow | None:
    return (
        await session.execute(select(UserRow).where(UserRow.username == username))
    ).scalar_one_or_none()


async def get_order(session: AsyncSession, order_id: str) -> RoleOrderRow | None:
    return await session.get(RoleOrderRow, order_id)


async def current_roles(session: AsyncSession, user_id: str) -> list[RoleAssignmentRow]:
    return list(
        (
            await session.execute(
                select(RoleAssignmentRow).where(
                    RoleAssignmentRow.user_id == user_id, RoleAssignmentRow.revoked_at.is_(None)
                )
            )
        ).scalars()
    )


async def has_been_in_any(session: AsyncSession, user_id: str, unit_ids: Iterable[str]) -> bool:
    """Whether the user holds or once held a role in one of the units (revoked ones count)."""
    units = list(unit_ids)
    if not units:
        return False
    found = await session.execute(
        select(RoleAssignmentRow.id)
        .where(RoleAssignmentRow.user_id == user_id, RoleAssignmentRow.unit_id.in_(units))
        .limit(1)
    )
    return found.first() is not None


async def roles_by_user(
    session: AsyncSession, user_ids: Iterable[str]
) -> dict[str, list[RoleAssignmentRow]]:
    ids = list(set(user_ids))
    found: dict[str, list[RoleAssignmentRow]] = {user_id: [] for user_id in ids}
    if not ids:
        return found
    rows = (
        await session.execute(
            select(RoleAssignmentRow)
            .where(RoleAssignmentRow.user_id.in_(ids), RoleAssignmentRow.revoked_at.is_(None))
            .order_by(RoleAssignmentRow.granted_at)
        )
    ).scalars()
    for row in rows:
        found[row.user_id].append(row)
    return found


def principal_of(user_id: str, roles: Iterable[RoleAssignmentRow]) -> Principal:
    unit_roles: dict[str, set[Role]] = {}
    global_roles: set[Role] = set()
    for row in roles:
        if row.unit_id is None:
            global_roles.add(Role(row.role))
        else:
            unit_roles.setdefault(row.unit_id, set()).add(Role(row.role))
    return Principal(
        user_id=user_id,
        unit_roles={unit: frozenset(held) for unit, held in unit_roles.items()},
        global_roles=frozenset(global_roles),
    )
