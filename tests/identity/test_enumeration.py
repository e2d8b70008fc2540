"""No user enumeration: an unknown username fails exactly like a wrong password, as slowly."""

from __future__ import annotations

import statistics
import time

import pytest

from services.identity.settings import IdentitySettings
from tests.identity.conftest import IdentityDatabase, login_error


@pytest.fixture
async def identity_database(databases) -> IdentityDatabase:
    # A database of its own: the demo users' hashes must be production-strength too.
    return IdentityDatabase(url=await databases.create("identity"), seeded=False)


@pytest.fixture
def identity_settings(identity_settings: IdentitySettings) -> IdentitySettings:
    # Production-strength hashes here, so the timing comparison measures the hash.
    return identity_settings.model_copy(
        update={"argon2_memory_kib": 19 * 1024, "argon2_time_cost": 2}
    )


async def test_unknown_user_and_wrong_password_look_the_same(stack):
    wrong_password = await login_error(stack, "anna", "inte rätt lösenord", address="10.0.0.2")
    unknown_user = await login_error(stack, "ingen-sådan", "inte rätt lösenord", address="10.0.0.3")
    assert wrong_password == unknown_user
    assert wrong_password["extensions"] == {"code": "UNAUTHENTICATED"}
    assert wrong_password["message"] == "wrong username or password"

    # Both paths verify an argon2 hash, so they take about as long.
    async def timed(username: str, address: str) -> float:
        started = time.perf_counter()
        await login_error(stack, username, "inte rätt lösenord", address=address)
        return time.perf_counter() - started

    known, unknown = [], []
    for i, name in enumerate(["bo", "chef", "admin", "soladmin", "bo"]):
        known.append(await timed(name, f"10.1.0.{i}"))
        unknown.append(await timed(f"okänd{i}", f"10.2.0.{i}"))
    ratio = statistics.median(unknown) / statistics.median(known)
    # Without the dummy hash an unknown user would answer in a fraction of the time (< 0.2).
    assert 0.5 < ratio < 2.0, (known, unknown)
