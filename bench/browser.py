"""What the browser benchmarks share: Debian's Chromium, the end-to-end stack serving a copy of
the built apps, their first-load JavaScript, and how a figure is printed."""

from __future__ import annotations

import gzip
import os
import re
import shutil
import statistics
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from playwright.async_api import Browser, Playwright

from tests.e2e.stack import Stack, whole_stack
from tests.support.databases import TestDatabases, postgres_admin_url
from tests.support.graphql import GraphQLClient

__all__ = [
    "chromium",
    "first_load_javascript",
    "machine_load",
    "report",
    "sizes",
    "web_stack",
]

DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"]


async def chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless (Playwright's own download is not used)."""
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def first_load_javascript(dist: Path, app: str = "") -> tuple[int, int, list[str]]:
    """(raw bytes, gzip bytes, files) of the scripts ``app``'s index.html loads before anything
    else: its script tags and module preloads."""
    html = (dist / app / "index.html").read_text()
    files = re.findall(r'(?:src|href)="(/[^"]+\.js)"', html)
    return *sizes(dist, files), files


def sizes(dist: Path, files: list[str]) -> tuple[int, int]:
    """(raw bytes, gzip bytes) of these files, by their paths on the site."""
    raw = gz = 0
    for name in files:
        body = (dist / name.lstrip("/")).read_bytes()
        raw += len(body)
        gz += len(gzip.compress(body, 9))
    return raw, gz


def report(label: str, values: list[float], target: str) -> None:
    runs = ", ".join(f"{v:.0f}" for v in values)
    median, longest = statistics.median(values), max(values)
    print(f"{label}: median {median:5.0f} ms, max {longest:5.0f} ms ({runs})   target {target}")


def machine_load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


@asynccontextmanager
async def web_stack() -> AsyncIterator[tuple[Stack, GraphQLClient, Path]]:
    """The stack of the end-to-end tests on PostgreSQL, its gateway serving a copy of web/dist
    (a `make web` during the run would otherwise take files away from a page still loading);
    yields the stack, an anonymous client of its gateway and the copy."""
    if not ((DIST / "index.html").is_file() and (DIST / "admin" / "index.html").is_file()):
        raise SystemExit("web/dist is missing or incomplete: run `make web` first")
    databases = TestDatabases(admin_url=postgres_admin_url(), sqlite_dir=Path(tempfile.mkdtemp()))
    try:
        with tempfile.TemporaryDirectory() as work:
            dist = Path(work) / "dist"
            shutil.copytree(DIST, dist)
            async with (
                whole_stack(databases=databases, work_dir=Path(work), web_dir=dist) as stack,
                httpx.AsyncClient(timeout=30) as http,
            ):
                yield stack, GraphQLClient(http, stack.gateway_url), dist
    finally:
        await databases.drop_all()
