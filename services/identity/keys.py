"""Identity's token-signing keys: stored in its database, rotated, published as a JWKS.

The private keys live in identity's own database so every replica signs with the same key and
a rotation reaches all of them. In production a key from a secret store (KMS, Vault or a
mounted secret) would keep the private half out of database backups; the store here is the
one place to change for that.

Rotation inserts a new key and retires the previous one. The new key is published at once
but signs only after ``propagation`` (longer than the replicas' key cache), so no replica sees
a token whose key it has not loaded yet; until then the previous key keeps signing. A retired
key stays published for ``overlap`` (≥ access-token lifetime + propagation), so the tokens it
signed keep verifying until they expire anyway.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from libs.auth.issuer import SigningKey, jwks_document
from libs.clock import Clock
from libs.database import SessionFactory
from services.identity.tables import SigningKeyRow

__all__ = ["KeyStore", "rotate_signing_key"]


async def rotate_signing_key(*, session: AsyncSession, now: datetime) -> SigningKey:
    """Make a new key the signing key and retire the current one (same transaction)."""
    key = SigningKey.generate()
    await session.execute(
        update(SigningKeyRow).where(SigningKeyRow.retired_at.is_(None)).values(retired_at=now)
    )
    session.add(SigningKeyRow(kid=key.kid, private_pem=key.to_pem().decode(), created_at=now))
    return key


class KeyStore:
    """The signing key and the published keys, cached briefly; also the verifier's KeySource."""

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        clock: Clock,
        overlap: timedelta,
        propagation: timedelta = timedelta(seconds=5),
        cache_seconds: float = 2.0,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._overlap = overlap
        self._propagation = propagation
        self._cache_seconds = cache_seconds
        self._published: list[SigningKey] = []
        self._keys: list[tuple[SigningKey, datetime]] = []
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    async def ensure_key(self) -> None:
        """Create the first key if there is none (at start-up)."""
        async with self._sessions() as session, session.begin():
            exists = (await session.execute(select(SigningKeyRow.kid).limit(1))).first()
            if exists is None:
                await rotate_signing_key(session=session, now=self._clock.now())
        self.invalidate()

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")

    async def signing_key(self) -> SigningKey:
        await self._load()
        if not self._keys:
            raise RuntimeError("no signing key: ensure_key() was not run")
        ready = self._clock.now() - self._propagation
        # Newest first; the very first key of an installation signs at once.
        return next((key for key, created in self._keys if created <= ready), self._keys[-1][0])

    async def published(self) -> list[SigningKey]:
        await self._load()
        return list(self._published)

    async def fetch(self) -> Mapping[str, Any]:
        """The JWKS document (KeySource protocol), read from the database, not over HTTP.

        Cached for ``cache_seconds``, so a flood of tokens with forged kids costs one small
        query per period, not one per request."""
        return jwks_document(await self.published())

    async def _load(self) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() - self._loaded_at < self._cache_seconds:
            return
        async with self._lock:
            if loop.time() - self._loaded_at < self._cache_seconds:
                return
            since = self._clock.now() - self._overlap
            async with self._sessions() as session:
                rows = (
                    await session.execute(
                        select(SigningKeyRow)
                        .where(
                            or_(
                                SigningKeyRow.retired_at.is_(None), SigningKeyRow.retired_at > since
                            )
                        )
                        .order_by(SigningKeyRow.created_at.desc())
                    )
                ).scalars()
                keys = [
                    (SigningKey.from_pem(row.kid, row.private_pem.encode()), row.created_at)
                    for row in rows
                ]
            self._keys = keys
            self._published = [key for key, _ in keys]
            self._loaded_at = loop.time()
