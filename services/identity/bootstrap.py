"""Getting a fresh installation going: the first system administrator, and demo data.

Both run in their own short process against identity's database (migrating it first). Their
events wait in the outbox until the identity service's relay publishes them, and their e-mail
waits in the mail outbox for its sender, so neither needs the broker to be up.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import update

from libs.auth.principal import Principal, Role
from libs.messaging.envelope import KafkaRecord
from libs.settings import load_settings
from services.identity import handlers
from services.identity.app import Identity, build_identity
from services.identity.domain import OrderAction
from services.identity.handlers import NewUser
from services.identity.settings import IdentitySettings
from services.identity.tables import UnitRow, UserRow

__all__ = ["DEMO_UNIT_ID", "DemoLogin", "create_first_admin", "demo_logins", "load_demo_data"]


class _NotPublishing:
    """Bootstrap writes events to the outbox only; the running service publishes them."""

    async def publish(self, records: Sequence[KafkaRecord]) -> None:
        raise RuntimeError("bootstrap does not publish")


@asynccontextmanager
async def _identity(settings: IdentitySettings) -> AsyncIterator[Identity]:
    identity = build_identity(settings, publisher=_NotPublishing())
    try:
        await identity.runtime.migrate()
        await identity.start()
        yield identity
    finally:
        identity.close()
        await identity.runtime.engine.dispose()


async def create_first_admin(
    *, username: str, email: str, name: str, settings: IdentitySettings | None = None
) -> str:
    """Create a SYSTEM_ADMIN and print the activation link; refuses a username that exists."""
    settings = settings or load_settings(IdentitySettings)
    async with _identity(settings) as identity:
        deps = identity.deps
        async with deps.sessions() as session:
            from services.identity.repository import get_user_by_username

            if await get_user_by_username(session, username.strip().lower()) is not None:
                raise SystemExit(f"a user named {username!r} exists already; nothing was changed")
        row, link = await handlers.create_user(
            deps=deps,
            principal=None,
            user=NewUser(
                name=name, email=email, username=username, unit_id=None, roles=[Role.SYSTEM_ADMIN]
            ),
        )
        assert link is not None
        try:
            await deps.mail.send_pending()
        except Exception as error:  # the service's mail sender retries it later
            print(f"the activation e-mail is queued (not sent now: {error!r})", file=sys.stderr)
    print(f"System administrator {row.username} created (id {row.id}).")
    print(f"Activation link (single use, {settings.activation_hours} h): {link}")
    return link


DEMO_UNIT_ID = "00000000-0000-4000-8000-000000000001"


@dataclass(frozen=True, kw_only=True)
class DemoLogin:
    username: str
    password: str
    role: str
    user_id: str


# Well-known ids and passwords, for `make dev` only.
_DEMO_USERS = (
    ("00000000-0000-4000-8000-000000000010", "admin", "Sara Systemförvaltare", Role.SYSTEM_ADMIN),
    ("00000000-0000-4000-8000-000000000011", "chef", "Eva Enhetschef", Role.UNIT_MANAGER),
    ("00000000-0000-4000-8000-000000000012", "soladmin", "Sam SoL-administratör", Role.SOL_ADMIN),
    ("00000000-0000-4000-8000-000000000013", "anna", "Anna Omvårdnad", Role.CARE_STAFF),
    ("00000000-0000-4000-8000-000000000014", "bo", "Bo Omvårdnad", Role.CARE_STAFF),
)


def _demo_password(username: str) -> str:
    return f"{username}-demo-lösen"


def demo_logins() -> list[DemoLogin]:
    return [
        DemoLogin(
            username=username, password=_demo_password(username), role=role.value, user_id=id_
        )
        for id_, username, _name, role in _DEMO_USERS
    ]


async def load_demo_data(settings: IdentitySettings) -> list[DemoLogin]:
    """Create the demo unit "Solgläntan" and its people (once; a second run changes nothing)."""
    async with _identity(settings) as identity:
        deps = identity.deps
        async with deps.sessions() as session:
            if await session.get(UnitRow, DEMO_UNIT_ID) is not None:
                return demo_logins()
        admin_id, manager_id = _DEMO_USERS[0][0], _DEMO_USERS[1][0]
        admin = Principal(user_id=admin_id, global_roles=frozenset({Role.SYSTEM_ADMIN}))
        manager = Principal(
            user_id=manager_id, unit_roles={DEMO_UNIT_ID: frozenset({Role.UNIT_MANAGER})}
        )
        await handlers.create_unit(
            deps=deps, principal=admin, name="Solgläntan", timezone=None, unit_id=DEMO_UNIT_ID
        )
        for user_id, username, name, role in _DEMO_USERS:
            # A SoL-administrator is care staff with an extra role, granted through an order.
            initial = Role.CARE_STAFF if role is Role.SOL_ADMIN else role
            await handlers.create_user(
                deps=deps,
                principal=None,
                user=NewUser(
                    name=name,
                    email=f"{username}@demo.signa.local",
                    username=username,
                    unit_id=None if role is Role.SYSTEM_ADMIN else DEMO_UNIT_ID,
                    roles=[initial],
                ),
                user_id=user_id,
                send_activation=False,
            )
            password_hash = await deps.hasher.hash(_demo_password(username))
            async with deps.sessions() as session, session.begin():
                await session.execute(
                    update(UserRow)
                    .where(UserRow.id == user_id)
                    .values(password_hash=password_hash, activated_at=deps.clock.now())
                )
            if role is Role.SOL_ADMIN:
                order = await handlers.order_role(
                    deps=deps,
                    principal=manager,
                    user_id=user_id,
                    unit_id=DEMO_UNIT_ID,
                    role=Role.SOL_ADMIN,
                    action=OrderAction.GRANT,
                )
                await handlers.approve_role_order(deps=deps, principal=admin, order_id=order.id)
    return demo_logins()
