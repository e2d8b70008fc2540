"""The routine end to end: order → approve → e-mail → activate → log in → role in the token."""

from __future__ import annotations

import asyncio
from pathlib import Path

import jwt

from libs.auth.verifier import InvalidToken, JwksSource, TokenVerifier
from libs.database import create_engine, new_metadata
from libs.runtime import ServiceDefinition, ServiceRuntime, infrastructure_tables
from libs.settings import ServiceSettings
from services.identity.events import REVOKING_EVENT_TYPES, TOPIC, RoleGranted, RoleRevoked
from tests.identity.conftest import error_code
from tests.support.broker import ce_headers, read_topic
from tests.support.waiting import eventually

CREATE_USER = """
mutation($input: CreateUserInput!) {
  createUser(input: $input) { id username active activated email roles { role unitId } }
}"""
ORDER = """
mutation($input: OrderRoleInput!) {
  orderRole(input: $input) { id state action role user { id } unit { name } orderedBy { username } }
}"""
APPROVE = (
    "mutation($id: ID!) { approveRoleOrder(orderId: $id) { id state decidedBy { username } } }"
)
REJECT = """
mutation($id: ID!, $reason: String!) {
  rejectRoleOrder(orderId: $id, reason: $reason) { id state reason decidedAt }
}"""
ACTIVATE = """
mutation($token: String!, $password: String!) {
  activateAccount(token: $token, password: $password) { accessToken refreshToken user { username } }
}"""
ME = "{ me { id username roles { role unitId } } }"
ORDERS = "query($p: Boolean) { roleOrders(pendingOnly: $p) { id state action reason } }"


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


async def test_ordered_role_is_granted_mailed_activated_and_in_the_token(stack):
    admin = await stack.as_user("admin")
    manager = await stack.as_user("chef")
    created = (
        await admin(
            CREATE_USER,
            {
                "input": {
                    "name": "Karin Karlsson",
                    "email": "karin@example.se",
                    "username": "karin",
                    "unitId": stack.unit_id,
                    "roles": ["CARE_STAFF"],
                }
            },
        )
    )["createUser"]
    assert created["activated"] is False
    assert created["roles"] == [{"role": "CARE_STAFF", "unitId": stack.unit_id}]
    [activation_mail] = await stack.mails_to("karin@example.se")
    assert "Aktivera" in activation_mail["Subject"]
    assert "password" not in activation_mail.get_body(("plain",)).get_content().lower()

    order = (
        await manager(
            ORDER,
            {
                "input": {
                    "userId": created["id"],
                    "unitId": stack.unit_id,
                    "role": "SOL_ADMIN",
                    "action": "GRANT",
                }
            },
        )
    )["orderRole"]
    assert order["state"] == "PENDING"
    assert order["orderedBy"]["username"] == "chef"
    assert order["unit"]["name"] == "Solgläntan"
    pending = (await admin(ORDERS, {"p": True}))["roleOrders"]
    assert [o["id"] for o in pending] == [order["id"]]

    approved = (await admin(APPROVE, {"id": order["id"]}))["approveRoleOrder"]
    assert approved["state"] == "APPROVED"
    assert approved["decidedBy"]["username"] == "admin"

    # Never activated: the role e-mail carries a fresh activation link.
    mails = await stack.mails_to("karin@example.se", count=2)
    granted_mail = next(m for m in mails if "SoL-administratör" in m["Subject"])
    session = (
        await stack.api(
            ACTIVATE, {"token": stack.token_in(granted_mail), "password": "en lång mening om kaffe"}
        )
    )["activateAccount"]
    assert session["user"]["username"] == "karin"
    # The first link was superseded by the activation.
    assert (
        await error_code(
            stack.api(
                ACTIVATE,
                {"token": stack.token_in(activation_mail), "password": "en lång mening om kaffe"},
            )
        )
        == "BAD_USER_INPUT"
    )

    login = await stack.login("karin", "en lång mening om kaffe")
    token_claims = claims(login["accessToken"])
    assert sorted(token_claims["units"][stack.unit_id]) == ["CARE_STAFF", "SOL_ADMIN"]
    assert token_claims["exp"] - token_claims["iat"] <= 300
    me = (await stack.api.as_user(login["accessToken"])(ME))["me"]
    assert {r["role"] for r in me["roles"]} == {"CARE_STAFF", "SOL_ADMIN"}

    # Another service verifies the same token against the published JWKS over HTTP.
    verifier = TokenVerifier(
        keys=JwksSource(stack.url + "/.well-known/jwks.json"),
        issuer=stack.settings.common.jwt_issuer,
        audience=stack.settings.common.jwt_audience,
    )
    principal = await verifier.verify(login["accessToken"])
    assert principal.user_id == created["id"]

    messages = await read_topic(
        stack.settings.common.kafka_bootstrap_servers, TOPIC, at_least=1, linger=0.5
    )
    granted = [m for m in messages if ce_headers(m)["ce_type"] == RoleGranted.TYPE]
    assert any(
        ce_headers(m)["ce_subject"] == created["id"] and b"SOL_ADMIN" in m.value for m in granted
    )
    assert all(b"karin" not in m.value.lower() for m in messages), "no personal data in events"


