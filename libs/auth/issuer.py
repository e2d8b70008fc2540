"""Signing access tokens with Ed25519 keys, and publishing their public halves as a JWKS.

Identity owns the keys and uses this to issue tokens; tests use it with a fresh key to make
tokens the services accept (and tampered ones they must refuse).
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from libs.auth.principal import Principal

__all__ = ["SigningKey", "TokenIssuer", "jwks_document"]

ALGORITHM = "EdDSA"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(kid=uuid.uuid4().hex[:16], private_key=Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, kid: str, pem: bytes) -> SigningKey:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("signing keys must be Ed25519")
        return cls(kid=kid, private_key=key)

    def to_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(OKPAlgorithm.to_jwk(self.private_key.public_key()))
        return {**jwk, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}


def jwks_document(keys: list[SigningKey]) -> dict[str, Any]:
    return {"keys": [key.public_jwk() for key in keys]}


class TokenIssuer:
    def __init__(self, *, key: SigningKey, issuer: str, audience: str, lifetime: timedelta) -> None:
        if lifetime > timedelta(minutes=5):
            raise ValueError("access tokens live at most 5 minutes")
        self.key = key
        self._issuer = issuer
        self._audience = audience
        self._lifetime = lifetime

    def issue(self, principal: Principal, *, now: datetime) -> str:
        claims = {
            **principal.to_claims(),
            "iss": self._issuer,
            "aud": self._audience,
            # Sub-second iat: a token issued right after a revocation must not look older than
            # it. Rounded down: rounded up, one issued just before could look issued after.
            "iat": math.floor(now.timestamp() * 1000) / 1000,
            "nbf": int(now.timestamp()),
            "exp": int((now + self._lifetime).timestamp()),
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(
            claims, self.key.private_key, algorithm=ALGORITHM, headers={"kid": self.key.kid}
        )
