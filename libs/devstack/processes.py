"""Child processes of the local stack, each logging to its own file under a log directory.

Children start in their own session, so a Ctrl-C aimed at the supervisor does not reach them
directly: the supervisor stops them in its own order (gateway, services, broker last).
"""

from __future__ import annotations

import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

__all__ = ["ChildProcess", "spawn"]


@dataclass
class ChildProcess:
    """One started process and the log file it writes to."""

    name: str
    process: subprocess.Popen[bytes]
    log: IO[bytes]

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float) -> None:
        """SIGTERM, then SIGKILL if it has not exited within ``timeout`` seconds."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close()

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        # Reap it so no zombie is left and the port is released before we return.
        self.process.wait()
        self._close()

    def _close(self) -> None:
        if not self.log.closed:
            self.log.close()


def spawn(name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> ChildProcess:
    log_dir.mkdir(parents=True, exist_ok=True)
    # Append so that a restart (e.g. after a simulated crash) keeps the earlier run's log.
    log = (log_dir / f"{name}.log").open("ab")
    log.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(argv)}\n".encode())
    log.flush()
    process = subprocess.Popen(  # noqa: S603 - argv is built by our own supervisors
        argv,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    return ChildProcess(name, process, log)
