"""Use cases of signing in: log-in, account activation, refreshing and ending a session.

A session is a short-lived access token (JWT, EdDSA, ≤ 5 min) and a refresh token that rotates
on every use. Refresh tokens of one log-in form a family; presenting one that was already used
means it was copied, so the whole family is revoked and both holders must log in again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from libs.auth.issuer import TokenIssuer
from libs.database import dialect_name, insert_ignoring_conflicts
from services.identity import domain, repository
from services.identity.domain import (
    InvalidCredentials,
    InvalidInput,
    InvalidSession,
    LockedOut,
    ThrottlePolicy,
    ThrottleState,
)
from services.identity.handlers import Deps
from services.identity.opaque_tokens import hash_token, new_token
from services.identity.tables import (
    ActivationTokenRow,
    LoginThrottleRow,
    RefreshTokenRow,
    UserRow,
)

__all__ = [
    "AuthTokens",
    "activate_account",
    "issue_session",
    "log_in",
    "log_out",
    "refresh_session",
]

THROTTLE = cast(Table, LoginThrottleRow.__table__)


@dataclass(frozen=True, kw_only=True)
class AuthTokens:
    access_token: str
    expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    user_id: str


async def issue_session(
    session: AsyncSession, *, deps: Deps, user_id: str, family_id: str | None = None
) -> AuthTokens:
    """An access token with the user's current roles and a new refresh token of the family."""
    now = deps.clock.now()
    principal = repository.principal_of(user_id, await repository.current_roles(session, user_id))
    issuer = TokenIssuer(
        key=await deps.keys.signing_key(),
        issuer=deps.settings.common.jwt_issuer,
        audience=deps.settings.common.jwt_audience,
        lifetime=deps.settings.access_token_lifetime,
    )
    refresh = new_token()
    refresh_expires = now + deps.settings.refresh_token_lifetime
    session.add(
        RefreshTokenRow(
            token_hash=hash_token(refresh),
            family_id=family_id or str(uuid.uuid4()),
            user_id=user_id,
            issued_at=now,
            expires_at=refresh_expires,
        )
    )
    return AuthTokens(
        access_token=issuer.issue(principal, now=now),
        expires_at=now + deps.settings.access_token_lifetime,
        refresh_token=refresh,
        refresh_expires_at=refresh_expires,
        user_id=user_id,
    )


def _policies(deps: Deps) -> tuple[ThrottlePolicy, ThrottlePolicy]:
    s = deps.settings
    common = {
        "window": timedelta(seconds=s.login_window_seconds),
        "base_lock": timedelta(seconds=s.login_base_lock_seconds),
        "max_lock": timedelta(seconds=s.login_max_lock_seconds),
    }
    return (
        ThrottlePolicy(free_attempts=s.login_free_attempts_per_account, **common),
        ThrottlePolicy(free_attempts=s.login_free_attempts_per_address, **common),
    )


async def _throttle_states(session: AsyncSession, keys: list[str]) -> dict[str, ThrottleState]:
    rows = (
        await session.execute(select(LoginThrottleRow).where(LoginThrottleRow.key.in_(keys)))
    ).scalars()
    found = {row.key: ThrottleState(row.failures, row.last_failure) for row in rows}
    return {key: found.get(key, ThrottleState(0, None)) for key in keys}


async def log_in(*, deps: Deps, username: str, password: str, address: str) -> AuthTokens:
    now = deps.clock.now()
    account_key = f"account:{username.strip().lower()[:150]}"
    address_key = f"address:{address[:100]}"
    account_policy, address_policy = _policies(deps)
    async with deps.sessions() as session:
        states = await _throttle_states(session, [account_key, address_key])
        waits = [
            wait
            for wait in (
                account_policy.retry_after(states[account_key], now=now),
                address_policy.retry_after(states[address_key], now=now),
            )
            if wait is not None
        ]
        if waits:
            raise LockedOut(retry_after=max(waits))
        user = await repository.get_user_by_username(session, username.strip().lower())
    # The attempt counts against the account before the password is checked, under the
    # row's lock: guesses sent in parallel all read "not locked" otherwise, and every one
    # of them would be checked (and one right guess let in) past the lock-out. A success
    # clears the count below.
    await _record_failure(deps, updates={account_key: account_policy}, refuse_locked=True)
    # The hash is checked whatever we found (a dummy hash for nobody), so an unknown user
    # costs the same time as a wrong password.
    verification = await deps.hasher.verify(user.password_hash if user else None, password)
    if user is None or not verification.matched or not user.active:
        await _record_failure(deps, updates={address_key: address_policy})
        raise InvalidCredentials()
    rehashed = await deps.hasher.hash(password) if verification.needs_rehash else None
    async with deps.sessions() as session, session.begin():
        # A success clears the account's count; the address keeps its count, or one valid
        # account would let an attacker reset the address limit while guessing others.
        await session.execute(delete(LoginThrottleRow).where(LoginThrottleRow.key == account_key))
        if rehashed is not None:
            await session.execute(
                update(UserRow).where(UserRow.id == user.id).values(password_hash=rehashed)
            )
        return await issue_session(session, deps=deps, user_id=user.id)


