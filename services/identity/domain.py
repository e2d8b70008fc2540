"""Identity's rules: who may hold which role, role orders, passwords, log-in throttling.

Plain Python only (no database, web or broker imports), so every rule is unit-testable.

    IdentityError
    ├── InvalidInput        the request itself is wrong (bad e-mail, weak password ...)
    ├── NotFound            no such record, or one in a unit the caller may not see
    ├── NotAllowed          known record, but the caller's role may not do this
    ├── StateConflict       the record's state forbids it (duplicate, already decided ...)
    ├── InvalidCredentials  log-in failed; deliberately one error for every cause
    ├── LockedOut           too many failed log-ins for this account or address
    └── InvalidSession      refresh token unknown, expired, revoked or reused
"""

from __future__ import annotations

import functools
import re
import unicodedata
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from libs.auth.principal import Principal, Role

__all__ = [
    "COMMON_PASSWORDS",
    "CREATABLE_ROLES",
    "MIN_PASSWORD_LENGTH",
    "ORDERABLE_ROLES",
    "IdentityError",
    "InvalidCredentials",
    "InvalidInput",
    "InvalidSession",
    "LockedOut",
    "NotAllowed",
    "NotFound",
    "OrderAction",
    "OrderState",
    "StateConflict",
    "ThrottlePolicy",
    "ThrottleState",
    "check_decision",
    "check_initial_roles",
    "check_new_order",
    "check_password",
    "normalise_email",
    "normalise_username",
    "require_manager_of",
    "require_system_admin",
    "require_user_reader_of",
    "validate_name",
    "validate_reason",
    "validate_timezone",
]


class IdentityError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(IdentityError):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(IdentityError):
    pass


class NotAllowed(IdentityError):
    pass


class StateConflict(IdentityError):
    pass


class InvalidCredentials(IdentityError):
    def __init__(self) -> None:
        # One message for unknown user, wrong password, not activated and deactivated alike,
        # so the answer never tells whether a username exists.
        super().__init__("wrong username or password")


class LockedOut(IdentityError):
    def __init__(self, *, retry_after: timedelta) -> None:
        super().__init__("too many failed log-ins; try again later")
        self.retry_after = retry_after


class InvalidSession(IdentityError):
    def __init__(self) -> None:
        super().__init__("the session is not valid; log in again")


class OrderAction(StrEnum):
    GRANT = "GRANT"
    REVOKE = "REVOKE"


class OrderState(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


# Roles a unit manager may order; the routine covers SoL-administrator only.
ORDERABLE_ROLES = frozenset({Role.SOL_ADMIN})
# Roles a system administrator sets when creating a user; SOL_ADMIN goes through an order.
CREATABLE_ROLES = frozenset({Role.CARE_STAFF, Role.UNIT_MANAGER, Role.SYSTEM_ADMIN})

MIN_PASSWORD_LENGTH = 12
# The most common passwords of twelve characters or more in public breach lists, plus local
# favourites; a short list on purpose: length does most of the work.
COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "qwertyuiopasdfghjkl",
        "qwertyuiop123",
        "qwertyuiopå",
        "password1234",
        "password12345",
        "passwordpassword",
        "lösenord1234",
        "losenord1234",
        "lösenordlösenord",
        "sommar2024!!",
        "sommarsommar",
        "vinter123456",
        "hejsanhejsan",
        "iloveyou1234",
        "aaaaaaaaaaaa",
        "abcdefghijkl",
        "abc123abc123",
        "welcome12345",
        "letmein12345",
        "administrator",
        "changeme1234",
        "trustno1trustno1",
        "1q2w3e4r5t6y",
        "1qaz2wsx3edc",
        "zaq12wsxcde3",
        "signasigna12",
    }
)

_EMAIL = re.compile(
    r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$"
)
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")


def normalise_email(value: str) -> str:
    email = value.strip()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidInput("not a valid e-mail address", field="email")
    local, _, domain = email.partition("@")
    return f"{local}@{domain.lower()}"


def normalise_username(value: str) -> str:
    username = unicodedata.normalize("NFC", value.strip().lower())
    if not _USERNAME.match(username):
        raise InvalidInput(
            "a username is 2–63 characters: lower-case letters, digits, '.', '_' or '-'",
            field="username",
        )
    return username


def validate_name(value: str, *, field: str = "name") -> str:
    name = " ".join(value.split())
    if not name or len(name) > 200:
        raise InvalidInput("a name is 1–200 characters", field=field)
    return name


@functools.cache
def _zones() -> frozenset[str]:
    # Read once, when a unit is first created: listing the zone files takes ~25 ms, which
    # every start-up of identity (and every test process) paid when it was done on import.
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str | None) -> str:
    zone = value or "Europe/Stockholm"
    # The list, not a look-up: ZoneInfo("Europe") opens a directory and a long name fails
    # with OSError, and a name it did load may still be a file that is not a zone.
    if zone not in _zones():
        raise InvalidInput("not an IANA time zone", field="timezone")
    return zone


