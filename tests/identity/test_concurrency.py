"""Races the database settles: one pending order, one winner of a refresh token."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from services.identity.tables import LoginThrottleRow, RoleOrderRow
from tests.identity.conftest import login_error
from tests.support.graphql import GraphQLError

ORDER = "mutation($i: OrderRoleInput!) { orderRole(input: $i) { id } }"
REFRESH = """
mutation($r: String!) { refreshSession(refreshToken: $r) { accessToken refreshToken } }"""


async def outcomes(*operations) -> list[str]:
    results = await asyncio.gather(*operations, return_exceptions=True)
    return sorted(r.code if isinstance(r, GraphQLError) else "OK" for r in results)


async def test_simultaneous_orders_for_the_same_role_leave_one_pending(stack):
    manager = await stack.as_user("chef")
    grant = {
        "i": {
            "userId": stack.demo["bo"].user_id,
            "unitId": stack.unit_id,
            "role": "SOL_ADMIN",
            "action": "GRANT",
        }
    }
    results = await outcomes(*(manager(ORDER, grant) for _ in range(5)))
    assert results == ["CONFLICT"] * 4 + ["OK"]
    async with stack.identity.deps.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(RoleOrderRow)) == 2  # + demo


async def test_simultaneous_use_of_one_refresh_token_is_treated_as_reuse(stack):
    session = await stack.login("anna")
    results = await outcomes(
        *(stack.api(REFRESH, {"r": session["refreshToken"]}) for _ in range(4))
    )
    assert results.count("OK") <= 1
    assert results.count("UNAUTHENTICATED") >= 3


async def test_simultaneous_failed_log_ins_are_all_counted_without_errors(stack):
    login = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { userId } }"
    # As many as the free attempts: even if the requests end up served one after another, none
    # can find the account locked (that takes all free attempts already counted), so each must
    # be counted. With more, the last ones may rightly be refused before they are counted.
    count = stack.settings.login_free_attempts_per_account
    attempts = [
        stack.api(login, {"u": "ny-gissning", "p": "fel lösenord igen"}) for _ in range(count)
    ]
    assert set(await outcomes(*attempts)) == {"UNAUTHENTICATED"}
    async with stack.identity.deps.sessions() as session:
        failures = await session.scalar(
            select(LoginThrottleRow.failures).where(LoginThrottleRow.key == "account:ny-gissning")
        )
    assert failures == count


async def test_guesses_sent_in_parallel_are_not_checked_past_the_lock_out(stack):
    """Each attempt counts against the account before its password is checked, under the
    row's lock: of many guesses sent at once (from many addresses), only the free attempts
    are checked and the rest are refused as locked out. Checked, one of them could have been
    the right password and let in past the lock-out."""
    free = stack.settings.login_free_attempts_per_account
    guesses = (
        login_error(stack, "anna", "fel lösenord", address=f"10.1.0.{n}") for n in range(3 * free)
    )
    errors = await asyncio.gather(*guesses)
    reasons = [error["extensions"].get("reason", "CHECKED") for error in errors if error]
    assert sorted(reasons) == ["CHECKED"] * free + ["LOCKED_OUT"] * (2 * free)
    async with stack.identity.deps.sessions() as session:
        failures = await session.scalar(
            select(LoginThrottleRow.failures).where(LoginThrottleRow.key == "account:anna")
        )
    assert failures == free