async def _record_failure(
    deps: Deps, *, updates: dict[str, ThrottlePolicy], refuse_locked: bool = False
) -> None:
    """Count a failure for each key; with ``refuse_locked``, count nothing and raise
    `LockedOut` if a key is locked already (the check and the count under one lock)."""
    async with deps.sessions() as session, session.begin():
        # Rows are created first without a count (ignoring ones that exist), so concurrent
        # first failures never collide and the row lock below serialises the counting.
        await session.execute(
            insert_ignoring_conflicts(THROTTLE, dialect_name=dialect_name(session)),
            [{"key": key, "failures": 0, "last_failure": None} for key in updates],
        )
        rows = (
            await session.execute(
                select(LoginThrottleRow)
                .where(LoginThrottleRow.key.in_(list(updates)))
                .with_for_update()
            )
        ).scalars()
        # The time once the lock is held: a parallel attempt may have counted a moment ago,
        # later than when this request began.
        now = deps.clock.now()
        for row in rows:
            policy, state = updates[row.key], ThrottleState(row.failures, row.last_failure)
            if refuse_locked and (wait := policy.retry_after(state, now=now)) is not None:
                raise LockedOut(retry_after=wait)
            after = policy.after_failure(state, now=now)
            row.failures = after.failures
            row.last_failure = after.last_failure


async def activate_account(*, deps: Deps, token: str, password: str) -> AuthTokens:
    """Set the first password through a single-use link; nothing changes if anything is off."""
    invalid = InvalidInput("the activation link is invalid, used or expired", field="token")
    token_hash = hash_token(token)
    async with deps.sessions() as session:
        row = await session.get(ActivationTokenRow, token_hash)
        user = await repository.get_user(session, row.user_id) if row else None
    now = deps.clock.now()
    if row is None or user is None or row.used_at is not None or row.expires_at <= now:
        raise invalid
    if not user.active or user.password_hash is not None:
        raise invalid
    domain.check_password(password, username=user.username)
    password_hash = await deps.hasher.hash(password)
    async with deps.sessions() as session, session.begin():
        # Conditional on "still unused": two concurrent activations cannot both succeed.
        consumed = await session.execute(
            update(ActivationTokenRow)
            .where(
                ActivationTokenRow.token_hash == token_hash, ActivationTokenRow.used_at.is_(None)
            )
            .values(used_at=now)
        )
        if getattr(consumed, "rowcount", 0) != 1:
            raise invalid
        # Any other outstanding link of this user stops working too.
        await session.execute(
            update(ActivationTokenRow)
            .where(ActivationTokenRow.user_id == user.id, ActivationTokenRow.used_at.is_(None))
            .values(used_at=now)
        )
        await session.execute(
            update(UserRow)
            .where(UserRow.id == user.id)
            .values(password_hash=password_hash, activated_at=now)
        )
        return await issue_session(session, deps=deps, user_id=user.id)


async def refresh_session(*, deps: Deps, refresh_token: str) -> AuthTokens:
    token_hash = hash_token(refresh_token)
    now = deps.clock.now()
    async with deps.sessions() as session, session.begin():
        row = await session.get(RefreshTokenRow, token_hash)
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise InvalidSession()
        # Claiming the token is one conditional UPDATE, so of two concurrent uses only one wins
        # and the other is treated as the reuse it is.
        claimed = await session.execute(
            update(RefreshTokenRow)
            .where(RefreshTokenRow.token_hash == token_hash, RefreshTokenRow.used_at.is_(None))
            .values(used_at=now)
        )
        reused = getattr(claimed, "rowcount", 0) != 1
        user = await repository.get_user(session, row.user_id)
        if reused or user is None or not user.active:
            await _revoke_family(session, family_id=row.family_id, now=now)
        else:
            return await issue_session(session, deps=deps, user_id=user.id, family_id=row.family_id)
    raise InvalidSession()


async def _revoke_family(session: AsyncSession, *, family_id: str, now: datetime) -> None:
    await session.execute(
        update(RefreshTokenRow)
        .where(RefreshTokenRow.family_id == family_id, RefreshTokenRow.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def log_out(*, deps: Deps, refresh_token: str) -> None:
    """End the session the refresh token belongs to; unknown tokens are quietly ignored."""
    async with deps.sessions() as session, session.begin():
        row = await session.get(RefreshTokenRow, hash_token(refresh_token))
        if row is not None:
            await _revoke_family(session, family_id=row.family_id, now=deps.clock.now())