def check_password(password: str, *, username: str) -> None:
    """The password policy (NIST SP 800-63B style: length and a block list, no composition)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"the password needs at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    if len(password) > 256:
        raise InvalidInput("the password is too long (at most 256 characters)", field="password")
    folded = password.casefold()
    if username.casefold() in folded:
        raise InvalidInput("the password must not contain the username", field="password")
    if folded in COMMON_PASSWORDS or len(set(folded)) <= 2:
        raise InvalidInput("the password is too common; choose another", field="password")


def check_initial_roles(roles: Iterable[Role], *, has_unit: bool) -> frozenset[Role]:
    """The roles a system administrator may give a new user directly."""
    chosen = frozenset(roles)
    if not chosen:
        raise InvalidInput("give the user at least one role", field="roles")
    if not chosen <= CREATABLE_ROLES:
        raise InvalidInput(
            "SOL_ADMIN is ordered by the unit manager and approved, not set at creation",
            field="roles",
        )
    if chosen - {Role.SYSTEM_ADMIN} and not has_unit:
        raise InvalidInput("unit roles need a unit", field="unitId")
    return chosen


def require_system_admin(principal: Principal) -> None:
    if not principal.is_system_admin:
        raise NotAllowed("only a system administrator may do this")


def require_manager_of(principal: Principal, unit_id: str) -> None:
    """A unit manager of ``unit_id``; to anyone outside the unit it does not exist."""
    if principal.is_system_admin and not principal.has_role(unit_id, Role.UNIT_MANAGER):
        raise NotAllowed("only the unit manager may do this")
    if not principal.has_role(unit_id):
        raise NotFound("no such unit")
    if not principal.has_role(unit_id, Role.UNIT_MANAGER):
        raise NotAllowed("only the unit manager may do this")


def require_user_reader_of(principal: Principal, unit_id: str) -> None:
    """Managers and SoL-admins list their unit's users; others in the unit are refused."""
    if principal.is_system_admin:
        return
    if not principal.has_role(unit_id):
        raise NotFound("no such unit")
    if not principal.has_role(unit_id, Role.UNIT_MANAGER, Role.SOL_ADMIN):
        raise NotAllowed("only managers and SoL-administrators list a unit's users")


def check_new_order(
    *,
    role: Role,
    action: OrderAction,
    holds_role: bool,
    has_pending_order: bool,
) -> None:
    if role not in ORDERABLE_ROLES:
        raise InvalidInput("only the SOL_ADMIN role is ordered this way", field="role")
    if has_pending_order:
        raise StateConflict("an order for this role is already waiting for approval")
    if action is OrderAction.GRANT and holds_role:
        raise StateConflict("the user already has this role in the unit")
    if action is OrderAction.REVOKE and not holds_role:
        raise StateConflict("the user does not have this role in the unit")


def check_decision(*, state: OrderState) -> None:
    if state is not OrderState.PENDING:
        raise StateConflict(f"the order is already {state.value.lower()}")


def validate_reason(value: str) -> str:
    reason = value.strip()
    if not reason or len(reason) > 2000:
        raise InvalidInput("give a reason (1–2000 characters)", field="reason")
    return reason


@dataclass(frozen=True)
class ThrottleState:
    failures: int
    last_failure: datetime | None


@dataclass(frozen=True, kw_only=True)
class ThrottlePolicy:
    """Failed log-ins within ``window`` beyond ``free_attempts`` lock for a doubling time.

    Counted per account and per client address; an unknown username is throttled exactly like
    a known one, so the lock-out itself does not reveal which usernames exist.
    """

    free_attempts: int
    window: timedelta
    base_lock: timedelta
    max_lock: timedelta

    def current(self, state: ThrottleState, *, now: datetime) -> ThrottleState:
        """Failures older than the window (and any lock they caused) are forgotten."""
        if state.last_failure is None or now - state.last_failure > self.window + self.lock_for(
            state.failures
        ):
            return ThrottleState(failures=0, last_failure=None)
        return state

    def lock_for(self, failures: int) -> timedelta:
        excess = failures - self.free_attempts
        if excess < 0:
            return timedelta(0)
        lock: timedelta = min(self.base_lock * (2 ** min(excess, 20)), self.max_lock)
        return lock

    def retry_after(self, state: ThrottleState, *, now: datetime) -> timedelta | None:
        state = self.current(state, now=now)
        # Within the free attempts nothing is locked, also when a parallel attempt counted its
        # failure after this request read the time (last_failure a moment after `now`).
        if state.last_failure is None or state.failures < self.free_attempts:
            return None
        remaining = state.last_failure + self.lock_for(state.failures) - now
        return remaining if remaining > timedelta(0) else None

    def after_failure(self, state: ThrottleState, *, now: datetime) -> ThrottleState:
        state = self.current(state, now=now)
        return ThrottleState(failures=state.failures + 1, last_failure=now)
