"""Access-token verification: only our issuer's EdDSA tokens, unexpired, for us, not revoked."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
import time_machine
from cryptography.hazmat.primitives import serialization

from libs.auth.issuer import SigningKey, TokenIssuer, jwks_document
from libs.auth.principal import Principal, Role
from libs.auth.verifier import InvalidToken, StaticKeySource, TokenVerifier

ISSUER = "https://signa.local/identity"
AUDIENCE = "signa"
ALICE = Principal(user_id="alice", unit_roles={"unit-1": frozenset({Role.CARE_STAFF})})


def make(key: SigningKey, *, issuer: str = ISSUER, audience: str = AUDIENCE) -> TokenIssuer:
    return TokenIssuer(key=key, issuer=issuer, audience=audience, lifetime=timedelta(minutes=5))


@pytest.fixture
def key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def verifier(key: SigningKey) -> TokenVerifier:
    return TokenVerifier(
        keys=StaticKeySource(jwks_document([key])), issuer=ISSUER, audience=AUDIENCE
    )


async def test_a_valid_token_gives_the_principal_with_its_roles(key, verifier):
    principal = await verifier.verify(make(key).issue(ALICE, now=datetime.now(UTC)))
    assert principal.user_id == "alice"
    assert principal.has_role("unit-1", Role.CARE_STAFF)
    assert not principal.has_role("unit-2")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hs256(claims: dict, secret: bytes, *, kid: str) -> str:
    """The algorithm-confusion attack: HMAC keyed with the published public key."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    payload = _b64(json.dumps(claims).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["units"] = {"unit-1": ["UNIT_MANAGER"]}
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"


async def test_forged_expired_and_foreign_tokens_are_refused(key, verifier):
    now = datetime.now(UTC)
    good = make(key).issue(ALICE, now=now)
    public_pem = key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    claims = jwt.decode(good, options={"verify_signature": False})
    bad_tokens = {
        "alg none": jwt.encode(claims, None, algorithm="none", headers={"kid": key.kid}),
        "HS256 keyed with the public key": _hs256(claims, public_pem, kid=key.kid),
        "expired": make(key).issue(ALICE, now=now - timedelta(minutes=10)),
        "not yet valid": make(key).issue(ALICE, now=now + timedelta(minutes=3)),
        "wrong audience": make(key, audience="someone-else").issue(ALICE, now=now),
        "wrong issuer": make(key, issuer="https://evil.example").issue(ALICE, now=now),
        "unknown key": make(SigningKey.generate()).issue(ALICE, now=now),
        "tampered payload": _tamper(good),
        "garbage": "not.a.token",
    }
    accepted = []
    for reason, token in bad_tokens.items():
        try:
            await verifier.verify(token)
        except InvalidToken:
            continue
        accepted.append(reason)
    assert accepted == []


async def test_tokens_issued_before_a_revocation_are_refused_and_later_ones_accepted(key):
    revoked_at = datetime.now(UTC)
    verifier = TokenVerifier(
        keys=StaticKeySource(jwks_document([key])),
        issuer=ISSUER,
        audience=AUDIENCE,
        is_revoked=lambda p: p.user_id == "alice" and p.issued_at <= revoked_at,
    )
    before = make(key).issue(ALICE, now=revoked_at - timedelta(milliseconds=5))
    after = make(key).issue(ALICE, now=revoked_at + timedelta(milliseconds=5))
    with pytest.raises(InvalidToken):
        await verifier.verify(before)
    assert (await verifier.verify(after)).user_id == "alice"


async def test_a_rotated_key_is_fetched_once_and_old_tokens_stay_valid(key):
    published = [key]
    fetches = 0

    def document():
        nonlocal fetches
        fetches += 1
        return jwks_document(published)

    verifier = TokenVerifier(
        keys=StaticKeySource(document), issuer=ISSUER, audience=AUDIENCE, refetch_interval=0
    )
    now = datetime.now(UTC)
    old_token = make(key).issue(ALICE, now=now)
    await verifier.verify(old_token)
    rotated = SigningKey.generate()
    published.append(rotated)
    await verifier.verify(make(rotated).issue(ALICE, now=now))
    await verifier.verify(old_token)
    assert fetches == 2


async def test_a_key_identity_stops_publishing_stops_being_trusted(key):
    """Retired, or withdrawn after a leak: once the key set no longer has it, a token it
    signs is refused, even with no unknown kid to prompt a refetch."""
    published = [key]
    verifier = TokenVerifier(
        keys=StaticKeySource(lambda: jwks_document(published)),
        issuer=ISSUER,
        audience=AUDIENCE,
        refetch_interval=0,
        max_key_age=0,
    )
    now = datetime.now(UTC)
    assert (await verifier.verify(make(key).issue(ALICE, now=now))).user_id == "alice"
    published[:] = [SigningKey.generate()]
    with pytest.raises(InvalidToken):
        await verifier.verify(make(key).issue(ALICE, now=now + timedelta(milliseconds=1)))


async def test_a_token_issued_within_a_millisecond_before_a_revocation_is_refused(key):
    """``iat`` carries milliseconds, rounded down: rounded to the nearest, a token issued
    0.4 ms before the revocation looked issued 0.6 ms after it."""
    revoked_at = datetime(2026, 11, 30, 12, 0, 0, 123_900, tzinfo=UTC)
    verifier = TokenVerifier(
        keys=StaticKeySource(jwks_document([key])),
        issuer=ISSUER,
        audience=AUDIENCE,
        is_revoked=lambda p: p.issued_at <= revoked_at,
    )
    just_before = make(key).issue(ALICE, now=revoked_at - timedelta(microseconds=400))
    with time_machine.travel(revoked_at, tick=False), pytest.raises(InvalidToken):
        await verifier.verify(just_before)


async def test_a_remembered_token_is_still_refused_once_expired_or_revoked(key):
    revoked_at: list[datetime] = []
    verifier = TokenVerifier(
        keys=StaticKeySource(jwks_document([key])),
        issuer=ISSUER,
        audience=AUDIENCE,
        leeway_seconds=0,
        is_revoked=lambda p: bool(revoked_at) and p.issued_at <= revoked_at[0],
    )
    now = datetime.now(UTC)
    token = make(key).issue(ALICE, now=now)
    assert (await verifier.verify(token)).user_id == "alice"
    assert (await verifier.verify(token)).user_id == "alice"  # now from memory
    with time_machine.travel(now + timedelta(minutes=5, seconds=1)), pytest.raises(InvalidToken):
        await verifier.verify(token)
    revoked_at.append(datetime.now(UTC))
    with pytest.raises(InvalidToken):
        await verifier.verify(token)
    with pytest.raises(InvalidToken):  # an altered copy of a remembered token is checked afresh
        await verifier.verify(_tamper(token))


async def test_remembered_tokens_are_bounded(key):
    verifier = TokenVerifier(
        keys=StaticKeySource(jwks_document([key])),
        issuer=ISSUER,
        audience=AUDIENCE,
        remembered_tokens=3,
    )
    now = datetime.now(UTC)
    tokens = [make(key).issue(Principal(user_id=f"u{n}", unit_roles={}), now=now) for n in range(5)]
    for token in tokens:
        await verifier.verify(token)
    assert [(await verifier.verify(t)).user_id for t in tokens] == [f"u{n}" for n in range(5)]
    assert len(verifier._verified) == 3
