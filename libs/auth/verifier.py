"""Verifying access tokens against identity's JWKS.

Keys are cached by ``kid``. A token with an unknown ``kid`` triggers one refetch (identity may
have rotated), rate-limited so a flood of forged kids cannot hammer identity; the set is also
refetched every five minutes, and replaced, so a key identity no longer publishes (retired, or
withdrawn after a leak) stops being trusted. Only EdDSA is
accepted; ``exp``, ``nbf``, ``iat``, ``iss``, ``aud`` and ``sub`` are required and checked.

A phone sends the same token with every request for its few minutes of life, and checking an
EdDSA signature costs a fifth of a millisecond, so tokens that passed are remembered (by their
whole text, signature included) until they expire. Expiry and revocation are checked on every
use all the same; a forged or altered token is a different text and is checked in full.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import httpx
import jwt

from libs.auth.principal import Principal
from libs.observability import get_logger

__all__ = ["InvalidToken", "JwksSource", "KeySource", "StaticKeySource", "TokenVerifier"]

log = get_logger(__name__)

ALGORITHMS = ["EdDSA"]


class InvalidToken(Exception):
    """The token is missing, malformed, forged, expired, revoked or not for us."""


class KeySource(Protocol):
    async def fetch(self) -> Mapping[str, Any]:
        """Return a JWKS document (``{"keys": [...]}``)."""
        ...


class JwksSource:
    def __init__(self, url: str, *, timeout: float = 3.0) -> None:
        self._url = url
        self._timeout = timeout

    async def fetch(self) -> Mapping[str, Any]:
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            response = await client.get(self._url)
            response.raise_for_status()
            document: Mapping[str, Any] = response.json()
            return document


class StaticKeySource:
    """A fixed JWKS, for tests and for identity verifying its own tokens in-process."""

    def __init__(self, document: Mapping[str, Any] | Callable[[], Mapping[str, Any]]) -> None:
        self._document = document

    async def fetch(self) -> Mapping[str, Any]:
        return self._document() if callable(self._document) else self._document


class TokenVerifier:
    def __init__(
        self,
        *,
        keys: KeySource,
        issuer: str,
        audience: str,
        is_revoked: Callable[[Principal], bool] | None = None,
        refetch_interval: float = 10.0,
        max_key_age: float = 300.0,
        leeway_seconds: int = 5,
        remembered_tokens: int = 10_000,
    ) -> None:
        self._source = keys
        self._issuer = issuer
        self._audience = audience
        self._is_revoked = is_revoked
        self._refetch_interval = refetch_interval
        self._max_key_age = max_key_age
        self._leeway = leeway_seconds
        self._keys: dict[str, jwt.PyJWK] = {}
        self._last_fetch = float("-inf")
        self._lock = asyncio.Lock()
        # Verified tokens, least recently used first: token -> (principal, its exp in epoch s).
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._remembered = remembered_tokens

    async def verify(self, token: str) -> Principal:
        remembered = self._verified.get(token)
        if remembered is not None and time.time() <= remembered[1] + self._leeway:
            self._verified.move_to_end(token)
            principal = remembered[0]
        else:
            principal, expires_at = await self._verify_signed(token)
            self._remember(token, principal, expires_at)
        if self._is_revoked is not None and self._is_revoked(principal):
            raise InvalidToken("token revoked")
        return principal

    def _remember(self, token: str, principal: Principal, expires_at: float) -> None:
        self._verified[token] = (principal, expires_at)
        if len(self._verified) > self._remembered:
            self._verified.popitem(last=False)

    async def _verify_signed(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise InvalidToken("malformed token") from error
        if header.get("alg") not in ALGORITHMS:
            raise InvalidToken("algorithm not allowed")
        key = await self._key(str(header.get("kid", "")))
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=ALGORITHMS,
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub"]},
            )
            principal = Principal.from_claims(claims)
            expires_at = float(claims["exp"])
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as error:
            raise InvalidToken(str(error)) from error
        return principal, expires_at

    async def _key(self, kid: str) -> jwt.PyJWK:
        stale = time.monotonic() - self._last_fetch > self._max_key_age
        if kid in self._keys and not stale:
            return self._keys[kid]
        async with self._lock:
            since = time.monotonic() - self._last_fetch
            if (kid not in self._keys or since > self._max_key_age) and (
                since > self._refetch_interval
            ):
                try:
                    await self._refresh()
                except InvalidToken:
                    if kid not in self._keys:
                        raise
                    # Identity unreachable for a moment: the keys known a while ago still hold.
                    log.warning("refreshing the signing keys failed; keeping the known ones")
        if kid not in self._keys:
            raise InvalidToken("unknown signing key")
        return self._keys[kid]

    async def _refresh(self) -> None:
        self._last_fetch = time.monotonic()
        try:
            document = await self._source.fetch()
        except (httpx.HTTPError, ValueError) as error:
            raise InvalidToken("signing keys unavailable") from error
        keys: dict[str, jwt.PyJWK] = {}
        for jwk in document.get("keys", []):
            if jwk.get("alg", "EdDSA") in ALGORITHMS and "kid" in jwk:
                keys[str(jwk["kid"])] = jwt.PyJWK(jwk, algorithm="EdDSA")
        # The set replaces the one known: identity keeps publishing a retired key as long as
        # tokens it signed may live (its overlap), so a key it no longer publishes is one no
        # token may use any more (retired, or withdrawn after a leak). Refetched every
        # ``max_key_age`` too, so a withdrawal is noticed without an unknown kid to prompt it.
        self._keys = keys
