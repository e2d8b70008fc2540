"""What the request benchmarks share: percentiles, process CPU, and load at a fixed rate.

Two ways to load a service, and why both are printed:

- *Closed loop* (each client sends its next request when the last is answered) finds the
  most the service can do. Its latency is queueing by construction: with N clients the mean
  is N ÷ throughput (Little's law), so it says how full the queue was, not how fast a phone
  is answered at a given load.
- *Fixed rate* (``at_fixed_rate``): requests are due at evenly spaced times, R per second,
  spread over N clients. A request's latency runs from when it was due, not when it was
  sent, so a service that falls behind is charged for the wait (no coordinated omission):
  if all N clients are busy when a request falls due, its latency includes that wait.
  This is the latency a target like "p95 ≤ 50 ms at 300 signatures/s" speaks of.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

__all__ = ["at_fixed_rate", "cpu_seconds", "percentile"]


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def at_fixed_rate(
    request: Callable[[int], Awaitable[bool]],
    *,
    rate: float,
    count: int,
    clients: int,
    warm_up: int = 0,
) -> tuple[list[float], float]:
    """Send ``count`` requests due ``1 / rate`` seconds apart over ``clients`` clients.

    ``request(n)`` sends the n-th and says whether it succeeded; only successes are timed,
    and not the first ``warm_up`` (a stack that had idled answered its first second slowly:
    see ``bench/gateway.py``). Returns the latencies (seconds, from when each was due) and
    the wall time of the timed requests.
    """
    interval = 1 / rate
    latencies: list[float] = []
    taken = 0
    start = time.perf_counter()

    async def client() -> None:
        nonlocal taken
        while taken < count:
            n, taken = taken, taken + 1
            due = start + n * interval
            if (wait := due - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            if await request(n) and n >= warm_up:
                latencies.append(time.perf_counter() - due)

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, time.perf_counter() - (start + warm_up * interval)
