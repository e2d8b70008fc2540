"""``make dev``: the whole system on one machine, with no servers to install.

Starts, in order: the broker (Tansu, durable on SeaweedFS under ``.signa/broker`` so a full
restart loses no event), a local SMTP sink writing mail to ``.signa/mail``, the four services
(SQLite files under ``.signa/``), and the gateway; waits until each is ready, loads the demo
data, prints URLs and log-ins, and on Ctrl-C stops everything in reverse order. Each process
logs to ``.signa/logs/<name>.log``. Setting ``SIGNA_KAFKA_BOOTSTRAP_SERVERS`` uses that broker
instead of starting one; ``SIGNA_<SERVICE>_DATABASE_URL`` moves a service to PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import FrameType

import httpx

from libs.devstack.broker import BrokerProcess
from libs.devstack.processes import ChildProcess, spawn
from libs.settings import load_settings
from services.cli import SERVICES, WEB_DIR, compose, subgraph_urls
from services.demo import load_demo
from services.gateway import gateway_argv
from services.identity.bootstrap import load_demo_data
from services.identity.mail_sink import MailSink
from services.identity.settings import IdentitySettings

__all__ = ["run_dev_stack"]

ROOT = Path(".signa")
BROKER_PORT = 9092
SMTP_PORT = 8025
GATEWAY_PORT = int(os.environ.get("SIGNA_GATEWAY_PORT", "4000"))


def _say(message: str) -> None:
    print(f"signa: {message}", flush=True)


def _wait_until(
    ready: Callable[[], bool], *, what: str, child: ChildProcess | None, within: float
) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if child is not None and not child.alive():
            raise RuntimeError(f"{what} exited during start-up; see .signa/logs/{child.name}.log")
        if ready():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} not ready after {within:.0f} s")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


class _Stop(Exception):
    """Raised by the signal handler so the supervisor unwinds through its finally block."""


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    raise _Stop(signal.Signals(signum).name)


class DevStack:
    def __init__(self, root: Path = ROOT) -> None:
        self.root = root
        self.logs = root / "logs"
        self.broker: BrokerProcess | None = None
        self.children: list[ChildProcess] = []
        self.env = dict(os.environ)
        self.mail_sink: MailSink | None = None

    def start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        self._start_broker()
        self._start_mail_sink()
        urls = subgraph_urls()
        for service in SERVICES:
            child = spawn(
                service,
                [sys.executable, "-m", "services.cli", "serve", service],
                self.env,
                self.logs,
            )
            self.children.append(child)
        for child, (service, url) in zip(self.children, urls.items(), strict=True):
            ready_url = url.removesuffix("/graphql") + "/readyz"
            _wait_until(partial(_answers, ready_url), what=service, child=child, within=120)
            _say(f"{service:<14} ready at {url}")
        self._start_gateway(urls)

    def _start_broker(self) -> None:
        if "SIGNA_KAFKA_BOOTSTRAP_SERVERS" in os.environ:
            _say(f"using the broker at {os.environ['SIGNA_KAFKA_BOOTSTRAP_SERVERS']}")
            return
        self.broker = BrokerProcess(
            log_dir=self.logs, data_dir=self.root / "broker", port=BROKER_PORT
        )
        self.broker.start()
        self.env["SIGNA_KAFKA_BOOTSTRAP_SERVERS"] = self.broker.bootstrap_servers
        where = self.root / "broker"
        _say(f"broker         ready at {self.broker.bootstrap_servers} (Tansu, durable in {where})")

    def _start_mail_sink(self) -> None:
        sink = MailSink(directory=self.root / "mail", port=SMTP_PORT)
        sink.start()
        self.mail_sink = sink
        self.env.setdefault("SIGNA_IDENTITY_SMTP_HOST", "127.0.0.1")
        self.env.setdefault("SIGNA_IDENTITY_SMTP_PORT", str(SMTP_PORT))
        _say(f"mail sink      ready at 127.0.0.1:{SMTP_PORT} (messages in {self.root / 'mail'})")

    def _start_gateway(self, urls: dict[str, str]) -> None:
        supergraph = self.root / "supergraph.graphql"
        if compose(out=supergraph, urls=urls) != 0:
            raise RuntimeError("the subgraphs do not compose; see the errors above")
        env = {
            **self.env,
            "SIGNA_SUPERGRAPH": str(supergraph.resolve()),
            "SIGNA_GATEWAY_PORT": str(GATEWAY_PORT),
            "SIGNA_WEB_DIR": str(WEB_DIR / "dist"),
        }
        child = spawn("gateway", gateway_argv(), env, self.logs)
        self.children.append(child)
        _wait_until(
            lambda: _answers(f"http://127.0.0.1:{GATEWAY_PORT}/readiness"),
            what="gateway",
            child=child,
            within=60,
        )
        _say(f"gateway        ready at http://127.0.0.1:{GATEWAY_PORT}/graphql")

    def watch(self) -> None:
        """Block until a signal arrives; report (once) any child that dies meanwhile."""
        reported: set[str] = set()
        while True:
            for child in self.children:
                if not child.alive() and child.name not in reported:
                    reported.add(child.name)
                    _say(f"{child.name} stopped unexpectedly; see .signa/logs/{child.name}.log")
            time.sleep(1)

    def stop(self) -> None:
        # Gateway first (no new requests), then services (they finish their batches), broker last.
        for child in reversed(self.children):
            child.stop(timeout=15)
        if self.mail_sink is not None:
            self.mail_sink.stop()
        if self.broker is not None:
            self.broker.stop()
        _say("stopped")


def run_dev_stack() -> None:
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    stack = DevStack()
    try:
        # People first, straight into identity's database; their events wait in its outbox.
        logins = asyncio.run(load_demo_data(load_settings(IdentitySettings)))
        stack.start()
        gateway_url = f"http://127.0.0.1:{GATEWAY_PORT}/graphql"
        load_demo(gateway_url=gateway_url, logins=logins)
        _say("demo log-ins (unit Solgläntan):")
        for login in logins:
            _say(f"  {login.role:<13} {login.username:<10} {login.password}")
        site = f"http://127.0.0.1:{GATEWAY_PORT}"
        _say(f"phone app (care staff; open it in a phone-sized window): {site}/")
        _say(f"admin web (SoL-admins, managers, system administrators): {site}/admin/")
        _say(f"GraphQL for phones, admin web and reporting tools: {gateway_url}")
        _say(f"e-mail sent by the system: {stack.root / 'mail'}; logs: {stack.logs}")
        _say("Ctrl-C stops everything")
        stack.watch()
    except _Stop:
        pass
    finally:
        stack.stop()
