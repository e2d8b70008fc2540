"""Bad input gets BAD_USER_INPUT or CONFLICT, stores nothing and sends no e-mail."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from services.identity.tables import (
    ActivationTokenRow,
    MailRow,
    RoleOrderRow,
    UnitRow,
    UserRow,
)
from tests.identity.conftest import error_code

CREATE_USER = "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }"
ACTIVATE = """
mutation($t: String!, $p: String!) { activateAccount(token: $t, password: $p) { userId } }"""
ORDER = "mutation($i: OrderRoleInput!) { orderRole(input: $i) { id } }"


async def counts(stack) -> dict[str, int]:
    async with stack.identity.deps.sessions() as session:
        return {
            table.__tablename__: await session.scalar(select(func.count()).select_from(table))
            for table in (UserRow, UnitRow, MailRow, RoleOrderRow, ActivationTokenRow)
        }


def user_input(stack, **changes) -> dict:
    return {
        "i": {
            "name": "Lisa Larsson",
            "email": "lisa@example.se",
            "username": "lisa",
            "unitId": stack.unit_id,
            "roles": ["CARE_STAFF"],
            **changes,
        }
    }


async def no_mail_arrives(stack) -> None:
    await asyncio.sleep(3 * stack.settings.mail_poll_seconds)
    # Only the demo data's own e-mail (the SoL-admin's role grant) may be there.
    assert all(m["To"].endswith("@demo.signa.local") for m in stack.mail.messages())


async def test_invalid_user_data_changes_nothing_and_sends_nothing(stack):
    admin = await stack.as_user("admin")
    before = await counts(stack)
    cases = {
        "invalid e-mail": (user_input(stack, email="lisa.example.se"), "BAD_USER_INPUT"),
        "e-mail with spaces": (user_input(stack, email="li sa@example.se"), "BAD_USER_INPUT"),
        "duplicate username": (user_input(stack, username="Anna"), "CONFLICT"),
        "invalid username": (user_input(stack, username="l"), "BAD_USER_INPUT"),
        "unknown unit": (user_input(stack, unitId="no-such-unit"), "BAD_USER_INPUT"),
        "blank name": (user_input(stack, name="   "), "BAD_USER_INPUT"),
        "no roles": (user_input(stack, roles=[]), "BAD_USER_INPUT"),
        "SOL_ADMIN without an order": (user_input(stack, roles=["SOL_ADMIN"]), "BAD_USER_INPUT"),
        "unit role without a unit": (user_input(stack, unitId=None), "BAD_USER_INPUT"),
    }
    for name, (variables, expected) in cases.items():
        assert await error_code(admin(CREATE_USER, variables)) == expected, name
    # Not zones: unknown, a directory of zones, a name longer than a file name may be.
    for timezone in ("Mars/Olympus", "Europe", "Europe/" + "x" * 300):
        created = admin(
            'mutation($z: String) { createUnit(name: "X", timezone: $z) { id } }', {"z": timezone}
        )
        assert await error_code(created) == "BAD_USER_INPUT", timezone
    assert await counts(stack) == before
    await no_mail_arrives(stack)


async def test_weak_passwords_and_bad_links_are_refused_without_using_up_the_link(stack):
    admin = await stack.as_user("admin")
    await admin(CREATE_USER, user_input(stack))
    [mail] = await stack.mails_to("lisa@example.se")
    token = stack.token_in(mail)
    for weak in ("kort", "elva tecken", "lisa-är-bäst-2026", "password1234", "aaaaaaaaaaaaaaa"):
        assert await error_code(stack.api(ACTIVATE, {"t": token, "p": weak})) == "BAD_USER_INPUT"
    assert await error_code(stack.api(ACTIVATE, {"t": "made-up", "p": "ett bra lösenord"})) == (
        "BAD_USER_INPUT"
    )
    async with stack.identity.deps.sessions() as session:
        user = await session.scalar(select(UserRow).where(UserRow.username == "lisa"))
        assert user.password_hash is None

    assert await stack.api(ACTIVATE, {"t": token, "p": "ett riktigt bra lösenord"})
    assert await error_code(stack.api(ACTIVATE, {"t": token, "p": "ett annat bra lösenord"})) == (
        "BAD_USER_INPUT"
    )
    assert await stack.login("lisa", "ett riktigt bra lösenord")


async def test_an_expired_activation_link_is_refused(stack):
    admin = await stack.as_user("admin")
    await admin(CREATE_USER, user_input(stack))
    [mail] = await stack.mails_to("lisa@example.se")
    async with stack.identity.deps.sessions() as session, session.begin():
        await session.execute(
            update(ActivationTokenRow).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert await error_code(
        stack.api(ACTIVATE, {"t": stack.token_in(mail), "p": "ett riktigt bra lösenord"})
    ) == ("BAD_USER_INPUT")


async def test_ordering_what_the_user_already_has_is_a_conflict_and_stores_no_order(stack):
    manager = await stack.as_user("chef")
    before = await counts(stack)

    def order(user: str, action: str, role: str = "SOL_ADMIN") -> dict:
        user_id = stack.demo[user].user_id
        return {"i": {"userId": user_id, "unitId": stack.unit_id, "role": role, "action": action}}

    assert await error_code(manager(ORDER, order("soladmin", "GRANT"))) == "CONFLICT"
    assert await error_code(manager(ORDER, order("anna", "REVOKE"))) == "CONFLICT"
    assert await error_code(manager(ORDER, order("anna", "GRANT", "UNIT_MANAGER"))) == (
        "BAD_USER_INPUT"
    )
    assert await counts(stack) == before


async def test_an_unknown_enum_value_is_bad_user_input(stack):
    manager = await stack.as_user("chef")
    user_id = stack.demo["anna"].user_id
    bad_action = {
        "i": {"userId": user_id, "unitId": stack.unit_id, "role": "SOL_ADMIN", "action": "PROMOTE"}
    }
    assert await error_code(manager(ORDER, bad_action)) == "BAD_USER_INPUT"
