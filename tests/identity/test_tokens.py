"""Access tokens are refused unless identity signed them, for us, and they are still valid;
keys rotate with overlap; refresh tokens rotate and a reused one ends the whole session."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization

from libs.auth.issuer import SigningKey, TokenIssuer
from libs.auth.principal import Principal, Role
from libs.clock import FakeClock
from services.identity.events import TOPIC, UserDeactivated
from services.identity.keys import KeyStore
from tests.support.broker import ce_headers, read_topic
from tests.support.graphql import GraphQLError

ME = "{ me { id } }"
REFRESH = """
mutation($r: String!) { refreshSession(refreshToken: $r) { accessToken refreshToken } }"""


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict, claims: dict) -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"


async def refused(client, query: str = ME, variables: dict | None = None) -> str:
    with pytest.raises(GraphQLError) as raised:
        await client(query, variables)
    return raised.value.code


async def test_only_valid_tokens_signed_by_identity_for_us_are_accepted(stack):
    key = await stack.identity.deps.keys.signing_key()
    common = stack.settings.common
    admin_id = stack.demo["admin"].user_id
    principal = Principal(user_id=admin_id, global_roles=frozenset({Role.SYSTEM_ADMIN}))
    now = datetime.now(UTC)

    def issued(*, key=key, issuer=common.jwt_issuer, audience=common.jwt_audience, at=now):
        return TokenIssuer(
            key=key, issuer=issuer, audience=audience, lifetime=timedelta(minutes=5)
        ).issue(principal, now=at)

    good = issued()
    assert (await stack.api.as_user(good)(ME))["me"]["id"] == admin_id

    header, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    public_pem = key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    hs256 = unsigned({"alg": "HS256", "typ": "JWT", "kid": key.kid}, claims)
    hs256 += "." + b64(hmac.new(public_pem, hs256.encode(), hashlib.sha256).digest())
    promoted = {**claims, "units": {stack.unit_id: ["UNIT_MANAGER"]}}

    forged = {
        "alg=none": unsigned({"alg": "none", "typ": "JWT", "kid": key.kid}, claims) + ".",
        "HS256 keyed with the public key": hs256,
        "wrong audience": issued(audience="someone-else"),
        "wrong issuer": issued(issuer="https://evil.example/identity"),
        "expired": issued(at=now - timedelta(minutes=10)),
        "not yet valid": issued(at=now + timedelta(minutes=10)),
        "unknown kid": issued(key=SigningKey.generate()),
        "tampered payload": f"{header}.{b64(json.dumps(promoted).encode())}.{signature}",
        "garbage": "not-a-token",
    }
    for name, token in forged.items():
        assert await refused(stack.api.as_user(token)) == "UNAUTHENTICATED", name


async def test_rotation_signs_with_the_new_key_and_keeps_the_old_one_published(stack):
    admin = await stack.as_user("admin")
    jwks = (await _jwks(stack))["keys"]
    assert len(jwks) == 1
    assert {"kty", "crv", "x", "kid", "alg"} <= set(jwks[0])
    assert jwks[0]["alg"] == "EdDSA"
    assert "d" not in jwks[0], "the private half is never published"
    old_kid = jwks[0]["kid"]

    new_kid = (await admin("mutation { rotateSigningKey }"))["rotateSigningKey"]
    assert new_kid != old_kid
    assert {k["kid"] for k in (await _jwks(stack))["keys"]} == {old_kid, new_kid}
    # The token signed before the rotation still works; new ones carry the new kid.
    assert (await admin(ME))["me"]
    fresh = (await stack.login("chef"))["accessToken"]
    assert _kid(fresh) == new_kid
    assert (await stack.api.as_user(fresh)(ME))["me"]

    # Past the overlap the retired key is no longer published.
    later = FakeClock(datetime.now(UTC) + stack.settings.key_overlap + timedelta(seconds=1))
    store = KeyStore(
        sessions=stack.identity.deps.sessions, clock=later, overlap=stack.settings.key_overlap
    )
    assert [key.kid for key in await store.published()] == [new_kid]
    assert stack.settings.key_overlap >= stack.settings.access_token_lifetime


async def _jwks(stack) -> dict:
    response = await stack.api._http.get(stack.url + "/.well-known/jwks.json")
    assert response.status_code == 200
    return response.json()


def _kid(token: str) -> str:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["kid"]


async def test_refresh_rotates_and_reusing_an_old_refresh_token_revokes_the_family(stack):
    first = await stack.login("anna")
    second = (await stack.api(REFRESH, {"r": first["refreshToken"]}))["refreshSession"]
    assert second["refreshToken"] != first["refreshToken"]
    assert (await stack.api.as_user(second["accessToken"])(ME))["me"]
    third = (await stack.api(REFRESH, {"r": second["refreshToken"]}))["refreshSession"]

    # Someone replays the first token: the whole family dies, the legitimate one included.
    assert await refused(stack.api, REFRESH, {"r": first["refreshToken"]}) == "UNAUTHENTICATED"
    assert await refused(stack.api, REFRESH, {"r": third["refreshToken"]}) == "UNAUTHENTICATED"
    # Another log-in is a separate family and unaffected.
    other = await stack.login("anna")
    assert (await stack.api(REFRESH, {"r": other["refreshToken"]}))["refreshSession"]


async def test_logout_ends_the_session(stack):
    session = await stack.login("bo")
    logout = "mutation($r: String!) { logout(refreshToken: $r) }"
    assert (await stack.api(logout, {"r": session["refreshToken"]}))["logout"] is True
    assert await refused(stack.api, REFRESH, {"r": session["refreshToken"]}) == "UNAUTHENTICATED"
    # Logging out twice, or with nonsense, is harmless.
    assert (await stack.api(logout, {"r": "nonsense"}))["logout"] is True


async def test_deactivating_a_user_ends_their_access_everywhere(stack):
    admin = await stack.as_user("admin")
    bo = stack.demo["bo"]
    session = await stack.login("bo")
    await admin("mutation($u: ID!) { deactivateUser(userId: $u) { active } }", {"u": bo.user_id})

    assert await refused(stack.api.as_user(session["accessToken"])) == "UNAUTHENTICATED"
    assert await refused(stack.api, REFRESH, {"r": session["refreshToken"]}) == "UNAUTHENTICATED"
    with pytest.raises(GraphQLError) as raised:
        await stack.login("bo")
    assert raised.value.errors[0]["message"] == "wrong username or password"

    messages = await read_topic(
        stack.settings.common.kafka_bootstrap_servers, TOPIC, at_least=1, linger=0.5
    )
    deactivated = [m for m in messages if ce_headers(m)["ce_type"] == UserDeactivated.TYPE]
    assert [ce_headers(m)["ce_subject"] for m in deactivated] == [bo.user_id]
    assert ce_headers(deactivated[0])["ce_source"] == "/signa/identity"
