"""Identity's rules as plain functions: no database, no network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from libs.auth.principal import Principal, Role
from services.identity import domain
from services.identity.domain import OrderAction, ThrottlePolicy, ThrottleState

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("kort", False),
        ("elva tecken", False),
        ("tolv tecken!", True),
        ("Password1234", False),
        ("LÖSENORD1234", False),
        ("zzzzzzzzzzzzzzzz", False),
        ("abababababababab", False),
        ("annaannaanna-x", False),  # contains the username
        ("x" * 257, False),
        ("en mening som är lätt att minnas", True),
    ],
)
def test_password_policy(password, ok):
    if ok:
        domain.check_password(password, username="anna")
    else:
        with pytest.raises(domain.InvalidInput):
            domain.check_password(password, username="anna")


def test_emails_are_checked_and_the_domain_lower_cased():
    assert domain.normalise_email(" Karin@Example.SE ") == "Karin@example.se"
    for bad in ("karin", "karin@", "@example.se", "ka rin@example.se", "karin@example", "a@b@c.se"):
        with pytest.raises(domain.InvalidInput):
            domain.normalise_email(bad)


def test_usernames_are_lower_cased_and_restricted():
    assert domain.normalise_username("  Anna.Berg ") == "anna.berg"
    for bad in ("a", "anna berg", "-anna", "x" * 64, "anna<script>"):
        with pytest.raises(domain.InvalidInput):
            domain.normalise_username(bad)


def test_time_zones_default_to_stockholm_and_must_exist():
    assert domain.validate_timezone(None) == "Europe/Stockholm"
    assert domain.validate_timezone("Europe/Helsinki") == "Europe/Helsinki"
    with pytest.raises(domain.InvalidInput):
        domain.validate_timezone("Europe/Atlantis")


@pytest.mark.parametrize(
    ("role", "action", "holds", "pending", "error"),
    [
        (Role.SOL_ADMIN, OrderAction.GRANT, False, False, None),
        (Role.SOL_ADMIN, OrderAction.REVOKE, True, False, None),
        (Role.SOL_ADMIN, OrderAction.GRANT, True, False, domain.StateConflict),
        (Role.SOL_ADMIN, OrderAction.REVOKE, False, False, domain.StateConflict),
        (Role.SOL_ADMIN, OrderAction.GRANT, False, True, domain.StateConflict),
        (Role.UNIT_MANAGER, OrderAction.GRANT, False, False, domain.InvalidInput),
    ],
)
def test_role_orders(role, action, holds, pending, error):
    def check():
        domain.check_new_order(
            role=role, action=action, holds_role=holds, has_pending_order=pending
        )

    if error is None:
        check()
    else:
        with pytest.raises(error):
            check()


def test_only_pending_orders_can_be_decided():
    domain.check_decision(state=domain.OrderState.PENDING)
    for state in (domain.OrderState.APPROVED, domain.OrderState.REJECTED):
        with pytest.raises(domain.StateConflict):
            domain.check_decision(state=state)


def test_manager_checks_hide_other_units():
    manager = Principal(user_id="m", unit_roles={"u1": frozenset({Role.UNIT_MANAGER})})
    staff = Principal(user_id="s", unit_roles={"u1": frozenset({Role.CARE_STAFF})})
    admin = Principal(user_id="a", global_roles=frozenset({Role.SYSTEM_ADMIN}))
    domain.require_manager_of(manager, "u1")
    with pytest.raises(domain.NotFound):
        domain.require_manager_of(manager, "u2")
    with pytest.raises(domain.NotAllowed):
        domain.require_manager_of(staff, "u1")
    with pytest.raises(domain.NotAllowed):
        domain.require_manager_of(admin, "u1")
    with pytest.raises(domain.NotAllowed):
        domain.require_system_admin(manager)


POLICY = ThrottlePolicy(
    free_attempts=5,
    window=timedelta(minutes=15),
    base_lock=timedelta(seconds=30),
    max_lock=timedelta(hours=1),
)


def test_throttle_locks_after_the_free_attempts_and_doubles():
    state = ThrottleState(0, None)
    for _ in range(4):
        state = POLICY.after_failure(state, now=NOW)
        assert POLICY.retry_after(state, now=NOW) is None
    state = POLICY.after_failure(state, now=NOW)
    assert POLICY.retry_after(state, now=NOW) == timedelta(seconds=30)
    assert POLICY.retry_after(state, now=NOW + timedelta(seconds=31)) is None
    state = POLICY.after_failure(state, now=NOW + timedelta(seconds=31))
    assert POLICY.retry_after(state, now=NOW + timedelta(seconds=31)) == timedelta(seconds=60)


def test_failures_within_the_free_attempts_never_lock_even_when_counted_after_now():
    """A request reads the time when it starts; a parallel attempt may count a failure a
    moment later. That failure, within the free attempts, locks nothing: it was answered
    LOCKED_OUT (the 'lock' being the moment between the two)."""
    state = ThrottleState(2, NOW + timedelta(milliseconds=40))
    assert POLICY.retry_after(state, now=NOW) is None


def test_throttle_forgets_old_failures():
    state = ThrottleState(4, NOW)
    later = NOW + timedelta(minutes=16)
    assert POLICY.after_failure(state, now=later).failures == 1


@given(st.integers(min_value=0, max_value=10_000))
def test_lock_never_exceeds_the_maximum(failures):
    assert timedelta(0) <= POLICY.lock_for(failures) <= POLICY.max_lock


def test_initial_roles_exclude_sol_admin_and_unit_roles_need_a_unit():
    assert domain.check_initial_roles([Role.SYSTEM_ADMIN], has_unit=False) == {Role.SYSTEM_ADMIN}
    assert domain.check_initial_roles([Role.CARE_STAFF], has_unit=True) == {Role.CARE_STAFF}
    for roles, has_unit in (([], True), ([Role.SOL_ADMIN], True), ([Role.CARE_STAFF], False)):
        with pytest.raises(domain.InvalidInput):
            domain.check_initial_roles(roles, has_unit=has_unit)
