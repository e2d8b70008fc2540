"""Signature committed → alarm visible on the live subscription, at a steady signing rate.

Starts a Tansu broker, a PostgreSQL database and the alarms service; schedules the
occurrences, opens an ``alarmEvents`` subscription over a real WebSocket, then publishes
``OccurrenceSigned`` events (status NOT_DONE, so each raises a DEVIATING alarm) onto
``signing.events`` at the given rate, as signing's outbox relay would right after its commit.
Latency is from the broker acknowledging the signature to the RAISED event arriving on the
subscription.

    .venv/bin/python bench/alarms_live.py [--rate 100] [--seconds 10] [--fetch-max-wait-ms 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn
import websockets
from sqlalchemy import func, select
from websockets.typing import Subprotocol

from libs.auth.issuer import SigningKey, TokenIssuer, jwks_document
from libs.auth.principal import Principal, Role
from libs.auth.verifier import StaticKeySource
from libs.devstack.broker import BrokerProcess, find_free_port
from libs.messaging.envelope import CloudEvent, KafkaRecord, encode_data, to_kafka
from libs.messaging.kafka import KafkaPublisher
from libs.settings import CommonSettings
from services.alarms.app import create_app
from services.alarms.settings import AlarmsSettings
from services.alarms.tables import OccurrenceRow
from services.interventions.events import OccurrenceScheduled
from services.signing.events import OccurrenceSigned

sys.path.insert(0, str(Path(__file__).resolve().parent))
from alarms_sweep import drop_database, fresh_database

ISSUER, AUDIENCE = "https://signa.local/identity", "signa"
SUBSCRIBE = """subscription($u: ID!) {
  alarmEvents(unitId: $u) { type alarm { id kind raisedAt occurrence { id } } }
}"""


def record(event: Any, topic: str) -> KafkaRecord:
    cloud = CloudEvent(
        type=event.TYPE,
        source="/bench",
        subject=event.key,
        time=datetime.now(UTC),
        data=encode_data(event),
    )
    return to_kafka(cloud, topic=topic)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=100.0, help="signatures per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--fetch-max-wait-ms",
        type=int,
        default=CommonSettings().kafka_fetch_max_wait_ms,
        help="the alarms consumer's fetch wait (SIGNA_KAFKA_FETCH_MAX_WAIT_MS; Tansu answers "
        "a fetch only when its wait ends); the live feed's own listener waits 100 ms",
    )
    args = parser.parse_args()
    print(f"alarms consumer fetch wait {args.fetch_max_wait_ms} ms")
    count = int(args.rate * args.seconds)

    broker = BrokerProcess(log_dir=Path(tempfile.mkdtemp(prefix="alarms-bench-")))
    await asyncio.to_thread(broker.start)
    name, url = await fresh_database()
    key = SigningKey.generate()
    issuer = TokenIssuer(key=key, issuer=ISSUER, audience=AUDIENCE, lifetime=timedelta(minutes=5))
    common = CommonSettings(
        kafka_bootstrap_servers=broker.bootstrap_servers,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        log_json=False,
        log_level="WARNING",
        kafka_fetch_max_wait_ms=args.fetch_max_wait_ms,
    )
    settings = AlarmsSettings(database_url=url, port=find_free_port(), common=common)
    app = create_app(settings, keys=StaticKeySource(jwks_document([key])))
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=settings.port, log_level="warning", ws="websockets"
        )
    )
    serving = asyncio.create_task(server.serve())
    publisher = KafkaPublisher(bootstrap_servers=broker.bootstrap_servers, enable_idempotence=False)
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
            await asyncio.sleep(0.05)
        await publisher.start()
        unit_id, tenant_id, intervention_id = "unit-bench", "tenant-bench", "int-bench"
        now = datetime.now(UTC)
        occurrences = [
            OccurrenceScheduled(
                occurrence_id=f"occ-{uuid.uuid4().hex[:12]}",
                intervention_id=intervention_id,
                tenant_id=tenant_id,
                unit_id=unit_id,
                window_start=now - timedelta(minutes=5),
                window_end=now + timedelta(hours=2),
                local_date=now.date(),
            )
            for _ in range(count)
        ]
        await publisher.publish([record(o, "interventions.events") for o in occurrences])
        runtime = app.state.runtime
        while True:
            async with runtime.sessions() as session:
                known = (
                    await session.execute(select(func.count()).select_from(OccurrenceRow))
                ).scalar_one()
            if known >= count:
                break
            await asyncio.sleep(0.2)

        token = issuer.issue(
            Principal(user_id="bench-admin", unit_roles={unit_id: frozenset({Role.SOL_ADMIN})}),
            now=datetime.now(UTC),
        )
        sent: dict[str, float] = {}
        wall: dict[str, datetime] = {}
        to_raise: list[float] = []
        latencies: list[float] = []
        ws_url = f"ws://127.0.0.1:{settings.port}/graphql"
        async with websockets.connect(
            ws_url, subprotocols=[Subprotocol("graphql-transport-ws")]
        ) as socket:
            await socket.send(
                json.dumps(
                    {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
                )
            )
            assert json.loads(await socket.recv())["type"] == "connection_ack"
            await socket.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": SUBSCRIBE, "variables": {"u": unit_id}},
                    }
                )
            )
            await asyncio.sleep(1.0)

            async def receive() -> None:
                while len(latencies) < count:
                    message = json.loads(await socket.recv())
                    if message["type"] == "ping":
                        await socket.send(json.dumps({"type": "pong"}))
                        continue
                    if message["type"] != "next":
                        raise RuntimeError(message)
                    event = message["payload"]["data"]["alarmEvents"]
                    if event["type"] == "RAISED":
                        started = sent.get(event["alarm"]["occurrence"]["id"])
                        if started is not None:
                            latencies.append(time.perf_counter() - started)
                            raised = datetime.fromisoformat(event["alarm"]["raisedAt"])
                            to_raise.append(
                                (raised - wall[event["alarm"]["occurrence"]["id"]]).total_seconds()
                            )

            async def sign() -> None:
                interval = 1.0 / args.rate
                begin = time.perf_counter()
                for i, occurrence in enumerate(occurrences):
                    await asyncio.sleep(max(0.0, begin + i * interval - time.perf_counter()))
                    performed = datetime.now(UTC)
                    signed = OccurrenceSigned(
                        signature_id=f"sig-{uuid.uuid4().hex[:12]}",
                        occurrence_id=occurrence.occurrence_id,
                        intervention_id=intervention_id,
                        tenant_id=tenant_id,
                        unit_id=unit_id,
                        status="NOT_DONE",
                        timing="ON_TIME",
                        performed_at=performed,
                        signed_at=performed,
                        signed_by="bench-staff",
                    )
                    await publisher.publish([record(signed, "signing.events")])
                    sent[occurrence.occurrence_id] = time.perf_counter()
                    wall[occurrence.occurrence_id] = datetime.now(UTC)

            receiver = asyncio.create_task(receive())
            await sign()
            await asyncio.wait_for(receiver, timeout=60)

        latencies.sort()

        def pct(p: float) -> float:
            return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

        print(
            f"{count} signatures at {args.rate:g}/s → {len(latencies)} RAISED events on the "
            f"subscription\n  latency ms: p50 {pct(0.50):.0f}, p95 {pct(0.95):.0f}, "
            f"p99 {pct(0.99):.0f}, max {latencies[-1] * 1000:.0f}, "
            f"mean {statistics.mean(latencies) * 1000:.0f}\n"
            f"  of which signature → alarm committed (consumer hop): "
            f"p50 {statistics.median(to_raise) * 1000:.0f} ms, max {max(to_raise) * 1000:.0f} ms\n"
            f"  machine load average (1 min) at the end: {os.getloadavg()[0]:.1f} "
            f"on {os.cpu_count()} CPUs; the service, broker client and subscriber share one process"
        )
    finally:
        await publisher.stop()
        server.should_exit = True
        await asyncio.wait_for(serving, timeout=30)
        await drop_database(name)
        await asyncio.to_thread(broker.stop)


if __name__ == "__main__":
    asyncio.run(main())
