"""Argon2id password hashing off the event loop, never more hashes at once than cores.

Each hash takes ~19 MiB and tens of milliseconds of CPU on purpose. Running it in the event
loop would stall every other request, and running unboundedly many at once would only queue
in the kernel and multiply memory, so a pool sized to the cores does the work. argon2-cffi
releases the GIL while hashing, so the threads really run in parallel.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher as Argon2Hasher
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["PasswordHasher", "Verification"]


class Verification:
    """The outcome of checking a password: whether it matched and whether to rehash."""

    def __init__(self, *, matched: bool, needs_rehash: bool) -> None:
        self.matched = matched
        self.needs_rehash = needs_rehash


class PasswordHasher:
    def __init__(
        self, *, memory_kib: int, time_cost: int, parallelism: int, max_concurrent: int = 0
    ) -> None:
        self._argon2 = Argon2Hasher(
            time_cost=time_cost,
            memory_cost=memory_kib,
            parallelism=parallelism,
            hash_len=32,
            salt_len=16,
            type=Type.ID,
        )
        workers = max_concurrent or os.cpu_count() or 1
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        # A hash of a password nobody knows: unknown users are checked against it, so a
        # failed log-in costs the same whether or not the username exists.
        self._dummy_hash = self._argon2.hash(os.urandom(16).hex())

    @property
    def parameters(self) -> tuple[int, int, int]:
        """(memory KiB, time cost, parallelism)."""
        return (self._argon2.memory_cost, self._argon2.time_cost, self._argon2.parallelism)

    async def hash(self, password: str) -> str:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._argon2.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> Verification:
        """Check ``password``; with no stored hash, burn the same time and report no match."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._verify, stored_hash, password)

    def _verify(self, stored_hash: str | None, password: str) -> Verification:
        try:
            self._argon2.verify(stored_hash or self._dummy_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return Verification(matched=False, needs_rehash=False)
        if stored_hash is None:
            return Verification(matched=False, needs_rehash=False)
        return Verification(matched=True, needs_rehash=self._argon2.check_needs_rehash(stored_hash))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
