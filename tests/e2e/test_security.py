"""Security at the edge: per-record access across units, forged tokens, query bombs."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import websockets
from sqlalchemy import select

from libs.auth.issuer import SigningKey, TokenIssuer
from libs.auth.principal import Principal, Role
from libs.database import create_engine
from services.identity.tables import SigningKeyRow
from tests.e2e.routine import (
    Person,
    create_active_intervention,
    create_unit,
    new_person,
    order_and_approve,
    sign_input,
    today_local,
)
from tests.e2e.stack import AUDIENCE, ISSUER
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e


@dataclass
class Unit:
    id: str
    staff: Person
    sol_admin: Person
    manager: Person


@dataclass
class Records:
    """One of everything in a unit, to be reached for from another unit."""

    unit_id: str
    staff_user_id: str
    tenant_id: str
    intervention_id: str
    occurrence_id: str
    signature_id: str
    alarm_id: str
    deviation_id: str


async def make_unit(stack, admin: Person, name: str) -> Unit:
    unit_id = await create_unit(admin, name)
    tag = uuid.uuid4().hex[:6]
    staff, sol_admin, manager = [
        await new_person(stack, admin, unit_id=unit_id, username=f"{name}.{tag}", roles=[role])
        for name, role in (("staff", "CARE_STAFF"), ("sol", "CARE_STAFF"), ("chef", "UNIT_MANAGER"))
    ]
    await order_and_approve(
        admin=admin, manager=manager, person=sol_admin, unit_id=unit_id, action="GRANT"
    )
    await sol_admin.log_in_again()
    return Unit(id=unit_id, staff=staff, sol_admin=sol_admin, manager=manager)


async def fill(unit: Unit) -> Records:
    tenant = await unit.sol_admin.client(
        "mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }",
        {"i": {"unitId": unit.id, "name": "Rut Ström"}},
    )
    tenant_id = tenant["createTenant"]["id"]
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=5)
    intervention_id = await create_active_intervention(
        unit.sol_admin,
        tenant_id=tenant_id,
        title="Tillsyn",
        start=start,
        end=start + timedelta(minutes=60),
    )
    worklist = await unit.staff.client(
        "query($u: ID!, $d: Date) { worklist(unitId: $u, date: $d) { id } }",
        {"u": unit.id, "d": today_local().isoformat()},
    )
    occurrence_id = worklist["worklist"][0]["id"]
    signed = await unit.staff.client(
        "mutation($i: SignInput!) { sign(input: $i) { id } }",
        {"i": sign_input(occurrence_id, "NOT_HOME", datetime.now(UTC), "Ej hemma.")},
    )
    signature_id = signed["sign"]["id"]

    async def alarm() -> str | None:
        found = await unit.sol_admin.client(
            "query($u: ID!) { alarms(unitId: $u) { nodes { id } } }", {"u": unit.id}
        )
        nodes = found["alarms"]["nodes"]
        return nodes[0]["id"] if nodes else None

    alarm_id = await eventually(alarm, within=15)
    deviation = await unit.sol_admin.client(
        "mutation($i: ReportDeviationInput!) { reportDeviation(input: $i) { id } }",
        {"i": {"alarmId": alarm_id, "description": "Kontroll."}},
    )
    return Records(
        unit_id=unit.id,
        staff_user_id=unit.staff.user_id,
        tenant_id=tenant_id,
        intervention_id=intervention_id,
        occurrence_id=occurrence_id,
        signature_id=signature_id,
        alarm_id=alarm_id,
        deviation_id=deviation["reportDeviation"]["id"],
    )


def missing(records: Records) -> Records:
    """The same shape of ids, none of which exists."""
    return Records(**{field: str(uuid.uuid4()) for field in records.__dataclass_fields__})


TODAY = today_local().isoformat()
# Every operation of the contract that touches a unit's records, with the ids it needs.
OPERATIONS: dict[str, tuple[str, Any]] = {
    "tenants": ("query($u: ID!) { tenants(unitId: $u) { id } }", lambda r: {"u": r.unit_id}),
    "tenant": ("query($t: ID!) { tenant(id: $t) { id } }", lambda r: {"t": r.tenant_id}),
    "worklist": (
        "query($u: ID!) { worklist(unitId: $u) { id } }",
        lambda r: {"u": r.unit_id},
    ),
    "alarms": (
        "query($u: ID!) { alarms(unitId: $u) { totalCount nodes { id } } }",
        lambda r: {"u": r.unit_id},
    ),
    "alarmOverview": (
        "query($u: ID!) { alarmOverview(unitId: $u) { overdue } }",
        lambda r: {"u": r.unit_id},
    ),
    "deviations": (
        "query($u: ID!) { deviations(unitId: $u) { id } }",
        lambda r: {"u": r.unit_id},
    ),
    "complianceReport": (
        "query($u: ID!, $d: Date!) { complianceReport(unitId: $u, from: $d, to: $d)"
        " { total { planned } } }",
        lambda r: {"u": r.unit_id, "d": TODAY},
    ),
    "accessLog": (
        "query($t: ID) { accessLog(tenantId: $t) { id } }",
        lambda r: {"t": r.tenant_id},
    ),
    "accessLogSample": (
        "query($u: ID!, $f: DateTime!, $to: DateTime!) {"
        " accessLogSample(unitId: $u, from: $f, to: $to) { id } }",
        lambda r: {
            "u": r.unit_id,
            "f": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
            "to": datetime.now(UTC).isoformat(),
        },
    ),
    "createTenant": (
        'mutation($u: ID!) { createTenant(input: {unitId: $u, name: "X"}) { id } }',
        lambda r: {"u": r.unit_id},
    ),
    "createIntervention": (
        'mutation($t: ID!) { createIntervention(input: {tenantId: $t, title: "X",'
        ' category: SOL, schedule: {windowStart: "08:00", windowMinutes: 30}}) { id } }',
        lambda r: {"t": r.tenant_id},
    ),
    "confirmPlanAnchoring": (
        "mutation($i: ID!) { confirmPlanAnchoring(interventionId: $i) { id } }",
        lambda r: {"i": r.intervention_id},
    ),
    "pauseIntervention": (
        'mutation($i: ID!) { pauseIntervention(interventionId: $i, reason: "x") { id } }',
        lambda r: {"i": r.intervention_id},
    ),
    "resumeIntervention": (
        "mutation($i: ID!) { resumeIntervention(interventionId: $i) { id } }",
        lambda r: {"i": r.intervention_id},
    ),
    "endIntervention": (
        'mutation($i: ID!) { endIntervention(interventionId: $i, reason: "x") { id } }',
        lambda r: {"i": r.intervention_id},
    ),
    "registerAbsence": (
        "mutation($t: ID!, $f: DateTime!) { registerAbsence(input: {tenantId: $t,"
        " kind: HOSPITAL, from: $f}) { id } }",
        lambda r: {"t": r.tenant_id, "f": datetime.now(UTC).isoformat()},
    ),
    "sign": (
        "mutation($i: SignInput!) { sign(input: $i) { id } }",
        lambda r: {"i": sign_input(r.occurrence_id, "DONE", datetime.now(UTC))},
    ),
    "signPrn": (
        "mutation($i: ID!, $p: DateTime!, $k: String!) { signPrn(input: {interventionId: $i,"
        " status: DONE, performedAt: $p, idempotencyKey: $k}) { id } }",
        lambda r: {"i": r.intervention_id, "p": datetime.now(UTC).isoformat(), "k": "k1"},
    ),
    "syncSignatures": (
        "mutation($i: SignInput!) { syncSignatures(inputs: [$i]) { error { code } } }",
        lambda r: {"i": sign_input(r.occurrence_id, "DONE", datetime.now(UTC))},
    ),
    "annulSignature": (
        'mutation($s: ID!) { annulSignature(signatureId: $s, reason: "x") { id } }',
        lambda r: {"s": r.signature_id},
    ),
    "confirmDocumented": (
        "mutation($s: ID!) { confirmDocumented(signatureId: $s) { id } }",
        lambda r: {"s": r.signature_id},
    ),
    "acknowledgeAlarm": (
        "mutation($a: ID!) { acknowledgeAlarm(input: {alarmId: $a, outcome: STAFF_REMINDED})"
        " { id } }",
        lambda r: {"a": r.alarm_id},
    ),
    "reportDeviation": (
        'mutation($a: ID!) { reportDeviation(input: {alarmId: $a, description: "x"}) { id } }',
        lambda r: {"a": r.alarm_id},
    ),
    "assessDeviation": (
        "mutation($d: ID!) { assessDeviation(input: {deviationId: $d, lexSarah: false,"
        ' motivation: "x"}) { id } }',
        lambda r: {"d": r.deviation_id},
    ),
    "orderRole": (
        "mutation($u: ID!, $unit: ID!) { orderRole(input: {userId: $u, unitId: $unit,"
        " role: SOL_ADMIN, action: GRANT}) { id } }",
        lambda r: {"u": r.staff_user_id, "unit": r.unit_id},
    ),
    "recordLogReview": (
        "mutation($u: ID!, $f: DateTime!, $t: DateTime!) { recordLogReview(input: {unitId: $u,"
        ' from: $f, to: $t, findings: "x"}) { id } }',
        lambda r: {
            "u": r.unit_id,
            "f": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
            "t": datetime.now(UTC).isoformat(),
        },
    ),
}


def outcome(body: dict[str, Any]) -> Any:
    """What a client learns from an answer: the error code, or the shape of the data."""
    if body.get("errors"):
        return ("error", body["errors"][0].get("extensions", {}).get("code"))
    return ("data", json.dumps(_shape(body["data"]), sort_keys=True))


def _shape(value: Any) -> Any:
    # Ids differ between a real and a made-up record; everything else must be the same.
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return value


@pytest.fixture(scope="module")
async def two_units(stack, admin):
    # The session's administrator signed in minutes ago, in another module.
    await admin.refresh()
    home = await make_unit(stack, admin, "Hemenheten")
    other = await make_unit(stack, admin, "Grannenheten")
    return home, await fill(home), other


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
async def test_another_units_records_look_exactly_like_missing_ones(two_units, operation):
    _home, records, other = two_units
    document, variables = OPERATIONS[operation]
    leaks = []
    for person in (other.staff, other.sol_admin, other.manager):
        foreign = outcome(await person.client.raw(document, variables(records)))
        absent = outcome(await person.client.raw(document, variables(missing(records))))
        if foreign != absent:
            leaks.append((person.username, foreign, absent))
    assert leaks == []


async def test_in_unit_roles_are_enforced(two_units):
    home, records, _other = two_units
    staff_ack = await home.staff.client.raw(*_call("acknowledgeAlarm", records))
    staff_assess = await home.staff.client.raw(*_call("assessDeviation", records))
    sol_assess = await home.sol_admin.client.raw(*_call("assessDeviation", records))
    staff_tenant = await home.staff.client.raw(*_call("createTenant", records))
    manager_unit = await home.manager.client.raw('mutation { createUnit(name: "X") { id } }')
    assert {
        outcome(staff_ack),
        outcome(staff_assess),
        outcome(sol_assess),
        outcome(staff_tenant),
        outcome(manager_unit),
    } == {("error", "FORBIDDEN")}


def _call(operation: str, records: Records) -> tuple[str, dict[str, Any]]:
    document, variables = OPERATIONS[operation]
    return document, variables(records)


async def _real_signing_key(stack) -> SigningKey:
    engine = create_engine(stack.identity_settings.database_url)
    try:
        async with engine.connect() as connection:
            row = (
                await connection.execute(select(SigningKeyRow.kid, SigningKeyRow.private_pem))
            ).first()
    finally:
        await engine.dispose()
    return SigningKey.from_pem(row.kid, row.private_pem.encode())


async def forged_tokens(stack, person: Person) -> dict[str, str]:
    genuine = person.client.token
    header, payload, signature = genuine.split(".")
    claims = json.loads(_unb64(payload))
    claims["roles"] = ["SYSTEM_ADMIN"]
    key = await _real_signing_key(stack)
    principal = Principal(user_id=person.user_id, global_roles=frozenset({Role.SYSTEM_ADMIN}))
    issue = lambda key_, iss, aud, at: TokenIssuer(  # noqa: E731
        key=key_, issuer=iss, audience=aud, lifetime=timedelta(minutes=5)
    ).issue(principal, now=at)
    now = datetime.now(UTC)
    return {
        "tampered": f"{header}.{_b64(json.dumps(claims).encode())}.{signature}",
        "expired": issue(key, ISSUER, AUDIENCE, now - timedelta(minutes=10)),
        "foreign key": issue(SigningKey.generate(), ISSUER, AUDIENCE, now),
        "wrong audience": issue(key, ISSUER, "another-system", now),
        "alg none": _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode()) + f".{payload}.",
    }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def test_forged_and_expired_tokens_are_refused_over_http(stack, gateway, admin):
    results = {}
    for reason, token in (await forged_tokens(stack, admin)).items():
        body = await gateway.as_user(token).raw("{ me { id } units { id } }")
        results[reason] = outcome(body)
    assert set(results.values()) == {("error", "UNAUTHENTICATED")}, results


async def test_the_gateway_refuses_a_token_it_accepted_once_it_has_expired(stack, gateway, admin):
    """The gateway remembers tokens it verified, but only until they expire. ``__typename`` is
    answered by the gateway itself, so no service's own check can stand in for its check."""
    key = await _real_signing_key(stack)
    lifetime = timedelta(seconds=3)
    token = TokenIssuer(key=key, issuer=ISSUER, audience=AUDIENCE, lifetime=lifetime).issue(
        Principal(user_id=admin.user_id, global_roles=frozenset({Role.SYSTEM_ADMIN})),
        now=datetime.now(UTC),
    )
    client = gateway.as_user(token)
    assert await client.raw("{ __typename }") == {"data": {"__typename": "Query"}}
    await asyncio.sleep(lifetime.total_seconds() + 1.5)  # past expiry and any clock leeway
    assert outcome(await client.raw("{ __typename }")) == ("error", "UNAUTHENTICATED")


