"""Configuration from environment variables.

`CommonSettings` (prefix ``SIGNA_``) holds what every process shares: the broker, the token
issuer, production mode. Each service subclasses `ServiceSettings` with its own prefix
(``SIGNA_SIGNING_`` ...) for its database, port and tunables. `load_settings` turns a validation
error into a `ConfigurationError` that names every offending variable, so a mistyped value stops
start-up with a message rather than a stack trace.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["CommonSettings", "ConfigurationError", "ServiceSettings", "load_settings"]


_DAY_MS = 86_400_000


class ConfigurationError(Exception):
    """Raised at start-up when the environment does not describe a runnable process."""


class CommonSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SIGNA_", extra="ignore")

    production: bool = False
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    # Tansu (the bundled broker) rejects InitProducerId; Apache Kafka should run with it on.
    kafka_enable_idempotence: bool = False
    kafka_topic_partitions: int = Field(default=4, ge=1, le=256)
    # 3 on a production Kafka cluster; the bundled single-node broker has only 1.
    kafka_topic_replication_factor: int = Field(default=1, ge=1, le=7)
    # How long a broker may hold a consumer's fetch (libs/messaging/kafka.py says why 250).
    kafka_fetch_max_wait_ms: int = Field(default=250, ge=10, le=5000)
    # retention.ms of the topics the services create. Every service's read models are built
    # from the others' events (a new replica's database, a rebuilt view, interventions' views of
    # signatures and alarms read their topics from the start), and Apache Kafka's own default
    # deletes them after 7 days, so they are kept (-1) unless an operator chooses a time.
    kafka_topic_retention_ms: int = -1
    # How long a server (a service, the gateway) keeps an idle HTTP connection: longer than
    # its clients do (libs.web.server_config says why).
    http_keep_alive_seconds: int = Field(default=75, ge=10, le=3600)
    jwks_url: str = "http://127.0.0.1:8101/.well-known/jwks.json"
    jwt_issuer: str = "https://signa.local/identity"
    jwt_audience: str = "signa"
    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _servers_have_ports(cls, value: str) -> str:
        for server in value.split(","):
            host, _, port = server.strip().rpartition(":")
            if not host or not port.isdigit():
                raise ValueError(f"expected host:port[,host:port...], got {server!r}")
        return value

    @field_validator("kafka_topic_retention_ms")
    @classmethod
    def _keep_or_at_least_a_day(cls, value: int) -> int:
        # Shorter would lose what a consumer stopped over a weekend has not read yet.
        if value != -1 and value < _DAY_MS:
            raise ValueError(f"expected -1 (keep) or at least {_DAY_MS} (one day)")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("expected DEBUG, INFO, WARNING or ERROR")
        return value.upper()


class ServiceSettings(BaseSettings):
    """Base of each service's settings; subclasses set ``env_prefix`` and defaults."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str
    host: str = "127.0.0.1"
    port: int
    # Connections per process (and as many again in bursts); the relay keeps one of its own.
    database_pool_size: int = Field(default=5, ge=1, le=100)
    # Replaces pooled connections the database closed (a restart) before use, without a round
    # trip, so a restart costs no failed request.
    database_pre_ping: bool = True
    # Off in production when migrations run as their own step (`signa migrate`).
    migrate_on_start: bool = True
    outbox_poll_seconds: float = Field(default=0.1, gt=0, le=10)
    # How long the relay, woken by a commit, waits for more commits before it publishes.
    outbox_linger_seconds: float = Field(default=0.02, ge=0, le=1)
    outbox_batch_size: int = Field(default=500, ge=1, le=5000)
    consumer_max_records: int = Field(default=500, ge=1, le=5000)
    consumer_max_attempts: int = Field(default=3, ge=1, le=20)
    graphql_max_depth: int = Field(default=12, ge=2, le=50)
    graphql_max_tokens: int = Field(default=2000, ge=100, le=100_000)
    graphql_max_aliases: int = Field(default=30, ge=1, le=1000)
    common: CommonSettings = Field(default_factory=CommonSettings)

    # Validators, unlike Field constraints, still apply when a subclass sets its own default.
    @field_validator("port")
    @classmethod
    def _valid_port(cls, value: int) -> int:
        if not 1 <= value <= 65535:
            raise ValueError("expected a TCP port between 1 and 65535")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not value.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
            raise ValueError("expected a postgresql+asyncpg:// or sqlite+aiosqlite:// URL")
        return value


SettingsT = TypeVar("SettingsT", bound=BaseSettings)


def load_settings(cls: type[SettingsT], **overrides: Any) -> SettingsT:
    """Build settings from the environment (and explicit overrides, for tests).

    Every wrong variable is reported at once, the shared ones and the service's own.
    """
    problems: list[str] = []
    if "common" in cls.model_fields and "common" not in overrides:
        try:
            overrides = {**overrides, "common": CommonSettings()}
        except ValidationError as error:
            problems += _describe(error, "SIGNA_")
            # A stand-in, so the service's own variables are still checked and reported.
            overrides = {**overrides, "common": CommonSettings.model_construct()}
    try:
        settings = cls(**overrides)
    except ValidationError as error:
        problems += _describe(error, str(cls.model_config.get("env_prefix", "")))
    if problems:
        raise ConfigurationError("\n".join(["invalid configuration:", *problems]))
    return settings


def _describe(error: ValidationError, prefix: str) -> list[str]:
    return [
        f"  {prefix}{'_'.join(str(part) for part in problem['loc']).upper()}: {problem['msg']}"
        for problem in error.errors()
        if problem["loc"] != ("common",)
    ]
