"""Events through outbox → broker → inbox on PostgreSQL: sustained throughput and relay lag.

    .venv/bin/python bench/events.py [--events 20000] [--durable] [--help]

Issue 2's targets: at least 2,000 events/s sustained end to end, and relay lag (outbox commit
to broker acknowledgement) p99 at most 500 ms when a service emits 200 events/s.

Phase 1 commits 10 events per transaction by default, as a service emitting in bulk does: the
target is the pipeline's. With ``--events-per-tx 1`` the producer process's own commit rate
(a transaction costs it about 1.2 ms of CPU) bounds the figure, not the outbox, broker or inbox.
The consumer handles its events set-wise per run (`BatchHandler`); ``--per-event-handler``
measures the same service with a handler that makes round trips per event.

The "counting" service of the foundation tests is run as two real services, each in its own
OS process with its own fresh PostgreSQL database, as they would be deployed:

* producer: a `ServiceRuntime` (outbox relay only) whose concurrent tasks commit units of
  work, each inserting a ``produced`` row and emitting `Counted` events;
* consumer: a `ServiceRuntime` consuming the topic in a consumer group, handling each event
  into its inbox and ``counters`` table.

The orchestrating process (this one) only creates the databases and the Tansu broker, sends
the producer its jobs over a pipe and reads the timestamps the pipeline wrote afterwards:
``outbox.created_at`` (commit), ``outbox.published_at`` (broker acknowledgement, written by the
relay) and ``inbox.handled_at`` (consumer), joined by event id. It is a measurement, so it
exits 0 whatever the figures; only a crash exits non-zero.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import multiprocessing
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

# Run as a script (`python bench/events.py`): the repository root is not on sys.path then,
# and the counting service's definitions live in the `tests` package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiokafka
import asyncpg
import sqlalchemy
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from libs.database import create_engine
from libs.devstack.broker import BrokerProcess, tansu_binary
from libs.observability import configure_logging
from libs.runtime import ServiceDefinition, ServiceRuntime
from libs.settings import CommonSettings, ServiceSettings
from tests.foundation.conftest import (
    HANDLERS,
    INFRA,
    PER_EVENT_HANDLERS,
    TOPIC,
    Counted,
    counters,
    metadata,
)
from tests.foundation.counting_process import produced

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
THROUGHPUT_TARGET = 2000.0  # events/s, end to end
LAG_TARGET_P99 = 0.5  # seconds, relay lag at the paced rate
PACED_TARGET_RATE = 200.0  # events/s at which the lag target holds
NOISY_OTHERS = 0.2  # cores used by unrelated processes above which a phase is flagged

OUTBOX = INFRA.messaging.outbox
INBOX = INFRA.messaging.inbox


# --- Parameters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameters:
    events: int
    producers: int
    events_per_tx: int
    paced_rate: float
    paced_seconds: float
    partitions: int
    batch_size: int
    poll_seconds: float
    drain_timeout: float
    durable: bool
    per_event_handler: bool


def parse_arguments(argv: Sequence[str] | None = None) -> Parameters:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000, help="phase 1 event count")
    parser.add_argument("--producers", type=int, default=8, help="concurrent producer tasks")
    parser.add_argument(
        "--events-per-tx", type=int, default=10, help="phase 1 events per producer transaction"
    )
    parser.add_argument(
        "--per-event-handler",
        action="store_true",
        help="consumer handles each event on its own instead of set-wise per run",
    )
    parser.add_argument("--paced-rate", type=float, default=PACED_TARGET_RATE)
    parser.add_argument("--paced-seconds", type=float, default=20.0)
    parser.add_argument("--partitions", type=int, default=CommonSettings().kafka_topic_partitions)
    parser.add_argument("--batch-size", type=int, default=500, help="outbox_batch_size")
    parser.add_argument("--poll-seconds", type=float, default=0.1, help="outbox_poll_seconds")
    parser.add_argument("--drain-timeout", type=float, default=300.0)
    parser.add_argument(
        "--durable", action="store_true", help="also run on durable (S3) broker storage"
    )
    args = parser.parse_args(argv)
    return Parameters(**{name.replace("-", "_"): value for name, value in vars(args).items()})


# --- The two services, each run in its own process ----------------------------------------

PRODUCER = ServiceDefinition(
    name="counting-producer",
    metadata=metadata,
    tables=INFRA,
    migrations_dir=Path("unused"),
    publishes=[TOPIC],
)
CONSUMER = ServiceDefinition(
    name="counting",
    metadata=metadata,
    tables=INFRA,
    migrations_dir=Path("unused"),
    publishes=[],
    consumes=[TOPIC],
    handlers=HANDLERS,
)


@dataclass(frozen=True)
class ServiceConfig:
    """What a child process needs to build its runtime (picklable, sent at spawn)."""

    database_url: str
    bootstrap_servers: str
    partitions: int
    batch_size: int
    poll_seconds: float
    per_event_handler: bool = False

    def settings(self) -> ServiceSettings:
        return ServiceSettings(
            database_url=self.database_url,
            port=1,
            outbox_batch_size=self.batch_size,
            outbox_poll_seconds=self.poll_seconds,
            common=CommonSettings(
                kafka_bootstrap_servers=self.bootstrap_servers,
                kafka_topic_partitions=self.partitions,
                log_json=False,
            ),
        )


@dataclass(frozen=True)
class Burst:
    """Commit ``events`` as fast as ``tasks`` concurrent producers can."""

    label: str
    events: int
    tasks: int
    events_per_tx: int


@dataclass(frozen=True)
class Paced:
    """Commit one event per transaction at ``rate``/s for ``seconds``, open loop."""

    label: str
    rate: float
    seconds: float


@dataclass(frozen=True)
class Produced:
    started: float  # wall clock, before the first unit of work opened
    finished: float  # wall clock, after the last commit returned
    events: int
    transactions: int


def producer_process(config: ServiceConfig, pipe: Connection) -> None:
    asyncio.run(_serve_producer(config, pipe))


async def _serve_producer(config: ServiceConfig, pipe: Connection) -> None:
    configure_logging(service=PRODUCER.name, level="WARNING", json=False)
    runtime = ServiceRuntime(definition=PRODUCER, settings=config.settings())
    await runtime.start()
    try:
        pipe.send("ready")
        while (job := await asyncio.to_thread(pipe.recv)) is not None:
            if isinstance(job, Burst):
                pipe.send(await produce_burst(runtime, job))
            else:
                pipe.send(await produce_paced(runtime, job))
    finally:
        await runtime.stop()


async def commit_events(runtime: ServiceRuntime, counter_ids: Sequence[str]) -> None:
    """One unit of work as a service makes it: its own state change (written set-wise, one
    statement for its rows) and the events it causes."""
    async with runtime.unit_of_work() as uow:
        await uow.session.execute(
            produced.insert(), [{"counter_id": counter_id} for counter_id in counter_ids]
        )
        await uow.emit_many([Counted(counter_id=key, amount=1) for key in counter_ids])
        await uow.commit()


async def produce_burst(runtime: ServiceRuntime, job: Burst) -> Produced:
    size = job.events_per_tx
    batches = [
        [f"{job.label}-{n}" for n in range(start, min(start + size, job.events))]
        for start in range(0, job.events, size)
    ]
    # One shared iterator: each task takes the next transaction as soon as it is free.
    pending = iter(batches)

    async def producer() -> None:
        for counter_ids in pending:
            await commit_events(runtime, counter_ids)

    started = time.time()
    await asyncio.gather(*(producer() for _ in range(job.tasks)))
    return Produced(started, time.time(), job.events, len(batches))


async def produce_paced(runtime: ServiceRuntime, job: Paced) -> Produced:
    # Open loop: each event is started on schedule whether or not earlier ones finished, as
    # requests arriving at a service would be; a slow commit then shows up as lag instead
    # of quietly lowering the offered rate.
    count = round(job.rate * job.seconds)
    loop = asyncio.get_running_loop()
    running: set[asyncio.Task[None]] = set()
    started, origin = time.time(), loop.time()
    for n in range(count):
        await asyncio.sleep(max(0.0, origin + n / job.rate - loop.time()))
        task = asyncio.create_task(commit_events(runtime, [f"{job.label}-{n}"]))
        running.add(task)
        task.add_done_callback(running.discard)
    await asyncio.gather(*running)
    return Produced(started, time.time(), count, count)


def consumer_process(config: ServiceConfig, pipe: Connection) -> None:
    asyncio.run(_serve_consumer(config, pipe))


async def _serve_consumer(config: ServiceConfig, pipe: Connection) -> None:
    configure_logging(service=CONSUMER.name, level="WARNING", json=False)
    definition = CONSUMER
    if config.per_event_handler:
        definition = dataclasses.replace(CONSUMER, handlers=PER_EVENT_HANDLERS)
    runtime = ServiceRuntime(definition=definition, settings=config.settings())
    await runtime.start()
    try:
        pipe.send("ready")
        await asyncio.to_thread(pipe.recv)  # any message means stop
    finally:
        await runtime.stop()


# --- Orchestration: databases, broker, child processes ------------------------------------


@asynccontextmanager
async def fresh_database(label: str) -> AsyncIterator[AsyncEngine]:
    """A new database with the counting tables, dropped (even when in use) on the way out."""
    name = f"signa_bench_events_{uuid.uuid4().hex[:8]}_{label}"
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        engine = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}")
        try:
            async with engine.begin() as connection:
                await connection.run_sync(metadata.create_all)
            yield engine
        finally:
            await engine.dispose()
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@asynccontextmanager
async def running_broker(durable: bool) -> AsyncIterator[BrokerProcess]:
    with tempfile.TemporaryDirectory(prefix="signa-bench-events-") as scratch:
        root = Path(scratch)
        broker = BrokerProcess(log_dir=root / "log", data_dir=root / "kafka" if durable else None)
        await asyncio.to_thread(broker.start)
        try:
            yield broker
        finally:
            await asyncio.to_thread(broker.stop)


@dataclass
class Child:
    process: multiprocessing.process.BaseProcess
    pipe: Connection

    async def request(self, message: object) -> Any:
        self.pipe.send(message)
        return await asyncio.to_thread(self.pipe.recv)


@asynccontextmanager
async def child_process(
    target: Callable[[ServiceConfig, Connection], None], config: ServiceConfig
) -> AsyncIterator[Child]:
    # spawn, not fork: a fresh interpreter with no inherited event loop or connections.
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=target, args=(config, theirs), daemon=True)
    process.start()
    child = Child(process, ours)
    try:
        ready = await asyncio.to_thread(ours.poll, 120)
        if not ready or ours.recv() != "ready":
            raise RuntimeError(f"{target.__name__} did not start")
        yield child
    finally:
        if process.is_alive():
            ours.send(None)
            await asyncio.to_thread(process.join, 20)
        if process.is_alive():
            process.terminate()  # only ever the process started just above
            await asyncio.to_thread(process.join, 5)


# --- CPU accounting from /proc, to see where the two cores went ---------------------------

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime and stime are fields 14 and 15 of stat; [0] here is field 3 (state).
    return (int(fields[11]) + int(fields[12])) / _TICKS


def postgres_cpu_seconds() -> dict[int, float]:
    """CPU seconds of every PostgreSQL server process (read-only; they are not ours)."""
    seconds: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    seconds[int(entry.name)] = process_cpu_seconds(int(entry.name))
            except OSError:
                continue  # exited while we looked
    return seconds


def machine_busy_seconds() -> float:
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except OSError:
        return 0.0
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / _TICKS


@dataclass(frozen=True)
class CpuSnapshot:
    at: float
    ours: dict[str, float]
    postgres: dict[int, float]
    machine: float

    @classmethod
    def take(cls, pids: dict[str, int]) -> CpuSnapshot:
        return cls(
            at=time.monotonic(),
            ours={name: process_cpu_seconds(pid) for name, pid in pids.items()},
            postgres=postgres_cpu_seconds(),
            machine=machine_busy_seconds(),
        )


def cores_between(before: CpuSnapshot, after: CpuSnapshot) -> dict[str, float]:
    """Average cores used by each of our processes, PostgreSQL, and everything else.

    "others" is the machine's busy time not accounted for by the named processes: other
    work on a shared machine shows up there and makes the figures less trustworthy.
    """
    elapsed = max(after.at - before.at, 1e-9)
    cores = {name: (after.ours[name] - before.ours[name]) / elapsed for name in before.ours}
    # Backends started during the block count from zero; ones that exited are lost (few).
    cores["postgres"] = (
        sum(seconds - before.postgres.get(pid, 0.0) for pid, seconds in after.postgres.items())
        / elapsed
    )
    machine = (after.machine - before.machine) / elapsed
    cores["others"] = max(0.0, machine - sum(cores.values()))
    cores["machine"] = machine
    return cores


@contextmanager
def cpu_usage(pids: dict[str, int]) -> Iterator[dict[str, float]]:
    """Fills the yielded dict with `cores_between` the start and the end of the block."""
    usage: dict[str, float] = {}
    before = CpuSnapshot.take(pids)
    yield usage
    usage.update(cores_between(before, CpuSnapshot.take(pids)))


# --- Reading what the pipeline recorded ---------------------------------------------------


@dataclass(frozen=True)
class Timeline:
    """Wall-clock seconds at which each event of a phase passed each stage."""

    created: list[float]
    published: list[float]
    handled: list[float]
    relay_lag: list[float]
    end_to_end: list[float]
    counted: int  # the consumer's counters: sum of `handled` over the phase's counters


async def handled_so_far(consumer_db: AsyncEngine, label: str) -> int:
    async with consumer_db.connect() as connection:
        total = await connection.scalar(
            select(func.coalesce(func.sum(counters.c.handled), 0)).where(
                counters.c.counter_id.like(f"{label}-%")
            )
        )
    return int(total or 0)


async def wait_until_handled(
    consumer_db: AsyncEngine, label: str, expected: int, give_up_after: float
) -> int:
    deadline = time.monotonic() + give_up_after
    while (seen := await handled_so_far(consumer_db, label)) < expected:
        if time.monotonic() > deadline:
            return seen
        await asyncio.sleep(0.25)
    return seen


async def read_timeline(producer_db: AsyncEngine, consumer_db: AsyncEngine, label: str) -> Timeline:
    async with producer_db.connect() as connection:
        sent = (
            await connection.execute(
                select(OUTBOX.c.event_id, OUTBOX.c.created_at, OUTBOX.c.published_at).where(
                    OUTBOX.c.subject.like(f"{label}-%")
                )
            )
        ).all()
    async with consumer_db.connect() as connection:
        handled_at = dict(
            (await connection.execute(select(INBOX.c.event_id, INBOX.c.handled_at))).all()
        )
    created = [row.created_at.timestamp() for row in sent]
    published = [row.published_at.timestamp() for row in sent if row.published_at]
    handled = [handled_at[row.event_id].timestamp() for row in sent if row.event_id in handled_at]
    return Timeline(
        created=created,
        published=published,
        handled=handled,
        relay_lag=[
            (row.published_at - row.created_at).total_seconds() for row in sent if row.published_at
        ],
        end_to_end=[
            (handled_at[row.event_id] - row.created_at).total_seconds()
            for row in sent
            if row.event_id in handled_at
        ],
        counted=await handled_so_far(consumer_db, label),
    )


# --- One run: both phases on one broker storage -------------------------------------------


@dataclass(frozen=True)
class PhaseResult:
    title: str
    produced: Produced
    timeline: Timeline
    cpu: dict[str, float]


@dataclass(frozen=True)
class RunResult:
    storage: str
    throughput: PhaseResult
    latency: PhaseResult
    seconds: float


@dataclass(frozen=True)
class Pipeline:
    """The running pair of services and what the orchestrator needs to drive and watch them."""

    producer: Child
    producer_db: AsyncEngine
    consumer_db: AsyncEngine
    pids: dict[str, int]
    drain_timeout: float

    async def run(self, title: str, job: Burst | Paced) -> PhaseResult:
        with cpu_usage(self.pids) as cpu:
            done: Produced = await self.producer.request(job)
            await wait_until_handled(self.consumer_db, job.label, done.events, self.drain_timeout)
        # The relay marks rows published just after the acknowledgement, so a moment after
        # the last event is handled its mark may still be in flight.
        await asyncio.sleep(0.5)
        timeline = await read_timeline(self.producer_db, self.consumer_db, job.label)
        return PhaseResult(title, done, timeline, cpu)


async def run_on(storage: str, parameters: Parameters) -> RunResult:
    started = time.monotonic()
    async with (
        fresh_database("producer") as producer_db,
        fresh_database("consumer") as consumer_db,
        running_broker(durable=storage == "durable") as broker,
    ):

        def config(engine: AsyncEngine) -> ServiceConfig:
            return ServiceConfig(
                database_url=engine.url.render_as_string(hide_password=False),
                bootstrap_servers=broker.bootstrap_servers,
                partitions=parameters.partitions,
                batch_size=parameters.batch_size,
                poll_seconds=parameters.poll_seconds,
                per_event_handler=parameters.per_event_handler,
            )

        # The consumer first, so its group has its partitions before anything is produced.
        async with (
            child_process(consumer_process, config(consumer_db)) as consumer,
            child_process(producer_process, config(producer_db)) as producer,
        ):
            pipeline = Pipeline(
                producer=producer,
                producer_db=producer_db,
                consumer_db=consumer_db,
                pids={
                    "producer": producer.process.pid or 0,
                    "consumer": consumer.process.pid or 0,
                    "tansu": broker.pids["tansu"],
                    "orchestrator": os.getpid(),
                },
                drain_timeout=parameters.drain_timeout,
            )
            # Warm-up: connections, topic metadata and the group's assignment are in place
            # before anything is timed.
            await pipeline.run("warm-up", Burst("warm", 50, 1, 1))
            throughput = await pipeline.run(
                "throughput",
                Burst("burst", parameters.events, parameters.producers, parameters.events_per_tx),
            )
            latency = await pipeline.run(
                "latency", Paced("paced", parameters.paced_rate, parameters.paced_seconds)
            )
    return RunResult(storage, throughput, latency, time.monotonic() - started)


# --- Report -------------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile; NaN when there is nothing to rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def milliseconds(values: Sequence[float]) -> str:
    figures = [percentile(values, f) * 1000 for f in (0.5, 0.95, 0.99, 1.0)]
    return "  ".join(f"{figure:8.1f}" for figure in figures)


def stage_line(name: str, count: int, expected: int, span: float, note: str = "") -> str:
    """One pipeline stage: events through it, when the last one was, the rate since start."""
    events = f"{count}" if count == expected else f"{count} of {expected}"
    if span <= 0:
        return f"  {name:<28}{events:>14}"
    return f"  {name:<28}{events:>14}{span:>10.2f} s{count / span:>9.0f} ev/s{note}"


def sustained_rate(phase: PhaseResult) -> float:
    """End to end: events handled per second from the first commit to the last handled."""
    timeline = phase.timeline
    if len(timeline.handled) < phase.produced.events:
        return 0.0
    return len(timeline.handled) / (max(timeline.handled) - phase.produced.started)


def print_stages(done: Produced, timeline: Timeline) -> None:
    # Every span starts when the first unit of work opened, so each rate is "events through
    # this stage per second so far", and the slowest stage shows as the lowest rate.
    commit_span = done.finished - done.started
    tx_rate = f"  ({done.transactions / commit_span:.0f} tx/s)"
    print(f"  {'stage':<28}{'events':>14}{'last at':>12}{'rate':>14}")
    print(stage_line("committed (producers)", done.events, done.events, commit_span, tx_rate))
    for name, times in (
        ("published (relay, acked)", timeline.published),
        ("handled (consumer inbox)", timeline.handled),
    ):
        span = max(times) - done.started if times else 0.0
        print(stage_line(name, len(times), done.events, span))
    unpublished = sum(1 for t in timeline.published if t > done.finished)
    unhandled = sum(1 for t in timeline.handled if t > done.finished)
    print(f"  backlog when the producers finished: {unpublished} to publish, {unhandled} to handle")


def print_phase(phase: PhaseResult) -> None:
    done, timeline = phase.produced, phase.timeline
    print_stages(done, timeline)
    print(f"  {'latency (ms)':<28}{'p50':>8}  {'p95':>8}  {'p99':>8}  {'max':>8}")
    print(f"  {'relay lag commit→ack':<28}{milliseconds(timeline.relay_lag)}")
    print(f"  {'end to end commit→handled':<28}{milliseconds(timeline.end_to_end)}")
    exact = "yes" if timeline.counted == done.events else "NO"
    print(f"  each event counted once: {exact} ({timeline.counted} of {done.events})")
    cores = ", ".join(f"{name} {value:.2f}" for name, value in phase.cpu.items())
    print(f"  cores busy (average): {cores}")
    if phase.cpu.get("others", 0.0) > NOISY_OTHERS:
        print(
            f"  WARNING: other processes used {phase.cpu['others']:.2f} cores meanwhile; "
            "this machine was shared, so these figures understate the pipeline"
        )


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def print_run(result: RunResult, parameters: Parameters) -> None:
    burst, paced = result.throughput, result.latency
    print(f"\n=== broker storage: {result.storage} (run took {result.seconds:.0f} s)")
    print(
        f"\nPhase 1 — throughput: {parameters.events} events, {parameters.events_per_tx} "
        f"event(s) per transaction, {parameters.producers} concurrent producer tasks"
    )
    print_phase(burst)
    offered = paced.produced.events / (paced.produced.finished - paced.produced.started)
    print(
        f"\nPhase 2 — latency: paced {parameters.paced_rate:.0f} events/s for "
        f"{parameters.paced_seconds:.0f} s, 1 event per transaction (achieved {offered:.0f}/s)"
    )
    print_phase(paced)
    rate = sustained_rate(burst)
    lag = percentile(paced.timeline.relay_lag, 0.99)
    complete = len(paced.timeline.relay_lag) == paced.produced.events
    print(f"\nTargets ({result.storage} storage)")
    print(
        f"  sustained end to end ≥ {THROUGHPUT_TARGET:,.0f} events/s: {rate:8.0f} events/s   "
        f"{verdict(rate >= THROUGHPUT_TARGET)}"
    )
    print(
        f"  relay lag p99 ≤ {LAG_TARGET_P99 * 1000:.0f} ms at {parameters.paced_rate:.0f}/s:"
        f"  {lag * 1000:8.1f} ms        {verdict(complete and lag <= LAG_TARGET_P99)}"
    )
    if offered < 0.95 * parameters.paced_rate:
        # A producer that could not keep the pace measured lag at a lower load than the
        # target names, so that verdict is weaker than it looks.
        print(f"    (offered only {offered:.0f}/s of {parameters.paced_rate:.0f}/s: inconclusive)")


def tansu_version() -> str:
    return subprocess.run(  # noqa: S603 - our own bundled binary, fixed argument
        [str(tansu_binary()), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()


async def versions() -> dict[str, str]:
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        postgres = str(await admin.fetchval("SHOW server_version"))
    finally:
        await admin.close()
    tansu = await asyncio.to_thread(tansu_version)
    return {
        "python": platform.python_version(),
        "postgresql": postgres,
        "sqlalchemy": sqlalchemy.__version__,
        "asyncpg": asyncpg.__version__,
        "aiokafka": aiokafka.__version__,
        "broker": tansu or "tansu (unknown version)",
    }


def print_header(parameters: Parameters, found: dict[str, str]) -> None:
    print("Signa events benchmark: outbox → broker → inbox on PostgreSQL")
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"  machine     {os.cpu_count()} cores, {platform.machine()}, {platform.system()}; "
        f"load average at start {load}"
    )
    print("  versions    " + ", ".join(f"{name} {value}" for name, value in found.items()))
    print(
        "  layout      3 OS processes: producer service (commit tasks + outbox relay), "
        "consumer service (consumer group → inbox), orchestrator (mostly idle); Tansu and "
        "PostgreSQL on the same machine; one database per service"
    )
    print(
        f"  parameters  partitions={parameters.partitions} outbox_batch_size="
        f"{parameters.batch_size} outbox_poll_seconds={parameters.poll_seconds} "
        f"producers={parameters.producers} events_per_tx={parameters.events_per_tx} "
        f"consumer handler={'per event' if parameters.per_event_handler else 'set-wise per run'}"
    )


async def main(parameters: Parameters) -> None:
    started = time.monotonic()
    print_header(parameters, await versions())
    storages = ["memory", "durable"] if parameters.durable else ["memory"]
    for storage in storages:
        print_run(await run_on(storage, parameters), parameters)
    print(f"\nbench/events.py took {time.monotonic() - started:.0f} s in all")


if __name__ == "__main__":
    asyncio.run(main(parse_arguments()))
