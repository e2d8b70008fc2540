"""Waiting briefly for read-model facts that may still be on their way from interventions.

A phone shows an occurrence as soon as interventions scheduled it, and signing's copy arrives
through the broker a moment later. Answering "not found" in that gap would make a nurse sign
twice or give up, so a request for an unknown occurrence waits a bounded time for it. It
polls the database rather than waiting for an in-process signal because the event may be
consumed by another replica. The wait is wall time on purpose: it bounds a request, not a
domain deadline, so the injected clock has no say in it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from libs.database import SessionFactory
from services.signing import repository
from services.signing.domain import Occurrence

__all__ = ["wait_for_occurrences", "wait_until"]

T = TypeVar("T")

FIRST_POLL = 0.02
SLOWEST_POLL = 0.25


async def wait_until(
    load: Callable[[AsyncSession], Awaitable[T | None]],
    *,
    sessions: SessionFactory,
    within: float,
) -> T | None:
    """Poll ``load`` until it finds something or ``within`` seconds have passed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    delay = FIRST_POLL
    while (remaining := deadline - loop.time()) > 0:
        await asyncio.sleep(min(delay, remaining))
        delay = min(delay * 2, SLOWEST_POLL)
        async with sessions() as session:
            found = await load(session)
        if found is not None:
            return found
    return None


async def wait_for_occurrences(
    wanted: Collection[str],
    *,
    sessions: SessionFactory,
    within: float,
    keep: Callable[[Occurrence], bool],
) -> dict[str, Occurrence]:
    """As many of ``wanted`` as arrive within the wait (all of them, normally); an occurrence
    ``keep`` refuses counts as not arrived."""
    found: dict[str, Occurrence] = {}

    async def load(session: AsyncSession) -> dict[str, Occurrence] | None:
        arrived = await repository.get_occurrences(session, set(wanted) - found.keys())
        found.update((key, occurrence) for key, occurrence in arrived.items() if keep(occurrence))
        return found if found.keys() >= set(wanted) else None

    await wait_until(load, sessions=sessions, within=within)
    return found