async def test_forged_and_expired_tokens_get_no_live_alarms_over_websocket(stack, admin, two_units):
    home, _records, _other = two_units
    refused = {}
    for reason, token in (await forged_tokens(stack, home.sol_admin)).items():
        refused[reason] = await _subscription_answer(stack, token, home.id)
    genuine = await _subscription_answer(stack, home.sol_admin.client.token, home.id)
    assert genuine == "open"
    assert set(refused.values()) == {"refused"}, refused


async def _subscription_answer(stack, token: str, unit_id: str) -> str:
    """'open' if the subscription runs, 'refused' if the socket or operation is refused."""
    document = "subscription($u: ID!) { alarmEvents(unitId: $u) { type } }"
    try:
        async with websockets.connect(
            stack.gateway_ws_url, subprotocols=["graphql-transport-ws"]
        ) as socket:
            await socket.send(
                json.dumps(
                    {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
                )
            )
            if json.loads(await socket.recv()).get("type") != "connection_ack":
                return "refused"
            await socket.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": document, "variables": {"u": unit_id}},
                    }
                )
            )
            try:
                message = json.loads(await asyncio.wait_for(socket.recv(), 3))
            except TimeoutError:
                return "open"  # nothing refused it; it is waiting for alarms
            if message["type"] in {"error", "complete"} or message.get("payload", {}).get("errors"):
                return "refused"
            return "open"
    except websockets.ConnectionClosed:
        return "refused"


@pytest.mark.parametrize(
    "document",
    [
        "{ units { id " + "__typename " * 2500 + "} }",
        "{ " + " ".join(f"a{i}: units {{ id }}" for i in range(100)) + " }",
        'query { tenants(unitId: "x") { interventions { tenant { interventions { tenant {'
        " interventions { tenant { interventions { tenant { interventions { tenant {"
        " interventions { tenant { id } } } } } } } } } } } } } }",
    ],
    ids=["tokens", "aliases", "depth"],
)
async def test_query_bombs_are_rejected_quickly_by_the_gateway(gateway, admin, document):
    started = time.perf_counter()
    body = await admin.client.raw(document)
    assert body.get("errors")
    assert not body.get("data")
    assert time.perf_counter() - started < 1.0
