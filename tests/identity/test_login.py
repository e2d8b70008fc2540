"""Log-in: OWASP argon2id by default, no user enumeration, lock-out per account and address."""

from __future__ import annotations

import asyncio

import pytest
from argon2 import extract_parameters

from libs.settings import CommonSettings, ConfigurationError, load_settings
from services.identity.passwords import PasswordHasher
from services.identity.settings import IdentitySettings
from tests.identity.conftest import login_error
from tests.support.graphql import GraphQLError


@pytest.fixture
def identity_settings(identity_settings: IdentitySettings) -> IdentitySettings:
    return identity_settings.model_copy(
        update={
            "login_free_attempts_per_account": 3,
            "login_free_attempts_per_address": 6,
            "login_base_lock_seconds": 1,
        }
    )


async def test_production_defaults_are_the_owasp_argon2id_parameters():
    settings = IdentitySettings()
    assert (settings.argon2_memory_kib, settings.argon2_time_cost) == (19 * 1024, 2)
    assert settings.argon2_parallelism == 1
    hasher = PasswordHasher(
        memory_kib=settings.argon2_memory_kib,
        time_cost=settings.argon2_time_cost,
        parallelism=settings.argon2_parallelism,
    )
    try:
        stored = await hasher.hash("korrekt häst batteri häftklammer")
        parameters = extract_parameters(stored)
        assert stored.startswith("$argon2id$")
        assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (
            19456,
            2,
            1,
        )
        assert (await hasher.verify(stored, "korrekt häst batteri häftklammer")).matched
        assert not (await hasher.verify(stored, "fel")).matched
        assert not (await hasher.verify(None, "korrekt häst batteri häftklammer")).matched
    finally:
        hasher.close()


async def test_repeated_failures_lock_the_account_even_for_the_right_password(stack):
    for _ in range(3):
        error = await login_error(stack, "bo", "fel fel fel fel", address="10.0.1.1")
        assert error["message"] == "wrong username or password"
    locked = await login_error(stack, "bo", stack.demo["bo"].password, address="10.0.1.2")
    assert locked["extensions"]["code"] == "UNAUTHENTICATED"
    assert locked["extensions"]["reason"] == "LOCKED_OUT"
    assert locked["extensions"]["retryAfterSeconds"] >= 1
    # An unknown username locks the same way: the lock-out does not reveal who exists.
    for _ in range(3):
        await login_error(stack, "finns-inte", "fel fel fel fel", address="10.0.1.3")
    ghost = await login_error(stack, "finns-inte", "fel fel fel fel", address="10.0.1.4")
    assert ghost["extensions"]["reason"] == "LOCKED_OUT"

    # The lock is short for a first offence (1 s here) and then the right password works.
    await asyncio.sleep(1.1)
    assert await login_error(stack, "bo", stack.demo["bo"].password, address="10.0.1.5") is None


async def test_one_address_guessing_many_accounts_is_locked_out(stack):
    for i in range(6):
        error = await login_error(stack, f"gissning{i}", "lösenord123456", address="192.0.2.9")
        assert error["message"] == "wrong username or password"
    blocked = await login_error(stack, "anna", stack.demo["anna"].password, address="192.0.2.9")
    assert blocked["extensions"]["reason"] == "LOCKED_OUT"
    # Other addresses are unaffected.
    assert (
        await login_error(stack, "anna", stack.demo["anna"].password, address="192.0.2.10") is None
    )


async def test_an_account_that_was_never_activated_cannot_log_in(stack):
    admin = await stack.as_user("admin")
    await admin(
        "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
        {
            "i": {
                "name": "Ny",
                "email": "ny@example.se",
                "username": "ny",
                "unitId": stack.unit_id,
                "roles": ["CARE_STAFF"],
            }
        },
    )
    with pytest.raises(GraphQLError) as raised:
        await stack.login("ny", "vad som helst egentligen")
    assert raised.value.errors[0]["message"] == "wrong username or password"


def test_production_refuses_weakened_hashing():
    with pytest.raises(ConfigurationError, match="argon2"):
        load_settings(
            IdentitySettings,
            argon2_memory_kib=1024,
            common=CommonSettings(production=True),
        )
    assert load_settings(IdentitySettings, common=CommonSettings(production=True))