async def test_revoking_the_role_refuses_older_tokens_at_once_and_publishes_the_revocation(stack):
    admin = await stack.as_user("admin")
    manager = await stack.as_user("chef")
    sol_admin = stack.demo["soladmin"]
    before = await stack.login("soladmin")
    old = stack.api.as_user(before["accessToken"])
    assert "SOL_ADMIN" in claims(before["accessToken"])["units"][stack.unit_id]

    order = (
        await manager(
            ORDER,
            {
                "input": {
                    "userId": sol_admin.user_id,
                    "unitId": stack.unit_id,
                    "role": "SOL_ADMIN",
                    "action": "REVOKE",
                }
            },
        )
    )["orderRole"]
    await admin(APPROVE, {"id": order["id"]})

    assert await error_code(old(ME)) == "UNAUTHENTICATED"

    mails = await stack.mails_to(sol_admin.username + "@demo.signa.local", count=2)
    assert any("avslutats" in mail["Subject"] for mail in mails)

    after = await stack.login("soladmin")
    assert claims(after["accessToken"])["units"][stack.unit_id] == ["CARE_STAFF"]
    assert (await stack.api.as_user(after["accessToken"])(ME))["me"]["username"] == "soladmin"

    messages = await read_topic(
        stack.settings.common.kafka_bootstrap_servers, TOPIC, at_least=1, linger=0.5
    )
    revoked = [m for m in messages if ce_headers(m)["ce_type"] == RoleRevoked.TYPE]
    assert len(revoked) == 1
    headers = ce_headers(revoked[0])
    assert headers["ce_subject"] == sol_admin.user_id
    assert claims(before["accessToken"])["iat"] <= _timestamp(headers["ce_time"])
    assert claims(after["accessToken"])["iat"] > _timestamp(headers["ce_time"])


def _timestamp(value: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(value).timestamp()


async def test_rejected_order_keeps_the_reason_and_changes_no_role(stack):
    admin = await stack.as_user("admin")
    manager = await stack.as_user("chef")
    anna = stack.demo["anna"]
    grant = {
        "input": {
            "userId": anna.user_id,
            "unitId": stack.unit_id,
            "role": "SOL_ADMIN",
            "action": "GRANT",
        }
    }
    order = (await manager(ORDER, grant))["orderRole"]
    assert await error_code(manager(ORDER, grant)) == "CONFLICT"
    assert await error_code(admin(REJECT, {"id": order["id"], "reason": "   "})) == "BAD_USER_INPUT"

    rejected = (await admin(REJECT, {"id": order["id"], "reason": "Utbildning saknas"}))[
        "rejectRoleOrder"
    ]
    assert rejected["state"] == "REJECTED"
    assert rejected["reason"] == "Utbildning saknas"
    assert await error_code(admin(APPROVE, {"id": order["id"]})) == "CONFLICT"

    history = (await manager(ORDERS, {"p": False}))["roleOrders"]
    assert any(o["id"] == order["id"] and o["reason"] == "Utbildning saknas" for o in history)
    assert (await admin(ORDERS, {"p": True}))["roleOrders"] == []
    login = await stack.login("anna")
    assert claims(login["accessToken"])["units"][stack.unit_id] == ["CARE_STAFF"]
    # A new order may follow the rejected one.
    assert (await manager(ORDER, grant))["orderRole"]["state"] == "PENDING"


async def test_another_service_refuses_the_revoked_users_older_token_within_seconds(
    stack, databases
):
    """A service built on libs (revoking_event_types + identity's topic, keys over HTTP)."""
    metadata = new_metadata()
    definition = ServiceDefinition(
        name="elsewhere",
        metadata=metadata,
        tables=infrastructure_tables(metadata),
        migrations_dir=Path("unused"),
        publishes=[],
        consumes=[TOPIC],
        revoking_event_types=REVOKING_EVENT_TYPES,
    )
    url = await databases.create("elsewhere")
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    await engine.dispose()
    runtime = ServiceRuntime(
        definition=definition,
        settings=ServiceSettings(database_url=url, port=1, common=stack.settings.common),
        keys=JwksSource(stack.url + "/.well-known/jwks.json"),
    )
    await runtime.start()
    try:
        before = await stack.login("bo")
        assert (await runtime.verifier.verify(before["accessToken"])).user_id == stack.demo[
            "bo"
        ].user_id
        admin = await stack.as_user("admin")
        await admin(
            "mutation($u: ID!) { deactivateUser(userId: $u) { id } }",
            {"u": stack.demo["bo"].user_id},
        )
        revoked_at = asyncio.get_running_loop().time()

        async def refused():
            try:
                await runtime.verifier.verify(before["accessToken"])
            except InvalidToken:
                return True
            return False

        await eventually(refused, within=10)
        assert asyncio.get_running_loop().time() - revoked_at < 5
    finally:
        await runtime.stop()
