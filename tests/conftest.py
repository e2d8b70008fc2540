"""Fixtures every test package shares: a real broker, real databases, tokens, HTTP clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from libs.devstack.broker import BrokerProcess
from libs.settings import CommonSettings
from tests.support.databases import TestDatabases, postgres_admin_url
from tests.support.tokens import AUDIENCE, ISSUER, TestTokens


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("logs")


@pytest.fixture
def broker(log_dir: Path) -> Iterator[BrokerProcess]:
    """A fresh in-memory Tansu per test (it starts in well under a second)."""
    process = BrokerProcess(log_dir=log_dir)
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="session")
async def databases(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TestDatabases]:
    registry = TestDatabases(
        admin_url=postgres_admin_url(), sqlite_dir=tmp_path_factory.mktemp("sqlite")
    )
    yield registry
    await registry.drop_all()


@pytest.fixture(scope="session")
def tokens() -> TestTokens:
    return TestTokens()


@pytest.fixture
def common_settings(broker: BrokerProcess) -> CommonSettings:
    return CommonSettings(
        kafka_bootstrap_servers=broker.bootstrap_servers,
        kafka_topic_partitions=2,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        log_json=False,
    )


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client
