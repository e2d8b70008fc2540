"""Configuration of the identity service (environment prefix ``SIGNA_IDENTITY_``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from libs.settings import ServiceSettings

__all__ = ["IdentitySettings"]


class IdentitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SIGNA_IDENTITY_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.signa/identity.db"
    port: int = 8101

    # Where links in e-mails point (the web app in front of the gateway).
    public_url: str = "http://127.0.0.1:4000"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=8025, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    mail_from: str = "Signa <no-reply@signa.local>"
    mail_poll_seconds: float = Field(default=2.0, gt=0, le=300)
    activation_hours: int = Field(default=72, ge=1, le=24 * 30)

    # Argon2id, OWASP cheat sheet: m=19 MiB, t=2, p=1. Lower only in tests.
    argon2_memory_kib: int = Field(default=19 * 1024, ge=8)
    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_parallelism: int = Field(default=1, ge=1)
    # Concurrent hashes; 0 means one per CPU core.
    argon2_max_concurrent: int = Field(default=0, ge=0)

    access_token_seconds: int = Field(default=300, ge=30, le=300)
    refresh_token_hours: int = Field(default=12, ge=1, le=24 * 30)
    # A rotated-out key stays published this long; at least an access token's lifetime.
    key_overlap_seconds: int = Field(default=600, ge=300)
    # A new key is published this long before it signs, so every verifier has loaded it: a
    # verifier refetches the key set at most every 10 s (the services' and the gateway's), and
    # identity caches it 2 s; one that refetched just before the key was published must get
    # its next refetch before the key signs, or it refuses every new token meanwhile.
    key_propagation_seconds: float = Field(default=15.0, ge=0, le=60)

    # Log-in throttling: free attempts in the window, then a doubling lock.
    login_free_attempts_per_account: int = Field(default=5, ge=1)
    login_free_attempts_per_address: int = Field(default=30, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    login_base_lock_seconds: int = Field(default=30, ge=1)
    login_max_lock_seconds: int = Field(default=3600, ge=1)

    access_log_retention_days: int = Field(default=5 * 366, ge=1)

    @model_validator(mode="after")
    def _owasp_hashing_in_production(self) -> Self:
        # Cheap hashes are for tests; a production deployment must not run with them by mistake.
        if self.common.production and (
            self.argon2_memory_kib < 19 * 1024 or self.argon2_time_cost < 2
        ):
            raise ValueError("production needs argon2 memory ≥ 19456 KiB and time cost ≥ 2")
        if self.common.production and self.key_propagation_seconds < 12:
            raise ValueError("production needs key_propagation_seconds ≥ 12 (see its comment)")
        return self

    @property
    def activation_lifetime(self) -> timedelta:
        return timedelta(hours=self.activation_hours)

    @property
    def access_token_lifetime(self) -> timedelta:
        return timedelta(seconds=self.access_token_seconds)

    @property
    def refresh_token_lifetime(self) -> timedelta:
        return timedelta(hours=self.refresh_token_hours)

    @property
    def key_overlap(self) -> timedelta:
        return timedelta(
            seconds=max(
                self.key_overlap_seconds,
                self.access_token_seconds + self.key_propagation_seconds + 5,
            )
        )

    @property
    def key_propagation(self) -> timedelta:
        return timedelta(seconds=self.key_propagation_seconds)

    @property
    def access_log_retention(self) -> timedelta:
        return timedelta(days=self.access_log_retention_days)
