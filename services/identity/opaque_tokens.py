"""Opaque single-use and refresh tokens: random, handed out once, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["hash_token", "new_token"]


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # 256 random bits cannot be guessed, so a plain fast hash suffices (no salt, no stretching).
    return hashlib.sha256(token.encode()).hexdigest()
