"""Log-ins per second at OWASP argon2id parameters, beside a light sign-like database load.

A log-in here is identity's `log_in` use case: throttle check, argon2id verify at m=19 MiB
t=2 p=1 in the core-sized pool, refresh-token row, EdDSA access token. Prints
  1. log-in capacity with nothing else running (16 closed-loop clients),
  2. a steady sign-like load (default 100 tx/s: lock an occurrence, insert a signature and an
     outbox row, commit) in its own process and database, as the signing service would run,
  3. log-ins arriving at a steady 30/s beside it: rate done and latency, and how the sign-like
     load's throughput and p95 latency changed meanwhile,
  4. log-in capacity beside the load,
  5. the cost of `TokenVerifier.verify` per request in µs (what every service pays).

    PYTHONPATH=. .venv/bin/python bench/identity_login.py [--seconds 10] [--offered 30]
        [--sign-rate 100] [--clients 16] [--hash-workers N]

``--hash-workers`` sets ``SIGNA_IDENTITY_ARGON2_MAX_CONCURRENT`` (default: one per core); one
fewer than the cores leaves a core to everything else at the price of log-in throughput.

Needs PostgreSQL on 127.0.0.1:5432 (or SIGNA_BENCH_DATABASE_URL, an asyncpg admin URL).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import Column, DateTime, MetaData, String, Table, insert, select, update
from sqlalchemy.engine import make_url

from libs.auth.issuer import SigningKey, TokenIssuer, jwks_document
from libs.auth.principal import Principal, Role
from libs.auth.verifier import StaticKeySource, TokenVerifier
from libs.database import create_engine
from libs.messaging.fake import FakePublisher
from libs.settings import CommonSettings
from services.identity import authentication, handlers
from services.identity.app import build_identity
from services.identity.handlers import NewUser
from services.identity.settings import IdentitySettings
from services.identity.tables import UserRow

ADMIN = os.environ.get(
    "SIGNA_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
PASSWORD = "ett långt lösenord för mätning"


def _dsn(url: str, database: str) -> str:
    return (
        make_url(url)
        .set(drivername="postgresql", database=database)
        .render_as_string(hide_password=False)
    )


async def create_database(label: str) -> tuple[str, str]:
    name = f"signa_bench_{label}_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(_dsn(ADMIN, "postgres"))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return name, make_url(ADMIN).set(database=name).render_as_string(hide_password=False)


async def drop_database(name: str) -> None:
    connection = await asyncpg.connect(_dsn(ADMIN, "postgres"))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


# The sign-like load: its own database, like the signing service would have.
metadata = MetaData()
occurrences = Table(
    "occurrences",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("state", String(16)),
)
signatures = Table(
    "signatures",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("occurrence_id", String(64)),
    Column("signed_at", DateTime(timezone=True)),
)
outbox = Table(
    "outbox",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("data", String(400)),
)


class SignLoad:
    """A steady sign-like load in its own process, as the signing service runs beside identity.

    Transactions arrive at ``rate`` per second (open loop, like phones do); the process counts
    completions and keeps a millisecond histogram of their latency in shared memory, which
    `sample` reads over an interval.
    """

    def __init__(self, url: str, *, rate: float) -> None:
        self._url = url
        self.rate = rate
        self._done = multiprocessing.Value("q", 0)
        self._histogram = multiprocessing.Array("q", HISTOGRAM_MS + 1)
        self._stop = multiprocessing.Event()
        self._process: multiprocessing.Process | None = None

    async def prepare(self) -> None:
        engine = create_engine(self._url)
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
            await connection.execute(
                insert(occurrences), [{"id": str(i), "state": "OPEN"} for i in range(1000)]
            )
        await engine.dispose()

    def start(self) -> None:
        self._process = multiprocessing.Process(
            target=_run_load,
            args=(self._url, self.rate, self._done, self._histogram, self._stop),
        )
        self._process.start()

    async def stop(self) -> None:
        self._stop.set()
        if self._process is not None:
            await asyncio.to_thread(self._process.join, 30)

    async def sample(self, seconds: float) -> tuple[float, float]:
        """Transactions/s done and their 95th-percentile latency (ms) over ``seconds``."""
        done, histogram = self._done.value, list(self._histogram)
        await asyncio.sleep(seconds)
        counts = [now - before for now, before in zip(self._histogram, histogram, strict=True)]
        total = sum(counts)
        running, p95 = 0, float(HISTOGRAM_MS)
        for millis, count in enumerate(counts):
            running += count
            if total and running >= 0.95 * total:
                p95 = float(millis)
                break
        return (self._done.value - done) / seconds, p95


HISTOGRAM_MS = 5000


def _run_load(url: str, rate: float, done: Any, histogram: Any, stop: Any) -> None:
    async def sign(engine: Any, number: int) -> None:
        started = time.perf_counter()
        occurrence = str(number % 1000)
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    select(occurrences).where(occurrences.c.id == occurrence).with_for_update()
                )
                signature = uuid.uuid4().hex
                await connection.execute(
                    insert(signatures).values(
                        id=signature, occurrence_id=occurrence, signed_at=datetime.now(UTC)
                    )
                )
                await connection.execute(
                    insert(outbox).values(id=uuid.uuid4().hex, data=f'{{"s":"{signature}"}}')
                )
                await connection.execute(
                    update(occurrences).where(occurrences.c.id == occurrence).values(state="SIGNED")
                )
        except Exception:
            # An overloaded machine times out on the pool; count it as the worst latency.
            millis = HISTOGRAM_MS
        else:
            millis = min(int((time.perf_counter() - started) * 1e3), HISTOGRAM_MS)
        with done.get_lock():
            done.value += 1
            histogram[millis] += 1

    async def main() -> None:
        # A small pool, as one service replica has; waiting for it is part of the latency.
        engine = create_engine(url, pool_size=5)
        tasks: set[asyncio.Task[None]] = set()
        started = time.perf_counter()
        number = 0
        try:
            while not stop.is_set():
                task = asyncio.create_task(sign(engine, number))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                number += 1
                await asyncio.sleep(max(0.0, started + number / rate - time.perf_counter()))
            await asyncio.gather(*tasks)
        finally:
            await engine.dispose()

    asyncio.run(main())


async def measure_logins(identity, *, seconds: float, clients: int) -> float:
    deps = identity.deps
    done = 0
    deadline = time.perf_counter() + seconds

    async def client(number: int) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await authentication.log_in(
                deps=deps,
                username=f"bench{number % 8}",
                password=PASSWORD,
                address=f"10.9.0.{number}",
            )
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return done / (time.perf_counter() - started)


async def offered_logins(identity, *, rate: float, seconds: float) -> tuple[float, float, float]:
    """Log-ins arriving at a steady ``rate`` (open loop, as users do); returns the rate done
    and the median and 95th-percentile latency in ms."""
    latencies: list[float] = []

    async def one(number: int) -> None:
        started = time.perf_counter()
        await authentication.log_in(
            deps=identity.deps,
            username=f"bench{number % 8}",
            password=PASSWORD,
            address=f"10.8.{number // 250}.{number % 250}",
        )
        latencies.append((time.perf_counter() - started) * 1e3)

    tasks = []
    started = time.perf_counter()
    count = int(rate * seconds)
    for number in range(count):
        tasks.append(asyncio.create_task(one(number)))
        await asyncio.sleep(max(0.0, started + (number + 1) / rate - time.perf_counter()))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    latencies.sort()
    return count / elapsed, latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.95)]


async def measure_verification(rounds: int = 20_000) -> tuple[float, float]:
    key = SigningKey.generate()
    issuer = TokenIssuer(
        key=key,
        issuer="https://signa.local/identity",
        audience="signa",
        lifetime=timedelta(minutes=5),
    )
    principal = Principal(
        user_id=str(uuid.uuid4()),
        unit_roles={str(uuid.uuid4()): frozenset({Role.CARE_STAFF, Role.SOL_ADMIN})},
    )
    token = issuer.issue(principal, now=datetime.now(UTC))
    verifier = TokenVerifier(
        keys=StaticKeySource(jwks_document([key])),
        issuer="https://signa.local/identity",
        audience="signa",
        is_revoked=lambda _principal: False,
    )
    await verifier.verify(token)  # loads the key
    started = time.perf_counter()
    for _ in range(rounds):
        await verifier.verify(token)
    verify_us = (time.perf_counter() - started) / rounds * 1e6
    started = time.perf_counter()
    for _ in range(rounds // 4):
        issuer.issue(principal, now=datetime.now(UTC))
    issue_us = (time.perf_counter() - started) / (rounds // 4) * 1e6
    return verify_us, issue_us


async def main(
    seconds: float, clients: int, hash_workers: int, offered: float, sign_rate: float
) -> None:
    identity_db, identity_url = await create_database("identity")
    load_db, load_url = await create_database("signload")
    settings = IdentitySettings(
        database_url=identity_url,
        port=1,
        common=CommonSettings(log_json=False),
        argon2_max_concurrent=hash_workers,
    )
    identity = build_identity(settings, publisher=FakePublisher())
    load = SignLoad(load_url, rate=sign_rate)
    try:
        await identity.runtime.migrate()
        await identity.start()
        memory, time_cost, parallelism = identity.deps.hasher.parameters
        password_hash = await identity.deps.hasher.hash(PASSWORD)
        for i in range(8):
            row, _ = await handlers.create_user(
                deps=identity.deps,
                principal=None,
                user=NewUser(
                    name=f"Bench {i}",
                    email=f"bench{i}@example.se",
                    username=f"bench{i}",
                    unit_id=None,
                    roles=[Role.SYSTEM_ADMIN],
                ),
                send_activation=False,
            )
            async with identity.deps.sessions() as session, session.begin():
                await session.execute(
                    update(UserRow).where(UserRow.id == row.id).values(password_hash=password_hash)
                )
        await load.prepare()
        workers = hash_workers or os.cpu_count()
        print(
            f"cores: {os.cpu_count()}; load average: {os.getloadavg()[0]:.1f}; argon2id "
            f"m={memory} KiB t={time_cost} p={parallelism}; {workers} concurrent hashes"
        )
        started = time.perf_counter()
        for _ in range(5):
            await identity.deps.hasher.verify(password_hash, PASSWORD)
        print(
            f"one hash, nothing else running:  {(time.perf_counter() - started) / 5 * 1e3:8.1f} ms"
        )

        logins_alone = await measure_logins(identity, seconds=seconds / 2, clients=clients)
        print(f"log-in capacity, nothing else:   {logins_alone:8.1f} log-ins/s ({clients} clients)")
        load.start()
        await load.sample(1.0)  # warm-up
        alone, alone_p95 = await load.sample(seconds)
        print(
            f"sign-like load alone:            {alone:8.1f} transactions/s "
            f"(offered {load.rate:.0f}/s), p95 {alone_p95:.0f} ms"
        )
        (achieved, p50, p95), (during, during_p95) = await asyncio.gather(
            offered_logins(identity, rate=offered, seconds=seconds), load.sample(seconds)
        )
        print(
            f"log-ins, {offered:.0f}/s offered:          {achieved:8.1f} log-ins/s, "
            f"p50 {p50:.0f} ms, p95 {p95:.0f} ms"
        )
        print(
            f"sign-like load meanwhile:        {during:8.1f} transactions/s "
            f"({(during - alone) / alone * 100:+.0f} %), p95 {during_p95:.0f} ms"
        )
        capacity = await measure_logins(identity, seconds=seconds / 2, clients=clients)
        after, after_p95 = await load.sample(1.0)
        await load.stop()
        print(
            f"log-in capacity beside the load: {capacity:8.1f} log-ins/s "
            f"(load meanwhile {after:.0f}/s, p95 {after_p95:.0f} ms)"
        )
        verify_us, issue_us = await measure_verification()
        print(f"TokenVerifier.verify:            {verify_us:8.1f} µs per request")
        print(f"TokenIssuer.issue (identity):    {issue_us:8.1f} µs per token")
    finally:
        identity.close()
        await identity.runtime.engine.dispose()
        await load.stop()
        await drop_database(identity_db)
        await drop_database(load_db)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--hash-workers", type=int, default=0)
    parser.add_argument("--offered", type=float, default=30.0, help="log-ins/s, open loop")
    parser.add_argument("--sign-rate", type=float, default=100.0, help="sign-like tx/s")
    arguments = parser.parse_args()
    asyncio.run(
        main(
            arguments.seconds,
            arguments.clients,
            arguments.hash_workers,
            arguments.offered,
            arguments.sign_rate,
        )
    )
