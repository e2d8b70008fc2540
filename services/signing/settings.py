"""Configuration of the signing service (environment prefix ``SIGNA_SIGNING_``)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from libs.settings import ServiceSettings
from services.signing.domain import SigningPolicy

__all__ = ["SigningSettings"]


class SigningSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SIGNA_SIGNING_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.signa/signing.db"
    port: int = 8103
    # How far the phone's performedAt may lie before / after the server's signedAt.
    performed_back: timedelta = Field(default=timedelta(hours=24), ge=timedelta(0))
    performed_ahead: timedelta = Field(default=timedelta(minutes=2), ge=timedelta(0))
    # How long after signing the signer may annul their own signature.
    annul_limit: timedelta = Field(default=timedelta(hours=24), ge=timedelta(0))
    # A signature reaching the server more than this many minutes after its performedAt is
    # retrospective (SIGNA_SIGNING_RETROSPECTIVE_MINUTES).
    retrospective_minutes: int = Field(default=15, ge=0, le=24 * 60)
    # A phone may sign an occurrence before its OccurrenceScheduled reached us; wait this long.
    occurrence_wait_seconds: float = Field(default=3.0, ge=0, le=30)
    sync_max_items: int = Field(default=200, ge=1, le=1000)

    def policy(self) -> SigningPolicy:
        return SigningPolicy(
            performed_back=self.performed_back,
            performed_ahead=self.performed_ahead,
            annul_limit=self.annul_limit,
            retrospective_after=timedelta(minutes=self.retrospective_minutes),
        )
